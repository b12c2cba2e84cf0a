import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Page } from 'playwright-core'
import { demoResidents } from '@/domain/demo'
import { browserUnavailable, launchPhone, type Phone } from './browser'
import { DEMO_PASSWORD, startFieldServer, type FieldServer } from './field-server'
import { openUnderWorker, readStore, recordVisit, signIn, unlock, watchProblems } from './pages'

const skipReason = browserUnavailable()
if (skipReason) console.warn(skipReason)

/*
 * A leader's phone holds the names, phone numbers and care tags of their buildings' households. Signed out —
 * by the leader, or by the office when the phone is lost — it keeps none of them, in real Chromium.
 */

const BUILDING = '南门路115号之二'
/** What the leader types; distinctive, so that finding it anywhere proves it was kept (or sent). */
const SENT_NEEDS = '谭伯行动不便，想申请居家养老上门服务'
const FOUND_NEEDS = '捡到手机的人写的：这条不该到社区'
/** What sign-out must empty: every store but meta, which keeps only the phone's own id and the server address. */
/** Every phone in this suite has the app lock on, as an office requires by default. */
const PIN = '915273'
const STORES = ['communities', 'grids', 'buildings', 'households', 'residents', 'templates', 'users', 'campaigns', 'visits', 'issues', 'inspections', 'attachments', 'photoCache', 'outbox', 'drafts', 'rejections', 'held']

describe.skipIf(skipReason)('sign-out and a lost phone leave no resident data behind', () => {
  const appDir = inject('appDir')
  const problems: string[] = []
  let server: FieldServer
  let phone: Phone
  let page: Page
  const at = (path: string) => new URL(path, server.url).href

  /** How many rows each store holds, the empty ones left out. */
  async function rowsLeft(on: Page): Promise<Record<string, number>> {
    const counts: Record<string, number> = {}
    for (const store of STORES) {
      const rows = (await readStore(on, store)).length
      if (rows) counts[store] = rows
    }
    return counts
  }
  /** The office, told the phone is lost, wipes it from the people page's list of the leader's devices; its token. */
  async function officeWipes(): Promise<string> {
    const office = await server.api.login('office1')
    const deviceId = (await readStore<{ key: string; value: string }>(page, 'meta')).find((entry) => entry.key === 'syncDeviceId')!.value
    const revoked = await fetch(at(`/api/v1/users/u-leader1/devices/${deviceId}?mode=wipe`), { method: 'DELETE', headers: { authorization: `Bearer ${office}` } })
    expect(revoked.status).toBe(204)
    return office
  }
  const metaKeys = async (on: Page) => (await readStore<{ key: string }>(on, 'meta')).map((entry) => entry.key).sort()

  beforeAll(async () => {
    server = await startFieldServer(appDir, { appLock: 'required' })
    phone = await launchPhone()
    page = phone.context.pages()[0] ?? (await phone.context.newPage())
    watchProblems(page, problems)
  })

  afterAll(async () => {
    await phone?.close()
    await server?.close()
  })

  it('1. 退出登录 empties the phone, and a household page open in another tab goes blank with it', { timeout: 120_000 }, async () => {
    await openUnderWorker(page, server.url)
    await signIn(page, 'leader1', DEMO_PASSWORD, { pin: PIN })
    await page.getByText(/^上次同步：/).waitFor()
    await recordVisit(page, { building: BUILDING, purpose: '政策宣讲', needs: SENT_NEEDS, outcome: '已登记，下周社区回复' })
    await expect.poll(async () => (await readStore(page, 'outbox')).length, { timeout: 20_000 }).toBe(0)

    // The phone holds the resident sealed: the name is the server's (the demo roster's).
    const stored = (await readStore<{ id: string }>(page, 'residents'))[0]!
    const resident = demoResidents.find((r) => r.id === stored.id)!
    const household = await phone.context.newPage()
    watchProblems(household, problems)
    await household.goto(at(`/households/${resident.householdId}`))
    await unlock(household, PIN)
    await household.getByText(resident.name).first().waitFor()

    await page.goto(at('/settings'))
    await unlock(page, PIN)
    await page.getByText('退出后，这部手机上的住户和记录都会清掉；再登录时从社区重新下载。').waitFor()
    await page.getByRole('button', { name: '退出登录' }).click()
    await page.getByText('还没登录，记录只存在手机上').first().waitFor()

    expect(await rowsLeft(page)).toEqual({})
    expect(await metaKeys(page)).toEqual(['deviceId', 'seededAt', 'serverUrl', 'signedOutAt'])
    await household.getByText('找不到这条记录').waitFor()
    expect(await household.getByText(resident.name).count()).toBe(0)
    await household.close()
    // Sent before sign-out, it is with the office.
    const office = await server.api.login('office1')
    expect((await server.api.pullAll(office)).some((change) => change.record.needs === SENT_NEEDS)).toBe(true)
  })

  it('2. a phone the office wiped clears itself at its next contact and sends nothing', { timeout: 120_000 }, async () => {
    await signIn(page, 'leader1', DEMO_PASSWORD, { pin: PIN })
    await page.getByText(/^上次同步：/).waitFor()
    expect(Object.keys(await rowsLeft(page))).toContain('residents')

    // The phone is lost, with no signal; whoever finds it writes something on it.
    server.setReachable(false)
    await phone.setOffline(true)
    await recordVisit(page, { building: BUILDING, purpose: '政策宣讲', needs: FOUND_NEEDS, outcome: '无' })
    expect((await readStore(page, 'outbox')).length).toBe(1)

    server.setReachable(true)
    const office = await officeWipes()

    // Back in signal: the sync that follows is the phone's next contact.
    await phone.setOffline(false)
    await page.getByText('找不到这条记录').waitFor({ timeout: 20_000 })
    await page.goto(at('/'))
    await page.getByText('社区已让这部手机退出登录，手机上的住户和记录已清除。要用请重新登录').waitFor()

    expect(await rowsLeft(page)).toEqual({})
    expect((await server.api.pullAll(office)).some((change) => change.record.needs === FOUND_NEEDS)).toBe(false)
    expect(problems).toEqual([])
  })

  it('3. a locked phone the office wiped clears itself when the network comes back at the lock screen', { timeout: 120_000 }, async () => {
    await signIn(page, 'leader1', DEMO_PASSWORD, { pin: PIN })
    await page.getByText(/^上次同步：/).waitFor()

    // Lost with no signal and locked (the app opened again): nobody can unlock it, so nothing syncs.
    server.setReachable(false)
    await phone.setOffline(true)
    await recordVisit(page, { building: BUILDING, purpose: '政策宣讲', needs: FOUND_NEEDS, outcome: '无' })
    await page.reload()
    await page.getByText('输入锁屏密码').waitFor()
    expect((await readStore(page, 'outbox')).length).toBe(1)

    server.setReachable(true)
    const office = await officeWipes()

    // Back in signal, still at the lock screen: the phone checks in, hears the wipe and empties itself.
    await phone.setOffline(false)
    // The lock screen goes, and the visit page it covered finds nothing left.
    await page.getByText('找不到这条记录').waitFor({ timeout: 20_000 })
    expect(await page.getByText('输入锁屏密码').count()).toBe(0)
    await page.goto(at('/'))
    await page.getByText('社区已让这部手机退出登录，手机上的住户和记录已清除。要用请重新登录').waitFor()
    expect(await rowsLeft(page)).toEqual({})
    expect(await metaKeys(page)).not.toContain('keyring')
    expect((await server.api.pullAll(office)).some((change) => change.record.needs === FOUND_NEEDS)).toBe(false)
    expect(problems).toEqual([])
  })
})
