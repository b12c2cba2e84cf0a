import { readFile } from 'node:fs/promises'
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Locator } from 'playwright-core'
import { chinaMonth, type CampaignProgress } from '@/domain'
import { browserUnavailable, launchPhone, type Phone } from './browser'
import { DEMO_PASSWORD, startFieldServer, type FieldServer } from './field-server'
import { cameraPhoto, checklistItems, finishInspection, openUnderWorker, readStore, signIn, watchProblems } from './pages'

const skipReason = browserUnavailable()
if (skipReason) console.warn(skipReason)

const TITLE = '台风前防台风检查'
const LEADER = '演示楼长'

/** The natural widths of the images under `where` that have loaded (0 for one that failed). */
const loadedWidths = (where: Locator) => where.locator('img').evaluateAll((images: HTMLImageElement[]) => images.filter((i) => i.complete).map((i) => i.naturalWidth))

/** A sheet's rows as plain values, the header first. */
function sheetRows(sheet: ExcelJS.Worksheet): unknown[][] {
  const rows: unknown[][] = []
  sheet.eachRow((row) => rows.push((row.values as unknown[]).slice(1)))
  return rows
}

/**
 * A typhoon campaign end to end, in real Chromium against the real server (SQLite): the office launches it
 * over leader1's two buildings; the leader's phone gets the task at its sync, starts and finishes one
 * building's inspection with no network, with a failed item and its photo; once back online, the office, at
 * its desk in the workspace, sees the building done by the leader, the hazard with its photo, the leader's
 * phone with its last full sync, and downloads the month's report, which opens with the inspection counted.
 */
