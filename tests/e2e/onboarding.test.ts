import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Locator, Page } from 'playwright-core'
import { browserUnavailable, launchPhone, type Phone } from './browser'
import { cameraPhoto, pickOption, readStore, reportIssue, typePin, unlock, watchProblems } from './pages'
import { startProductionServer, type ProductionServer } from './production-server'

const skipReason = browserUnavailable()
if (skipReason) console.warn(skipReason)

/*
 * A community adopts Doorstep on a Monday morning, from an empty production database: the first admin is
 * made with the CLI, and everything after it happens in the browser, as office staff and leaders do it.
 */

const ADMIN_PASSWORD = 'Nanhua-street-2026'
/** Everyone's app PIN in this story (each phone keeps its own). */
const PIN = '381507'
const COMMUNITY = '南华社区'
const EAST = '南华东路18号'
const WEST = '南华西路7号'

/** One row per resident, with the headers in an order of this office's own and the synonyms it uses. */
const HEADERS = ['房间号', '楼栋地址', '单元', '户主', '联系电话', '出生年份', '建筑面积', '居住情况', '关爱标签']
const ROWS: Array<Array<string | number>> = [
  ['101', EAST, '1', '梁秀英', 13800138001, 1941, 52.5, '自住', '独居老人'],
  ['102', EAST, '1', '陈国强', 13800138002, 1968, 61, '出租', ''],
  ['102', EAST, '1', '陈家豪', '', 1995, 61, '出租', '租户'],
  ['201', WEST, '', '黄美玲', 13800138003, 1950, 48, '自住', '老人、低保'],
  ['202', WEST, '', '林志明', 13800138004, 1979, 55, '空置', ''],
]
const CHANGED_PHONE = '13900139009'

/** The roster as an .xlsx, phones as number cells as Excel keeps them when typed. */
async function rosterXlsx(): Promise<Buffer> {
  const book = new ExcelJS.Workbook()
  const sheet = book.addWorksheet('花名册')
  sheet.addRow(HEADERS)
  for (const row of ROWS) sheet.addRow(row)
  return Buffer.from(await book.xlsx.writeBuffer())
}

/** The same roster as older Excel and WPS save a CSV: GBK, with one phone number changed. */
function rosterGbkCsv(): Buffer {
  const rows = ROWS.map((row) => (row[3] === '梁秀英' ? row.with(4, CHANGED_PHONE) : row))
  const text = [HEADERS, ...rows].map((row) => row.join(',')).join('\r\n')
  return iconv.encode(text, 'gbk')
}

/** The form item of an Element Plus form labelled `label`. */
const formItem = (within: Locator, label: string) => within.locator('.el-form-item').filter({ has: within.page().locator('label', { hasText: label }) })

