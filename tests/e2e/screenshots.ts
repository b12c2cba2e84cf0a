/**
 * `npm run screenshots`: the main screens on a phone (390×844, zh-CN), and the office's at a PC (1366×768),
 * with a realistic day's data, into
 * docs/screenshots/*.png — shown in the README and, from the next build on, in the install dialog (the
 * manifest lists them). The app is built and served by the real server with a throw-away database, as in
 * the field-day suite, and the data is made through the screens, as a leader and the office would.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ExcelJS from 'exceljs'
import type { Page } from 'playwright-core'
import { browserUnavailable, launchPhone, type Phone } from './browser'
import { productionBuild } from './build'
import { DEMO_PASSWORD, startFieldServer, type FieldServer } from './field-server'
import { answerCanvass, cameraPhoto, checklistItems, finishInspection, inspect, openUnderWorker, readStore, recordVisit, reportIssue, signIn, startCanvass } from './pages'

const OUT = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url))
const BUILDING = '南门路115号之二'
/** Sharp on a phone-sized image in the README, without making the repository heavy. */
const SCALE = 2

/** Today in the leaders' time zone, as the date input wants it. */
const today = () => new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai' }).format(new Date())

async function shoot(page: Page, name: string) {
  // Fonts, thumbnails and transitions settle before the picture is taken.
  await page.evaluate(() => document.fonts.ready)
  await page.waitForTimeout(400)
  await page.screenshot({ path: join(OUT, `${name}.png`) })
  console.log(`docs/screenshots/${name}.png`)
}

/** Runs sync now from the home screen and waits until nothing is waiting. */
async function syncFromHome(page: Page, url: string) {
  await page.goto(new URL('/', url).href)
  await page.getByRole('button', { name: '立即同步' }).click()
  for (let i = 0; i < 60 && (await readStore(page, 'outbox')).length > 0; i++) await page.waitForTimeout(500)
  await page.getByText('记录都已同步').waitFor()
}

async function leaderDay(page: Page, server: FieldServer) {
  const at = (path: string) => new URL(path, server.url).href
  await openUnderWorker(page, server.url)
  await page.goto(at('/signin'))
  await page.getByLabel('用户名').fill('leader1')
  await shoot(page, 'sign-in')
  await signIn(page, 'leader1', DEMO_PASSWORD)

  await recordVisit(page, {
    building: BUILDING,
    household: 1,
    purpose: '政策宣讲',
    topic: '粤省事养老金年审',
    needs: '李奶奶独居，想学粤省事上的养老金年审',
    outcome: '教了一遍，她自己做成了',
    followUpOn: today(),
  })
  await recordVisit(page, {
    building: BUILDING,
    household: 3,
    purpose: '收集民意',
    topic: '加装电梯',
    needs: '王家同意加装电梯，担心一楼采光',
    outcome: '记下意见，下次业主会上说',
    followUpOn: today(),
  })
  await recordVisit(page, { building: '南门路117号', household: 2, purpose: '矛盾调解', needs: '楼上漏水到楼下，两家吵起来了', outcome: '约了物业明天上门查' })
  const issue = await reportIssue(page, {
    building: BUILDING,
    category: '维修',
    location: '2楼楼道窗户（西侧）',
    description: '窗户玻璃裂了，台风天怕掉下去砸到人',
    urgent: true,
    photos: [await cameraPhoto(page)],
  })
  await reportIssue(page, { building: '南门路117号', category: '环境卫生', location: '1楼垃圾房', description: '垃圾房门坏了关不上，有老鼠' })
  await reportIssue(page, { building: BUILDING, category: '安全隐患', location: '楼道', description: '有人把电动车推进楼道充电', urgent: true })
  await syncFromHome(page, server.url)
  return issue
}

async function officeDay(office: Phone, server: FieldServer, issue: string) {
  const desk = office.context.pages()[0] ?? (await office.context.newPage())
  await desk.goto(server.url)
  await signIn(desk, 'office1', DEMO_PASSWORD)
  await desk.locator(`a[data-id="${issue}"]`).click()
  await desk.getByRole('button', { name: '受理', exact: true }).click()
  await desk.getByLabel('办理说明').fill('收到，已联系物业')
  await desk.getByRole('button', { name: '确认受理' }).click()
  await desk.getByRole('button', { name: '开始办理', exact: true }).click()
  await desk.getByLabel('办理说明').fill('已转物业，周五前派人来换玻璃')
  await desk.getByRole('button', { name: '确认开始办理' }).click()
  await syncFromHome(desk, server.url)
  await desk.goto(new URL('/office', server.url).href)
  await desk.locator(`a[data-id="${issue}"]`).waitFor()
  await shoot(desk, 'office-triage')
  await desk.locator(`a[data-id="${issue}"]`).click()
  await desk.getByText('已转物业，周五前派人来换玻璃').waitFor()
  await shoot(desk, 'office-issue')

  await desk.goto(new URL('/office/residents', server.url).href)
  await desk.getByRole('tab', { name: '居民' }).click()
  await desk.getByRole('cell').first().waitFor()
  await shoot(desk, 'office-residents')
  // An office's own roster, with the mistakes such files have: the preview names each one.
  await desk.getByRole('tab', { name: '导入花名册' }).click()
  await desk.getByTestId('roster-file').setInputFiles({ name: '南门社区花名册.xlsx', mimeType: XLSX, buffer: await officeRoster() })
  await desk.getByRole('alert').filter({ hasText: '个问题' }).waitFor()
  await shoot(desk, 'office-roster')
  await desk.goto(new URL('/office/people', server.url).href)
  await desk.getByRole('cell', { name: 'leader1', exact: true }).waitFor()
  await shoot(desk, 'office-people')
}

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
const CAMPAIGN = '台风“海葵”来前24小时内完成防台风检查'

