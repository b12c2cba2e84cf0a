import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { CampaignProgress } from '@/domain'
import { browserUnavailable, launchPhone, type Phone } from './browser'
import { DEMO_PASSWORD, startFieldServer, type FieldServer } from './field-server'
import { checklistItems, finishInspection, openUnderWorker, readStore, signIn, watchProblems } from './pages'

const skipReason = browserUnavailable()
if (skipReason) console.warn(skipReason)

const TITLE = '台风前防台风检查'

/**
 * A typhoon campaign end to end, in real Chromium against the real server (SQLite): the office launches it
 * over leader1's two buildings; the leader's phone gets the task at its sync, starts and finishes one
 * building's inspection with no network, with a failed item; once back online, the office's progress shows
 * the building done by the leader, and the hazard.
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
  async function asOffice<T>(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
    const response = await fetch(new URL(`/api/v1${path}`, server.url), {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    return { status: response.status, json: (await response.json()) as T }
  }

  it('reaches the leader as a task, is done offline with a hazard, and shows in the office once synced', async () => {
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
    expect(problems).toEqual([])
  })
})
