import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { chinaMonth, type PointsMonth } from '@/domain'
import { browserUnavailable, launchPhone, type Phone } from './browser'
import { DEMO_PASSWORD, startFieldServer, type FieldServer } from './field-server'
import { openUnderWorker, readStore, recordVisit, signIn, watchProblems } from './pages'

const skipReason = browserUnavailable()
if (skipReason) console.warn(skipReason)

const REASON = '协助社区疫苗接种登记'

/**
 * Volunteer points in real Chromium against the real server (SQLite): a leader's visit counts on the phone
 * at once; the office adjusts the leader's month with a reason; after a sync the phone shows the adjustment
 * and the same total as the office's ranking, which the workspace shows at 1366×768.
 */
describe.skipIf(skipReason)('volunteer points', () => {
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

  it('counts a visit on the phone at once, and after a sync shows the office’s adjustment and the office’s total', { timeout: 180_000 }, async () => {
    const page = leader.context.pages()[0] ?? (await leader.context.newPage())
    watchProblems(page, problems)
    await openUnderWorker(page, server.url)
    await signIn(page, 'leader1', DEMO_PASSWORD)
    await recordVisit(page, { building: '南门路115号之二', household: 1, purpose: '政策宣讲', needs: '王伯想问高龄津贴怎么申请', outcome: '讲清楚了，下周带他去社区办' })

    const total = page.locator('[data-points="total"]')
    await page.goto(new URL('/settings', server.url).href)
    await expect.poll(() => total.innerText()).not.toBe('0 分')

    const month = chinaMonth()
    const office = await server.api.login('office1')
    const adjusted = await server.api.request('POST', '/communities/c-nanmen/points/adjustments', { token: office, body: { userId: 'u-leader1', month, points: 5, reason: REASON } })
    expect(adjusted.status).toBe(201)

    await page.goto(new URL('/', server.url).href)
    await page.getByRole('button', { name: '立即同步' }).click()
    for (let i = 0; i < 60 && (await readStore(page, 'outbox')).length > 0; i++) await page.waitForTimeout(500)
    await page.getByText('记录都已同步').waitFor()
    await page.goto(new URL('/settings', server.url).href)
    await page.getByText(REASON).waitFor()

    const ranking = (await (await server.api.request('GET', `/communities/c-nanmen/points?month=${month}`, { token: office })).json()) as PointsMonth
    const officeTotal = ranking.ranking.find((s) => s.userId === 'u-leader1')!.total
    expect(officeTotal).toBeGreaterThanOrEqual(6)
    await expect.poll(() => total.innerText()).toBe(`${officeTotal} 分`)
    // One hand on a staircase: at 320 px and the largest text, nothing runs off the card.
    await page.setViewportSize({ width: 320, height: 640 })
    await page.getByText('特大', { exact: true }).click()
    const overflow = await page
      .locator('.my-points')
      .evaluate((card) => [card, ...card.querySelectorAll('li, p, strong, span')].map((el) => el.scrollWidth - el.clientWidth))
    expect(Math.max(...overflow)).toBeLessThanOrEqual(0)
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320)

    // The office works at a PC: the workspace is laid out for 1366×768 and up.
    const desk = await launchPhone({ viewport: { width: 1366, height: 768 }, isMobile: false, hasTouch: false })
    try {
      const workspace = desk.context.pages()[0] ?? (await desk.context.newPage())
      watchProblems(workspace, problems)
      await workspace.goto(server.url)
      await signIn(workspace, 'office1', DEMO_PASSWORD)
      await workspace.getByRole('menuitem', { name: '积分' }).click()
      const row = workspace.locator('.office-points__ranking').getByRole('row').filter({ hasText: '演示楼长' })
      await expect.poll(() => row.innerText()).toContain(String(officeTotal))
      expect(await row.innerText()).toContain('社区调整 1 次，5 分')
      await workspace.locator('.office-points__adjustments').getByText(REASON).waitFor()
    } finally {
      await desk.close()
    }
    expect(problems).toEqual([])
  })
})