/** The office launches a typhoon campaign over the leader's two buildings, in the workspace; answers its id. */
async function launchCampaign(office: Phone, server: FieldServer): Promise<string> {
  const desk = office.context.pages()[0] ?? (await office.context.newPage())
  await desk.goto(new URL('/office/campaigns', server.url).href)
  await desk.getByRole('button', { name: '发起检查' }).click()
  const form = desk.locator('.office-campaigns__form')
  await form.locator('.el-form-item', { hasText: '巡查表' }).locator('.el-select__wrapper').click()
  await desk.getByRole('option', { name: /^防台风检查/ }).filter({ visible: true }).click()
  await form.getByLabel('任务名称').fill(CAMPAIGN)
  await form.getByText('选择楼栋', { exact: true }).click()
  for (const building of [BUILDING, '南门路117号']) await form.locator('.el-checkbox', { hasText: building }).click()
  await form.getByLabel('给楼长的话').fill('重点看阳台花盆、外墙广告牌和雨棚，独居老人要当面通知到')
  await form.getByRole('button', { name: '发起检查' }).click()
  await desk.waitForURL(/\/office\/campaigns\/[^/]+$/)
  return new URL(desk.url()).pathname.split('/').pop()!
}

/** The leader opens the campaign from home's banner and inspects one building: the first item fails, with a photo. */
async function campaignInspection(page: Page, server: FieldServer) {
  await syncFromHome(page, server.url)
  await page.getByRole('link', { name: new RegExp(CAMPAIGN) }).click()
  await page.getByRole('listitem').filter({ hasText: BUILDING }).getByRole('button', { name: '开始检查' }).click()
  await page.waitForURL(/\/inspections\/[0-9a-f-]{36}$/)
  const items = checklistItems(page)
  await items.first().waitFor()
  const count = await items.count()
  for (let i = 0; i < count; i++) await items.nth(i).getByRole('button', { name: i === 0 ? '不合格' : '合格', exact: true }).click()
  await items.first().getByLabel('备注').fill('5楼阳台三盆花没搬进屋')
  await items.first().getByLabel('从相册选').setInputFiles({ name: 'IMG_20261206_0930.jpg', mimeType: 'image/jpeg', buffer: await cameraPhoto(page, { variant: 2 }) })
  await items.first().getByRole('img', { name: '第 1 张照片' }).waitFor({ timeout: 30_000 })
  await finishInspection(page)
  await syncFromHome(page, server.url)
}

/** The office's overview pages: coverage, the campaign's progress, the phones, the month's report. */
async function officeOverview(office: Phone, server: FieldServer, campaign: string) {
  const desk = office.context.pages()[0] ?? (await office.context.newPage())
  const at = (path: string) => new URL(path, server.url).href
  await desk.goto(at('/office/coverage'))
  await desk.locator('.office-coverage__table .el-table__row').first().waitFor()
  await shoot(desk, 'office-coverage')

  await desk.goto(at(`/office/campaigns/${campaign}`))
  const hazards = desk.locator('.office-campaign__hazards')
  await hazards.getByRole('img', { name: '第 1 张照片' }).waitFor({ timeout: 20_000 })
  await desk.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('.office-campaign__hazards img')].every((i) => i.complete && i.naturalWidth > 0))
  await shoot(desk, 'office-campaign')

  await desk.goto(at('/office/devices'))
  await desk.locator('.office-devices__table .el-table__row').filter({ hasText: '演示楼长' }).waitFor()
  await shoot(desk, 'office-devices')

  await desk.goto(at('/office/report'))
  // In a month's first week the page opens on the month before; the day's records are in this one.
  const month = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai' }).format(new Date()).slice(0, 7)
  const picker = desk.locator('.office-report__month input')
  if ((await picker.inputValue()) !== month) {
    await picker.fill(month)
    await picker.press('Enter')
  }
  await desk.locator('.office-report__figures').waitFor()
  await desk.locator('.office-report__charts').waitFor()
  await shoot(desk, 'office-report')

  await desk.goto(at('/office/points'))
  await desk.locator('.office-points__ranking .el-table__row').filter({ hasText: '演示楼长' }).waitFor()
  await shoot(desk, 'office-points')
}

const CANVASS = '是否同意本栋加装电梯？'

/**
 * The leader canvasses the building for an elevator, door to door, with signatures drawn on the phone and one
 * answer by a daughter for her father: the grid on the phone half way (还差 2 户同意), then
 * synced, the same canvass in the workspace.
 */
