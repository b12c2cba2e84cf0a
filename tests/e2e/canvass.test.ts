import { readFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Uint8ArrayReader, ZipReader } from '@zip.js/zip.js/index-native.js'
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Page } from 'playwright-core'
import { ROSTER_HEADER_ROW, ROSTER_XLSX_TYPE, RosterPreview } from '@/domain'
import { browserUnavailable, launchPhone, type Phone } from './browser'
import { DEMO_PASSWORD, startFieldServer, type FieldServer } from './field-server'
import { answerCanvass, canvassTile, openUnderWorker, readStore, signIn, startCanvass, watchProblems } from './pages'

const skipReason = browserUnavailable()
if (skipReason) console.warn(skipReason)

const BUILDING = '南门路115号之二'
const QUESTION = '是否同意2单元加装电梯？'
const LEADER = '演示楼长'
const LEADER2 = '梁楼长'
const LEADER2_PASSWORD = 'Liang-2单元-lift'
/** The stairwell's twelve flats and their areas (㎡) as the office's roster gives them: 1015 ㎡ in all. */
const FLATS: Record<string, number> = {
  '601': 120.6,
  '602': 66.2,
  '501': 102.4,
  '502': 102.4,
  '401': 89.5,
  '402': 89.5,
  '301': 89.5,
  '302': 89.5,
  '201': 75.8,
  '202': 75.8,
  '101': 52.5,
  '102': 61.3,
}
/** Where the 320 px, largest-text screenshots stay after the run, to be looked at. */
const SHOTS = join(tmpdir(), 'canvass-shots')

/** A sheet's rows as plain values. */
function sheetRows(sheet: ExcelJS.Worksheet): unknown[][] {
  const rows: unknown[][] = []
  sheet.eachRow((row) => rows.push((row.values as unknown[]).slice(1)))
  return rows
}

/** The flat's tile on the canvass grid. */
const tile = (page: Page, unit: string) => canvassTile(page, `2单元 ${unit}`)

/** What the canvass screen says of where it stands: 通过, or what is missing, a line each. */
const standing = (page: Page) => page.locator('.canvass-figures__state').innerText()

/**
 * The consent canvass of issue 11 in real Chromium against the real server (SQLite): the office adds a
 * stairwell of twelve flats to a building's roster; its leader, offline, opens a Civil Code Art. 278 vote on it
 * and goes door to door through the grid and each flat's answer sheet, with signatures drawn on the pad and one
 * answer given by a relative (代签). A second leader of the building answers the same flat differently, later,
 * and syncs first; the earlier answer arrives last and still does not win, and stays in the flat's history, on
 * the phone and in the workspace. The figures say what is missing until the rule is met, then 通过; the office's
 * 表决结果统计表 and signature zip have the flats, answers, areas, recorders and signatures.
 */