describe.skipIf(skipReason)('an inspection campaign', () => {
  const appDir = inject('appDir')
  let server: FieldServer
  let leader: Phone
  const problems: string[] = []

  beforeAll(async () => {
    server = await startFieldServer(appDir)
    leader = await launchPhone()
  })
  afterAll(async () => {
    await leader?.close()
    await server?.close()
  })

  /** The office's PC, through the campaign routes. */
  async function asOffice<T>(token: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; json: T }> {
    const response = await server.api.request(method, path, { token, body })
    return { status: response.status, json: (await response.json()) as T }
  }

  it('reaches the leader as a task, is done offline with a hazard, and shows in the office once synced', { timeout: 180_000 }, async () => {
    const office = await server.api.login('office1')
    const deadline = new Date(Date.now() + 24 * 3600_000).toISOString()
    const launched = await asOffice<{ id: string }>(office, 'POST', '/communities/c-nanmen/campaigns', {
      title: TITLE,
      note: '重点看阳台花盆',
      templateId: 't-typhoon',
      buildingIds: ['b-nanmen-115-2', 'b-nanmen-117'],
      deadline,
    })
    expect(launched.status).toBe(201)

    const page = leader.context.pages()[0] ?? (await leader.context.newPage())
    watchProblems(page, problems)
    await openUnderWorker(page, server.url)
    await signIn(page, 'leader1', DEMO_PASSWORD)
    // The first sync after sign-in brings the campaign; home shows it.
    const banner = page.getByRole('link', { name: new RegExp(TITLE) })
    await banner.waitFor({ timeout: 30_000 })
    await expect.poll(() => banner.textContent()).toContain('还有 2 栋没查完')

    await leader.setOffline(true)
    server.setReachable(false)
    await banner.click()
    await page.waitForURL((url) => url.pathname === `/campaigns/${launched.json.id}`)
    await page.getByRole('listitem').filter({ hasText: '南门路115号之二' }).getByRole('button', { name: '开始检查' }).click()
    await page.waitForURL(/\/inspections\/[0-9a-f-]{36}$/)
    const items = checklistItems(page)
    await items.first().waitFor()
    const count = await items.count()
    for (let i = 0; i < count; i++) await items.nth(i).getByRole('button', { name: i === 0 ? '不合格' : '合格', exact: true }).click()
    await items.first().getByLabel('备注').fill('5楼阳台三盆花')
    const photo = { name: 'IMG_20261206_0930.jpg', mimeType: 'image/jpeg', buffer: await cameraPhoto(page) }
    await items.first().getByLabel('从相册选').setInputFiles(photo)
    // Shown only once compressed and stored on the phone.
    await items.first().getByRole('img', { name: '第 1 张照片' }).waitFor({ timeout: 30_000 })
    await page.getByText(`已查 ${count}/${count}`).waitFor()
    await finishInspection(page)

    await page.goto(new URL('/', server.url).href)
    await expect.poll(() => page.getByRole('link', { name: new RegExp(TITLE) }).textContent()).toContain('还有 1 栋没查完')
    const [started] = await readStore<{ campaignId: string; templateVersion: number }>(page, 'inspections')
    expect(started).toMatchObject({ campaignId: launched.json.id, templateVersion: 1 })

    server.setReachable(true)
    await leader.setOffline(false)
    await expect.poll(async () => (await readStore(page, 'outbox')).length, { timeout: 30_000 }).toBe(0)

    const seen = await asOffice<CampaignProgress>(office, 'GET', `/campaigns/${launched.json.id}`)
    expect(seen.json.buildings.map((b) => [b.address, b.state, b.by])).toEqual([
      ['南门路115号之二', 'done', ['u-leader1']],
      ['南门路117号', 'not_started', []],
    ])
    expect(seen.json.hazards).toMatchObject([{ buildingId: 'b-nanmen-115-2', label: '阳台、窗台没有放花盆等易坠物', note: '5楼阳台三盆花', by: 'u-leader1' }])
    const [hazardPhoto] = seen.json.hazards[0]!.photos
    expect(seen.json.hazards[0]!.photos).toHaveLength(1)
    // The photo went up with the inspection: the server hands it out.
    expect((await server.api.attachment(office, hazardPhoto!)).length).toBeGreaterThan(0)

    let file = Buffer.alloc(0)
    // The office works at a PC: the workspace is laid out for 1366×768 and up.
    const desk = await launchPhone({ viewport: { width: 1366, height: 768 }, isMobile: false, hasTouch: false })
    try {
      const at = (path: string) => new URL(path, server.url).href
      const workspace = desk.context.pages()[0] ?? (await desk.context.newPage())
      watchProblems(workspace, problems)
      await workspace.goto(server.url)
      await signIn(workspace, 'office1', DEMO_PASSWORD)
      expect(new URL(workspace.url()).pathname).toBe('/office')

      await workspace.goto(at(`/office/campaigns/${launched.json.id}`))
      await workspace.getByRole('heading', { name: TITLE }).waitFor({ timeout: 20_000 })
      const done = workspace.locator('.office-campaign__buildings').getByRole('row').filter({ hasText: '南门路115号之二' })
      await expect.poll(() => done.innerText(), { timeout: 20_000 }).toMatch(new RegExp(`已完成[\\s\\S]*${LEADER}`))
      expect(await workspace.locator('.office-campaign__buildings').getByRole('row').filter({ hasText: '南门路117号' }).innerText()).toContain('未开始')
      const hazard = workspace.locator('.office-campaign__hazards').getByRole('row').filter({ hasText: '阳台、窗台没有放花盆等易坠物' })
      await expect.poll(() => hazard.innerText()).toMatch(new RegExp(`南门路115号之二[\\s\\S]*5楼阳台三盆花[\\s\\S]*${LEADER}`))
      // The server's thumbnail, downloaded by the workspace and shown in the hazard's row.
      await hazard.getByRole('img', { name: '第 1 张照片' }).waitFor({ timeout: 20_000 })
      await expect.poll(() => loadedWidths(hazard), { timeout: 20_000 }).toEqual([320])

      await workspace.goto(at('/office/devices'))
      const phone = workspace.locator('.office-devices__table').getByRole('row').filter({ hasText: LEADER })
      await expect.poll(() => phone.count(), { timeout: 20_000 }).toBe(1)
      // Columns: person, device, flags, last full sync, last seen, unsent, version, storage.
      const cells = await phone.getByRole('cell').allInnerTexts()
      expect(cells[3]).toMatch(/\d+月\d+日 \d{2}:\d{2}/)
      expect(cells[5]).toBe('没有')
      expect(cells[2]).toBe('')

      // The month's report as the office downloads it from 月报导出, opened back with exceljs.
      await workspace.goto(at('/office/report'))
      const month = chinaMonth()
      // In a month's first week the page opens on the month before; the inspection is in this one.
      const picker = workspace.locator('.office-report__month input')
      await expect.poll(() => picker.inputValue()).toMatch(/^\d{4}-\d{2}$/)
      if ((await picker.inputValue()) !== month) {
        await picker.fill(month)
        await picker.press('Enter')
      }
      await expect.poll(() => picker.inputValue()).toBe(month)
      await expect.poll(() => workspace.locator('.office-report__figure').filter({ hasText: '巡查' }).innerText()).toMatch(/巡查\s+1\s+其中有问题 1 次/)
      const [download] = await Promise.all([workspace.waitForEvent('download'), workspace.locator('[data-download="report.xlsx"]').click()])
      expect(download.suggestedFilename()).toBe(`南门社区${month.slice(0, 4)}年${Number(month.slice(5))}月月报.xlsx`)
      file = await readFile(await download.path())
    } finally {
      await desk.close()
    }

    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(file as unknown as ArrayBuffer)
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['走访', '诉求', '巡查', '覆盖率'])
    const inspections = sheetRows(workbook.getWorksheet('巡查')!)
    expect(inspections[0]).toEqual(['分类', '项目', '次数', '有问题的次数'])
    expect(inspections.slice(1)).toEqual([
      ['合计', '巡查次数', 1, 1],
      ['按检查表', expect.stringContaining('台风'), 1, 1],
      ['不合格项', expect.stringContaining('阳台、窗台没有放花盆等易坠物'), 1],
    ])
    const visits = sheetRows(workbook.getWorksheet('走访')!)
    expect(visits[0]).toEqual(['分类', '项目', '数量'])
    expect(visits[1]).toEqual(['合计', '走访次数', 0])
    expect(problems).toEqual([])
  })
})