async function canvass(page: Page, office: Phone, server: FieldServer) {
  const id = await startCanvass(page, { building: BUILDING, question: CANVASS })
  await answerCanvass(page, '401', { answer: '同意', signed: true, variant: 1 })
  await answerCanvass(page, '402', { answer: '同意', signed: true, variant: 2 })
  await answerCanvass(page, '301', { answer: '同意', proxy: '陈婉仪（女儿）', signed: true, variant: 3 })
  await answerCanvass(page, '302', { answer: '反对', signed: false })
  await answerCanvass(page, '201', { answer: '同意', signed: true, variant: 4 })
  await answerCanvass(page, '202', { answer: '弃权', signed: false })
  await answerCanvass(page, '101', { answer: '联系不上', signed: false })
  await page.locator('.canvass-figures').scrollIntoViewIfNeeded()
  await shoot(page, 'canvass-grid')
  await syncFromHome(page, server.url)

  const desk = office.context.pages()[0] ?? (await office.context.newPage())
  await desk.goto(new URL(`/office/canvasses/${id}`, server.url).href)
  await desk.locator('.office-canvass-grid__table td').first().waitFor()
  await shoot(desk, 'office-canvass')
}

/** The demo community's roster as an office keeps it, with a phone Excel mangled, a tag nobody knows and a room twice. */
async function officeRoster(): Promise<Buffer> {
  const book = new ExcelJS.Workbook()
  const sheet = book.addWorksheet('花名册')
  sheet.addRow(['楼栋', '单元', '房号', '姓名', '联系电话', '出生年份', '建筑面积', '居住情况', '关爱标签'])
  sheet.addRow(['南门路115号之二', '', '101', '陈国强', 13810007919, 1950, 52.5, '自住', '独居老人'])
  sheet.addRow(['南门路115号之二', '', '102', '李秀英', '1.38101E+10', 1962, 61, '出租', ''])
  sheet.addRow(['南门路117号', '', '201', '黄美玲', 13810015838, 1948, 48, '自住', '孤寡'])
  sheet.addRow(['南门路117号', '', '201', '黄美玲', 13810015838, 1948, 48, '自住', ''])
  sheet.addRow(['', '', '301', '伍志明', 13810023757, 1979, 55, '空置', ''])
  return Buffer.from(await book.xlsx.writeBuffer())
}

async function main() {
  const skip = browserUnavailable()
  if (skip) throw new Error(skip)
  await mkdir(OUT, { recursive: true })
  const appDir = await mkdtemp(join(tmpdir(), 'doorstep-screenshots-'))
  let server: FieldServer | undefined
  const phones: Phone[] = []
  try {
    await productionBuild(appDir)
    server = await startFieldServer(appDir)
    const at = (path: string) => new URL(path, server!.url).href
    const leader = await launchPhone({ deviceScaleFactor: SCALE })
    phones.push(leader)
    const page = leader.context.pages()[0] ?? (await leader.context.newPage())
    const issue = await leaderDay(page, server)

    // The office works at a PC: a 1366×768 window, the smallest common desktop screen.
    const office = await launchPhone({ viewport: { width: 1366, height: 768 }, deviceScaleFactor: 1, isMobile: false, hasTouch: false })
    phones.push(office)
    await officeDay(office, server, issue)

    await syncFromHome(page, server.url)
    await page.goto(at(`/issues/${issue}`))
    await page.getByText('已转物业，周五前派人来换玻璃').waitFor()
    await page.getByRole('img', { name: '第 1 张照片' }).scrollIntoViewIfNeeded()
    await shoot(page, 'issue-detail')

    await inspect(page, { building: BUILDING, template: '楼道消防安全', failNote: '4楼楼梯口堆了纸箱和旧床垫' })
    await checklistItems(page).first().scrollIntoViewIfNeeded()
    await shoot(page, 'inspection-checklist')

    await page.goto(at('/visits/new'))
    await page.getByLabel('楼栋', { exact: true }).selectOption({ label: BUILDING })
    await page.getByLabel('住户', { exact: true }).selectOption({ index: 2 })
    await page.getByRole('radio', { name: '社区参议' }).click()
    await page.getByRole('checkbox', { name: '防诈骗宣传' }).click()
    await shoot(page, 'visit-form')

    await page.goto(at('/settings'))
    await page.getByText(/^已用 /).waitFor()
    await shoot(page, 'settings')
    await page.locator('.my-points').scrollIntoViewIfNeeded()
    await shoot(page, 'my-points')

    const campaign = await launchCampaign(office, server)
    await campaignInspection(page, server)
    await officeOverview(office, server, campaign)
    await canvass(page, office, server)

    await page.goto(at('/worklist'))
    await page.locator('.worklist-row').first().waitFor()
    await shoot(page, 'worklist')

    await page.goto(at('/'))
    await page.getByText('记录都已同步').waitFor()
    await shoot(page, 'home')
  } finally {
    for (const phone of phones) await phone.close()
    await server?.close()
    await rm(appDir, { recursive: true, force: true })
  }
}

await main()