describe.skipIf(skipReason)('a consent canvass door to door', () => {
  const appDir = inject('appDir')
  let server: FieldServer
  let leader: Phone
  let second: Phone
  const problems: string[] = []

  beforeAll(async () => {
    server = await startFieldServer(appDir)
    leader = await launchPhone()
    second = await launchPhone()
  })
  afterAll(async () => {
    await leader?.close()
    await second?.close()
    await server?.close()
  })

  /** The office's roster, as 楼栋住户 exports it, with the building's new stairwell added: twelve owners, one a row. */
  async function importStairwell(office: string) {
    const exported = await server.api.request('GET', '/communities/c-nanmen/roster.xlsx', { token: office })
    expect(exported.status).toBe(200)
    const book = new ExcelJS.Workbook()
    await book.xlsx.load(await exported.arrayBuffer())
    const sheet = book.worksheets[0]!
    expect(sheetRows(sheet)[0]).toEqual(ROSTER_HEADER_ROW)
    Object.entries(FLATS).forEach(([unit, area], i) => {
      const row: Record<string, string | number> = { 楼栋: BUILDING, 单元: '2', 房号: unit, 楼层: Number(unit[0]), 姓名: `业主${unit}`, 电话: `1391000${String(1000 + i)}`, 面积: area, 居住情况: '自住' }
      sheet.addRow(ROSTER_HEADER_ROW.map((header) => row[header] ?? null))
    })
    const imported = await server.api.request('POST', '/communities/c-nanmen/roster/import', { token: office, body: new Blob([(await book.xlsx.writeBuffer()) as ArrayBuffer]), type: ROSTER_XLSX_TYPE })
    const preview = RosterPreview.parse(await imported.json())
    expect(preview.problems).toEqual([])
    expect(preview.households.added).toBe(12)
    expect(preview.residents.movedOut).toBe(0)
  }

  /** Signs in and waits for the first sync to have brought the new stairwell. */
  async function startPhone(phone: Phone, username: string, password: string): Promise<Page> {
    const page = phone.context.pages()[0] ?? (await phone.context.newPage())
    watchProblems(page, problems)
    await openUnderWorker(page, server.url)
    await signIn(page, username, password)
    await expect
      .poll(async () => (await readStore<{ entrance: string }>(page, 'households')).filter((h) => h.entrance === '2').length, { timeout: 30_000 })
      .toBe(12)
    return page
  }

  /** Both ways off the network: the page's, and the server's, which the service worker's Background Sync would reach. */
  async function offline(...phones: Phone[]) {
    server.setReachable(false)
    for (const phone of phones) await phone.setOffline(true)
  }

  /** Back online: the app syncs by itself; waits until nothing is waiting to go up. */
  async function backOnline(phone: Phone, page: Page) {
    server.setReachable(true)
    await phone.setOffline(false)
    await expect.poll(async () => (await readStore(page, 'outbox')).length, { timeout: 30_000 }).toBe(0)
  }

  it('counts the latest answer of each flat, keeps the earlier ones, and files the result', { timeout: 240_000 }, async () => {
    const office = await server.api.login('office1')
    await importStairwell(office)
    await server.api.addLeader(office, { username: 'leader2', displayName: LEADER2, buildingIds: ['b-nanmen-115-2'], password: LEADER2_PASSWORD })
    const page = await startPhone(leader, 'leader1', DEMO_PASSWORD)
    const page2 = await startPhone(second, 'leader2', LEADER2_PASSWORD)

    // The leader opens the vote on the stairwell, offline, from the building's screen.
    await offline(leader)
    await page.goto(new URL('/', server.url).href)
    const canvassId = await startCanvass(page, { building: BUILDING, entrance: '2单元', question: QUESTION, households: 12 })
    await page.getByText('南门路115号之二 2单元', { exact: true }).waitFor()
    expect(await standing(page)).toBe('参与表决还差 8 户、676.67 ㎡')

    // Door to door, top floor down: signed on the phone, one by a son for his mother, two not signing.
    await answerCanvass(page, '2单元 601', { answer: '同意', signed: true, variant: 1 })
    await answerCanvass(page, '2单元 602', { answer: '同意', signed: true, variant: 2 })
    await answerCanvass(page, '2单元 501', { answer: '同意', proxy: '王志明（儿子）', signed: true, variant: 3 })
    await answerCanvass(page, '2单元 502', { answer: '反对', signed: false })
    await answerCanvass(page, '2单元 401', { answer: '弃权', signed: false })
    await answerCanvass(page, '2单元 402', { answer: '联系不上', signed: false })
    expect(await standing(page)).toBe('参与表决还差 3 户、195.57 ㎡\n还差 3 户同意、286.5 ㎡')
    await backOnline(leader, page)

    // The second leader's phone gets the vote at its next sync.
    await page2.goto(new URL('/', server.url).href)
    await page2.getByRole('button', { name: '立即同步' }).click()
    await page2.getByText('记录都已同步').waitFor({ timeout: 30_000 })
    await page2.goto(new URL('/buildings/b-nanmen-115-2', server.url).href)
    await page2.getByRole('link', { name: new RegExp(QUESTION) }).click()
    await page2.waitForURL((url) => url.pathname === `/canvasses/${canvassId}`)
    await expect.poll(() => tile(page2, '601').getAttribute('aria-label')).toBe('2单元 601 同意')

    // The same evening, both offline: the first leader hears 302 object; later the owner himself agrees and signs for the second.
    await offline(leader, second)
    await answerCanvass(page, '2单元 302', { answer: '反对', signed: false })
    await answerCanvass(page, '2单元 301', { answer: '同意', signed: true, variant: 4 })
    await answerCanvass(page, '2单元 202', { answer: '同意', signed: true, variant: 5 })
    await answerCanvass(page, '2单元 201', { answer: '同意', signed: true, variant: 6 })
    await answerCanvass(page, '2单元 102', { answer: '未表态', signed: false })
    await answerCanvass(page, '2单元 101', { answer: '同意', signed: true, variant: 7 })
    // Seven of ten agree: 3/4 of those who took part is not reached.
    expect(await standing(page)).toBe('还差 2 户同意、178.45 ㎡')
    await answerCanvass(page2, '2单元 302', { answer: '同意', signed: true, variant: 8 })

    // The later answer reaches the server first; the office sees it, and what is still missing.
    await backOnline(second, page2)
    expect((await readStore(page, 'outbox')).length).toBeGreaterThan(0)
    const desk = await launchPhone({ viewport: { width: 1366, height: 768 }, isMobile: false, hasTouch: false })
    try {
      const workspace = desk.context.pages()[0] ?? (await desk.context.newPage())
      watchProblems(workspace, problems)
      await workspace.goto(server.url)
      await signIn(workspace, 'office1', DEMO_PASSWORD)
      await workspace.getByRole('menuitem', { name: '表决' }).click()
      await workspace.getByRole('link', { name: QUESTION }).click()
      await workspace.waitForURL((url) => url.pathname === `/office/canvasses/${canvassId}`)
      const verdict = workspace.locator('.office-canvass__verdict')
      const missing = workspace.locator('.office-canvass__missing')
      await expect.poll(() => missing.innerText(), { timeout: 20_000 }).toBe('参与表决还差 2 户、106.07 ㎡\n还差 2 户同意、197 ㎡')

      // The earlier answer arrives last.
      await backOnline(leader, page)
      await expect.poll(() => standing(page), { timeout: 30_000 }).toBe('通过')
      expect(await tile(page, '302').getAttribute('aria-label')).toBe('2单元 302 同意')
      await tile(page, '302').click()
      const history = page.locator('.canvass-history__item')
      await expect.poll(() => history.count()).toBe(2)
      // The recorders' names come from a live query of their own (useUserNames), which may answer after the history's.
      await expect.poll(() => history.nth(0).innerText(), { timeout: 20_000 }).toMatch(new RegExp(`^同意\\s+当前有效\\s+业主本人 · 手机签字[\\s\\S]*${LEADER2} 登记于`))
      expect(await history.nth(1).innerText()).toMatch(new RegExp(`^反对\\s+业主本人 · 没签字[\\s\\S]*${LEADER} 登记于`))

      await workspace.reload()
      await expect.poll(() => verdict.innerText(), { timeout: 20_000 }).toBe('通过')
      expect(await missing.innerText()).toBe('条件都够了。')
      const cell = (unit: string) => workspace.locator('.office-canvass-grid__table td').filter({ hasText: new RegExp(`^${unit}`) })
      expect(await workspace.locator('.office-canvass-grid__table tr').count()).toBe(6)
      expect(await cell('302').innerText()).toMatch(/302\s+同意/)
      expect(await cell('502').innerText()).toMatch(/502\s+反对/)
      expect(await cell('402').innerText()).toMatch(/402\s+联系不上/)
      const row302 = workspace.locator('.office-canvass__households .el-table__row').filter({ hasText: /^\s*302/ })
      expect(await row302.innerText()).toMatch(new RegExp(`302\\s+89.5\\s+同意\\s+本人\\s+手写签名\\s+${LEADER2}`))
      await row302.locator('.el-table__expand-icon').click()
      await expect.poll(() => workspace.locator('.office-canvass__history').filter({ visible: true }).innerText()).toMatch(new RegExp(`反对 · 本人 · 无 · ${LEADER}`))
      const grid = await workspace.locator('.office-canvass__grid').boundingBox()
      expect(grid!.x + grid!.width).toBeLessThanOrEqual(1366)

      const download = async (label: string) => {
        const [file] = await Promise.all([workspace.waitForEvent('download'), workspace.getByRole('button', { name: label }).click()])
        return { name: file.suggestedFilename(), bytes: await readFile(await file.path()) }
      }
      const sheet = await download('导出统计表')
      expect(sheet.name).toBe(`${BUILDING}2单元表决结果统计表.xlsx`)
      const book = new ExcelJS.Workbook()
      await book.xlsx.load(sheet.bytes as unknown as ArrayBuffer)
      const rows = sheetRows(book.worksheets[0]!)
      expect(rows.find((r) => r[0] === '结果')?.[1]).toBe('已达到通过条件（表决还没结束）')
      const header = rows.findIndex((r) => r[0] === '单元')
      expect(rows[header]).toEqual(['单元', '房号', '楼层', '面积（㎡）', '表态', '代签/本人/链接', '答复人', '登记人', '登记时间', '签名是否在档'])
      const flats = rows.slice(header + 1, header + 13)
      // Top floor first, as the building stands; [unit, area, answer, who answered, by whom, recorder, signature].
      expect(flats.map((r) => [r[1], r[3], r[4], r[5], r[6] ?? '', r[7], r[9]])).toEqual([
        ['601', 120.6, '同意', '本人', '', LEADER, '在档'],
        ['602', 66.2, '同意', '本人', '', LEADER, '在档'],
        ['501', 102.4, '同意', '代签', '王志明（儿子）', LEADER, '在档'],
        ['502', 102.4, '反对', '本人', '', LEADER, '无'],
        ['401', 89.5, '弃权', '本人', '', LEADER, '无'],
        ['402', 89.5, '联系不上', '本人', '', LEADER, '无'],
        ['301', 89.5, '同意', '本人', '', LEADER, '在档'],
        ['302', 89.5, '同意', '本人', '', LEADER2, '在档'],
        ['201', 75.8, '同意', '本人', '', LEADER, '在档'],
        ['202', 75.8, '同意', '本人', '', LEADER, '在档'],
        ['101', 52.5, '同意', '本人', '', LEADER, '在档'],
        ['102', 61.3, '未表态', '本人', '', LEADER, '无'],
      ])
      expect(flats.every((r) => r[0] === '2单元' && r[8] !== null)).toBe(true)

      const zip = await download('下载签名')
      expect(zip.name).toBe(`${BUILDING}2单元表决签名.zip`)
      const reader = new ZipReader(new Uint8ArrayReader(new Uint8Array(zip.bytes)), { useWebWorkers: false })
      const entries = await reader.getEntries()
      await reader.close()
      expect(entries.map((e) => e.filename).sort()).toEqual(
        ['101', '201', '202', '301', '302', '501', '601', '602'].map((unit) => `2单元-${unit}-同意.png`).sort(),
      )
      expect(entries.every((e) => e.uncompressedSize > 500)).toBe(true)
    } finally {
      await desk.close()
    }

    // On the stairs with one hand: at 320 px and the largest text, the three screens stay within the width.
    await mkdir(SHOTS, { recursive: true })
    await page.evaluate(() => localStorage.setItem('doorstep.preferences', JSON.stringify({ locale: 'zh-CN', textSize: 'xlarge' })))
    await page.setViewportSize({ width: 320, height: 640 })
    const households = await readStore<{ id: string; entrance: string; unit: string }>(page, 'households')
    const flat302 = households.find((h) => h.entrance === '2' && h.unit === '302')!.id
    const screens = [
      { name: 'canvass', path: `/canvasses/${canvassId}`, ready: '.canvass-grid__flat' },
      { name: 'answer-sheet', path: `/canvasses/${canvassId}/households/${flat302}`, ready: '.canvass-history__item' },
      { name: 'start', path: '/canvasses/new?buildingId=b-nanmen-115-2', ready: '.canvass-start__scope' },
    ]
    for (const screen of screens) {
      await page.goto(new URL(screen.path, server.url).href)
      await page.locator(screen.ready).first().waitFor()
      await page.evaluate(() => document.fonts.ready)
      await page.screenshot({ path: join(SHOTS, `${screen.name}-320-xlarge.png`), fullPage: true })
      expect(await page.evaluate(() => document.documentElement.scrollWidth), screen.name).toBeLessThanOrEqual(320)
    }
    // The rules' names and lines wrap there: each line at least a text's height below the one before.
    const crowded = await page.locator('.canvass-start__rules .van-radio__label').locator('strong, span').evaluateAll((texts) =>
      texts
        .filter((text) => {
          const range = document.createRange()
          range.selectNodeContents(text)
          const tops = [...new Set([...range.getClientRects()].map((r) => Math.round(r.top)))].sort((a, b) => a - b)
          return tops.some((top, i) => i > 0 && top - tops[i - 1]! < parseFloat(getComputedStyle(text).fontSize))
        })
        .map((text) => text.textContent),
    )
    expect(crowded).toEqual([])
    expect(problems).toEqual([])
  })
})
