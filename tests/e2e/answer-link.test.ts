import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { CANVASS_RULES, CanvassAnswer, LoginResponse, uuidv7 } from '@/domain'
import { browserUnavailable, launchPhone, type Phone } from './browser'
import { DEMO_PASSWORD, startFieldServer, type FieldServer } from './field-server'
import { watchProblems } from './pages'

const skipReason = browserUnavailable()
if (skipReason) console.warn(skipReason)

const QUESTION = '是否同意加装电梯？'
const HOUSEHOLD = 'b-nanmen-115-2-301'

/**
 * An owner who lives elsewhere answers through the one-time link their leader sent, in real Chromium on a
 * 320 px phone that has never had the app: the page opens with no sign-in and no PIN, shows that flat's
 * question, takes a finger-drawn signature, and leaves nothing on the phone (no database, no service
 * worker). The leader's pull then has the answer with its signature, and the link answers no more.
 */
describe.skipIf(skipReason)('an answer through a one-time link', () => {
  const appDir = inject('appDir')
  let server: FieldServer
  let owner: Phone
  const problems: string[] = []

  beforeAll(async () => {
    // The leaders' community requires the app PIN: the owner's page must not ask for one.
    server = await startFieldServer(appDir, { appLock: 'required' })
    owner = await launchPhone({ viewport: { width: 320, height: 640 } })
  })
  afterAll(async () => {
    await owner?.close()
    await server?.close()
  })

  async function api<T>(method: string, path: string, token: string | null, body?: unknown): Promise<T> {
    const response = await fetch(new URL(`/api/v1${path}`, server.url), {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    expect(response.status, `${method} ${path}`).toBeLessThan(300)
    return (await response.json()) as T
  }

  it('opens without the app, records the answer and the drawn signature once', { timeout: 120_000 }, async () => {
    const leader = LoginResponse.parse(await api('POST', '/auth/login', null, { username: 'leader1', password: DEMO_PASSWORD, deviceName: 'leader phone' }))
    const canvassId = uuidv7()
    const fields = {
      buildingId: 'b-nanmen-115-2',
      entrance: '',
      kind: 'vote',
      question: QUESTION,
      note: '',
      households: [{ householdId: HOUSEHOLD, area: 66.5 }],
      rule: CANVASS_RULES.civil_code_278,
      deadline: null,
      target: null,
      closedAt: null,
      createdAt: new Date().toISOString(),
    }
    await api('POST', '/sync/push', leader.token, {
      protocol: 1,
      deviceId: leader.deviceId,
      mutations: [{ kind: 'put', mutationId: uuidv7(), deviceSeq: 1, table: 'canvasses', recordId: canvassId, baseRev: null, fields }],
    })
    const { url } = await api<{ url: string }>('POST', `/canvasses/${canvassId}/links`, leader.token, { householdId: HOUSEHOLD })

    const page = await owner.context.newPage()
    watchProblems(page, problems)
    await page.goto(url)
    await page.getByRole('heading', { name: QUESTION }).waitFor({ timeout: 30_000 })
    await expect.poll(() => page.locator('body').textContent()).toContain('南门路115号之二')
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320)

    await page.getByRole('button', { name: '同意' }).click()
    await page.getByLabel('业主姓名').fill('陈国强')
    const pad = (await page.locator('canvas').boundingBox())!
    await page.mouse.move(pad.x + 20, pad.y + pad.height / 2)
    await page.mouse.down()
    for (let step = 1; step <= 12; step++) await page.mouse.move(pad.x + 20 + step * 20, pad.y + pad.height / 2 + (step % 2 ? 25 : -25))
    await page.mouse.up()
    await page.getByRole('button', { name: '提交' }).click()
    await page.getByText('提交成功，谢谢您！').waitFor({ timeout: 30_000 })

    // Nothing of the app stayed on the owner's phone.
    expect(await page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name))).toEqual([])
    expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length)).toBe(0)

    const answers = (await server.api.pullAll(leader.token)).filter((c) => c.table === 'canvassAnswers').map((c) => CanvassAnswer.parse(c.record))
    expect(answers).toEqual([expect.objectContaining({ householdId: HOUSEHOLD, answer: 'agree', respondent: 'link', respondentName: '陈国强', signature: 'drawn' })])
    const signature = await server.api.attachment(leader.token, answers[0]!.photos[0]!)
    expect(signature.subarray(1, 4).toString('latin1')).toBe('PNG')

    await page.reload()
    await page.getByText('这个链接已经用过了').waitFor({ timeout: 30_000 })
    expect(problems).toEqual([])
  })
})