describe.skipIf(skipReason)('a community office from nothing to its leaders’ first sync', () => {
  let server: ProductionServer
  let desk: Phone
  let office: Page
  const problems: string[] = []
  /** The one-time passwords the workspace showed, by username. */
  const issued = new Map<string, string>()
  const at = (path: string) => new URL(path, server.url).href

  beforeAll(async () => {
    server = await startProductionServer(inject('appDir'))
    desk = await launchPhone({ viewport: { width: 1366, height: 768 }, isMobile: false, hasTouch: false })
    office = desk.context.pages()[0] ?? (await desk.context.newPage())
    watchProblems(office, problems)
  })

  afterAll(async () => {
    await desk?.close()
    await server?.close()
  })

  /** Signs in on the sign-in screen, and changes a one-time password first when the app asks for it. */
  async function signIn(page: Page, username: string, password: string, newPassword?: string): Promise<void> {
    await page.goto(at('/signin'))
    await page.getByLabel('用户名').fill(username)
    await page.getByLabel('密码').fill(password)
    await page.getByRole('button', { name: '登录', exact: true }).click()
    await page.waitForURL((url) => url.pathname !== '/signin')
    // A new community requires the app lock: the PIN comes first, before anything syncs.
    await page.getByRole('heading', { name: '设置锁屏密码' }).waitFor()
    // Sign-in's toast (whether the browser keeps the data) shows for three seconds over this screen: a thumb's
    // tap on any of its buttons must reach the button through it all the same.
    await page.locator('.van-toast').waitFor()
    const covered = await page.evaluate(() =>
      [...document.querySelectorAll('button')]
        .filter((button) => {
          const box = button.getBoundingClientRect()
          const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2)
          return hit !== null && !button.contains(hit)
        })
        .map((button) => button.textContent?.trim()),
    )
    expect(covered).toEqual([])
    await typePin(page, PIN)
    await page.getByText('再输一次', { exact: true }).waitFor()
    await typePin(page, PIN)
    if (!newPassword) return
    await page.waitForURL((url) => url.pathname === '/password')
    await page.getByLabel('现在的密码').fill(password)
    await page.getByLabel('新密码').fill(newPassword)
    await page.getByLabel('再输一遍').fill(newPassword)
    await page.getByRole('button', { name: '保存新密码' }).click()
    await page.waitForURL((url) => url.pathname !== '/password')
  }

  /** Makes an account in 人员 and answers the one-time password the dialog shows once. */
  async function createAccount(username: string, name: string, role: '楼长' | '社区工作人员', buildings: string[]): Promise<string> {
    // The toolbar's button: the dialog's own 新建账号 may still be fading out from the account before.
    await office.locator('.office-page__toolbar').getByRole('button', { name: '新建账号' }).click()
    const dialog = office.getByRole('dialog', { name: '新建账号' })
    await dialog.getByLabel('用户名').fill(username)
    await dialog.getByLabel('姓名').fill(name)
    if (role !== '楼长') await pickOption(office, formItem(dialog, '角色'), role)
    for (const building of buildings) await pickOption(office, formItem(dialog, '负责楼栋'), building)
    await dialog.getByRole('button', { name: '新建账号' }).click()
    const password = (await office.getByTestId('one-time-password').textContent())!.trim()
    await office.getByRole('button', { name: '我已记下' }).click()
    await office.getByRole('cell', { name: username, exact: true }).waitFor()
    issued.set(username, password)
    return password
  }

  /** Opens `path` in a signed-in app: a new start, which asks for the PIN. */
  async function go(page: Page, path: string): Promise<void> {
    await page.goto(at(path))
    await unlock(page, PIN)
  }

  /** The whole number of a resident of the building open on the leader's phone: their household, then 看…的电话号码. */
  async function phoneOf(name: string): Promise<string> {
    await phone.getByText(name).first().click()
    await phone.getByRole('button', { name: `看${name}的电话号码` }).click()
    const number = (await phone.locator('.household__phone .household__number').first().textContent())!.trim()
    await phone.goBack()
    return number
  }

  /** Uploads a roster in 导入花名册, checks that the preview found no problem, and confirms it. */
  async function importRoster(file: { name: string; mimeType: string; buffer: Buffer }): Promise<void> {
    await go(office, '/office/residents')
    await office.getByRole('tab', { name: '导入花名册' }).click()
    await office.getByTestId('roster-file').setInputFiles(file)
    await office.getByText('没有问题，可以导入。').waitFor()
    await office.getByRole('button', { name: '确认导入' }).click()
    await office.getByText(/^导入好了/).waitFor()
  }

  /** Taps 立即同步 until what the phone holds in `store` satisfies `done`. */
  async function syncUntil<T>(page: Page, store: string, done: (rows: T[]) => boolean): Promise<T[]> {
    await go(page, '/')
    const syncNow = page.getByRole('button', { name: '立即同步' })
    let rows: T[] = []
    await expect
      .poll(
        async () => {
          rows = await readStore<T>(page, store)
          if (done(rows)) return true
          if (await syncNow.isEnabled().catch(() => false)) await syncNow.click().catch(() => undefined)
          return false
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe(true)
    return rows
  }

  it('1. the first admin, made with the CLI, signs in to the workspace and creates the community', async () => {
    // Unknown ids are refused before anything is written.
    await expect(server.admin(['user', 'add', 'wang', '--role', 'leader', '--community', 'c-nowhere', '--password', ADMIN_PASSWORD])).rejects.toThrow(/No community/)
    const { stdout } = await server.admin(['user', 'add', 'chief', '--name', '街道管理员', '--role', 'admin', '--password', ADMIN_PASSWORD])
    expect(stdout).toMatch(/Added admin chief/)

    await signIn(office, 'chief', ADMIN_PASSWORD)
    expect(new URL(office.url()).pathname).toMatch(/^\/office/)
    await expect.poll(() => office.locator('.van-tabbar').count(), { message: 'no leader tab bar in the workspace' }).toBe(0)
    await office.getByRole('navigation').getByText('社区', { exact: true }).click()
    await office.getByLabel('社区名称').fill(COMMUNITY)
    await office.getByRole('button', { name: '新建社区' }).click()
    await office.getByRole('cell', { name: COMMUNITY, exact: true }).waitFor()
    await office.locator('.office-layout__community', { hasText: COMMUNITY }).waitFor()
  })

  it('2. imports the roster from an .xlsx, and the same roster from a GBK .csv changes nothing', async () => {
    await importRoster({ name: '南华社区花名册.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: await rosterXlsx() })
    await office.getByText('导入好了：新增 5 位、变更 0 位、搬走 0 位居民。', { exact: false }).waitFor()

    // The same people once more, from WPS's GBK CSV, but without the changed phone: nothing to change.
    const same = iconv.encode([HEADERS, ...ROWS].map((row) => row.join(',')).join('\r\n'), 'gbk')
    await office.getByTestId('roster-file').setInputFiles({ name: '花名册.csv', mimeType: 'text/csv', buffer: same })
    await office.getByText('没有问题，可以导入。').waitFor()
    await expect.poll(() => office.locator('.office-roster__counts tbody tr').allInnerTexts()).toEqual(
      expect.arrayContaining([expect.stringMatching(/^居民\s+0\s+0\s+5\s+0$/)]),
    )
  })

  it('3. creates an office colleague and two leaders, each with a building', async () => {
    await office.getByRole('navigation').getByText('人员', { exact: true }).click()
    await createAccount('zhou', '周敏', '社区工作人员', [])
    await createAccount('liang', '梁伯', '楼长', [EAST])
    await createAccount('huang', '黄姐', '楼长', [WEST])
    // A password nobody has seen but the office: shown once, and the account must change it.
    expect(issued.get('liang')).toMatch(/^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/)
    await expect.poll(() => office.getByText('待改初始密码').count()).toBe(3)
  })

  let leader: Phone
  let phone: Page

  it('4. a leader signs in on a phone, sets a password, and sees exactly their building and its residents', async () => {
    leader = await launchPhone()
    phone = leader.context.pages()[0] ?? (await leader.context.newPage())
    watchProblems(phone, problems)
    await phone.goto(server.url)
    await signIn(phone, 'liang', issued.get('liang')!, 'liang-bo-stairs-18')

    const buildings = await syncUntil<{ address: string }>(phone, 'buildings', (rows) => rows.some((b) => b.address === EAST))
    expect(buildings.map((b) => b.address)).toEqual([EAST])
    // The phone holds its residents sealed (the app lock): counted in IndexedDB, read on the screens.
    expect(await readStore(phone, 'residents')).toHaveLength(3)
    // The people of the community by name, for reports and timelines.
    const users = await readStore<{ displayName: string }>(phone, 'users')
    expect(users.map((u) => u.displayName).sort()).toEqual(['周敏', '梁伯', '黄姐'].sort())
    await phone.getByRole('link', { name: '楼栋', exact: true }).click()
    await phone.getByText(EAST).first().waitFor()
    expect(await phone.getByText(WEST).count()).toBe(0)
    await phone.getByText(EAST).first().click()
    for (const name of ['梁秀英', '陈国强', '陈家豪']) await phone.getByText(name).first().waitFor()
    // A phone typed as a number in Excel arrives whole.
    expect(await phoneOf('梁秀英')).toBe('13800138001')
  })

  it('5. a changed phone number, re-imported from a GBK .csv, reaches the leader’s phone', async () => {
    await importRoster({ name: '花名册-更新.csv', mimeType: 'text/csv', buffer: rosterGbkCsv() })
    await office.getByText('导入好了：新增 0 位、变更 1 位、搬走 0 位居民。', { exact: false }).waitFor()
    // The resident's sealed row changes when the change arrives; the screen shows the new number.
    const before = JSON.stringify(await readStore(phone, 'residents'))
    const residents = await syncUntil(phone, 'residents', (rows) => JSON.stringify(rows) !== before)
    expect(residents).toHaveLength(3)
    await phone.getByRole('link', { name: '楼栋', exact: true }).click()
    await phone.getByText(EAST).first().click()
    expect(await phoneOf('梁秀英')).toBe(CHANGED_PHONE)
  })

  it('6. a photo the leader takes with a report is seen by the office at its desk', async () => {
    const photo = await cameraPhoto(phone)
    const id = await reportIssue(phone, { building: EAST, category: '维修', location: '1单元3楼楼道', description: '楼道灯坏了一个星期', photos: [photo] })
    await syncUntil<{ id: string; rev: number | null }>(phone, 'issues', (rows) => rows.some((r) => r.id === id && r.rev !== null))

    const colleague = await launchPhone({ viewport: { width: 1366, height: 768 }, isMobile: false, hasTouch: false })
    try {
      const desk = colleague.context.pages()[0] ?? (await colleague.context.newPage())
      watchProblems(desk, problems)
      await desk.goto(server.url)
      await signIn(desk, 'zhou', issued.get('zhou')!, 'zhou-min-office-9')
      await go(desk, '/office')
      const row = desk.locator(`a[data-id="${id}"]`)
      await expect.poll(async () => {
        if ((await row.count()) > 0) return true
        await desk.getByRole('button', { name: '立即同步' }).click().catch(() => undefined)
        return false
      }, { timeout: 30_000, interval: 1000 }).toBe(true)
      await row.click()
      await desk.waitForURL(at(`/office/issues/${id}`))
      // The reporter by name, not by id.
      await desk.getByText('梁伯').first().waitFor()
      const thumb = desk.getByRole('img', { name: '第 1 张照片' })
      await thumb.waitFor({ timeout: 20_000 })
      expect(await thumb.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0)
    } finally {
      await colleague.close()
    }
  }, 120_000)

  it('7. a building moved to another leader disappears from the old leader’s phone', async () => {
    await go(office, '/office/people')
    await office.getByRole('row', { name: /梁伯/ }).getByRole('button', { name: '分配楼栋' }).click()
    const dialog = office.getByRole('dialog', { name: '分配楼栋' })
    // Take EAST away (the tag's close button), then save: 梁伯 has no building now.
    await dialog.locator('.el-tag', { hasText: EAST }).locator('.el-tag__close').click()
    await dialog.getByRole('button', { name: '保存' }).click()
    await office.getByRole('row', { name: /黄姐/ }).getByRole('button', { name: '分配楼栋' }).click()
    await pickOption(office, office.getByRole('dialog', { name: '分配楼栋' }), EAST)
    await office.getByRole('dialog', { name: '分配楼栋' }).getByRole('button', { name: '保存' }).click()

    await syncUntil<{ address: string }>(phone, 'buildings', (rows) => rows.length === 0)
    expect(await readStore(phone, 'residents')).toEqual([])
    expect(problems).toEqual([])
    await leader.close()
  }, 90_000)
})
