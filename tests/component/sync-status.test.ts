import { afterEach, describe, expect, it, vi } from 'vitest'
import type { User } from '@/domain'
import { repos } from '@/app/db'
import { db } from '@/app/db/database'
import { seedDemoIfEmpty } from '@/app/db/seed'
import HomeView from '@/app/features/home/HomeView.vue'
import SessionSyncSettings from '@/app/features/session/SessionSyncSettings.vue'
import SessionSyncStatus from '@/app/features/session/SessionSyncStatus.vue'
import { author, issueFields } from '../fixtures'
import { buttonNamed } from './fields'
import { mountWithApp, SKIPPED_APP_LOCK } from './setup'

/*
 * The sync status as the leader reads it. The facts are what the engine keeps in IndexedDB (the session
 * and the last run's outcome in `meta`, the outbox), written here directly; "sync now" runs the real engine
 * over a `fetch` that finds no network.
 */

const leader: User = { id: 'u-leader1', username: 'leader1', displayName: '陈伯', role: 'leader', communityId: 'c-1', buildingIds: [] }

/** The session the engine keeps after a sign-in; without `token`, the server has refused it since. */
async function signedIn({ token = true } = {}) {
  await db.meta.bulkPut([
    { key: 'user', value: JSON.stringify(leader) },
    { key: 'userId', value: leader.id },
    { key: 'serverUrl', value: 'https://doorstep.example' },
    { key: 'syncDeviceId', value: 'd-1' },
    ...(token ? [{ key: 'token' as const, value: 'secret-token' }] : []),
    ...SKIPPED_APP_LOCK,
  ])
}

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('the sync status line', () => {
  it('tells a leader who has not signed in that records stay on the phone, with a way to sign in', async () => {
    await repos.issues.create(issueFields(), author)
    await repos.issues.create(issueFields({ location: '天台' }), author)
    const { wrapper } = await mountWithApp(SessionSyncStatus)

    await vi.waitFor(() => expect(wrapper.text()).toContain('2 条记录存在手机上，登录后同步'))
    expect(wrapper.text()).toContain('还没登录，记录只存在手机上。用社区给的账号登录后才会同步')
    expect(wrapper.find('a[href="/signin"]').text()).toBe('去登录')
    // Nothing to run without a session: no button that could only fail.
    expect(wrapper.findAll('button').map((b) => b.text())).not.toContain('立即同步')
  })

  it('never says records are synced before the phone has signed in', async () => {
    const { wrapper } = await mountWithApp(SessionSyncStatus)
    await vi.waitFor(() => expect(wrapper.text()).toContain('还没登录'))
    expect(wrapper.text()).not.toContain('已同步')

    await repos.issues.create(issueFields(), author)
    await vi.waitFor(() => expect(wrapper.text()).toContain('1 条记录存在手机上，登录后同步'))
    expect(wrapper.text()).not.toContain('已同步')
  })

  it('shows the last successful sync as today’s time and the last failure in words', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date(2026, 10, 20, 16, 30))
    await signedIn()
    await db.meta.bulkPut([
      { key: 'lastSuccessAt', value: new Date(2026, 10, 20, 14, 5).toISOString() },
      { key: 'lastError', value: JSON.stringify({ code: 'offline', at: new Date(2026, 10, 20, 16, 0).toISOString() }) },
    ])
    const { wrapper } = await mountWithApp(SessionSyncStatus)

    await vi.waitFor(() => expect(wrapper.text()).toContain('上次同步：今天 14:05'))
    expect(wrapper.text()).toContain('没同步成功：没有信号，连不上服务器。有信号时会自动同步')
    expect(wrapper.text()).toContain('记录都已同步')
    expect(buttonNamed(wrapper, '立即同步').exists()).toBe(true)
    expect(wrapper.text()).not.toContain('还没登录')
  })

  it('says the office signed the phone out and cleared it, until the next sign-in', async () => {
    await db.meta.put({ key: 'lastError', value: JSON.stringify({ code: 'ended_by_office', message: 'device_wiped', at: new Date().toISOString() }) })
    const { wrapper } = await mountWithApp(SessionSyncStatus)
    await vi.waitFor(() => expect(wrapper.text()).toContain('社区已让这部手机退出登录，手机上的住户和记录已清除。要用请重新登录'))
    expect(wrapper.find('a[href="/signin"]').text()).toBe('去登录')
    expect(wrapper.text()).not.toContain('还没登录，记录只存在手机上')
  })

  it('asks for a new sign-in when the server no longer takes the token, and says the records are safe', async () => {
    await signedIn({ token: false })
    await repos.issues.create(issueFields(), author)
    const { wrapper } = await mountWithApp(SessionSyncStatus)

    await vi.waitFor(() => expect(wrapper.text()).toContain('登录已失效，请重新登录；没同步的记录都还在手机上'))
    expect(wrapper.text()).toContain('1 条记录待同步')
    expect(wrapper.find('a[href="/signin"]').exists()).toBe(true)
  })

  it('runs sync on "立即同步" and shows why it did not get through', async () => {
    vi.stubGlobal('fetch', vi.fn(() => Promise.reject(new TypeError('Failed to fetch'))))
    await signedIn()
    await repos.issues.create(issueFields(), author)
    const { wrapper } = await mountWithApp(SessionSyncStatus)
    await vi.waitFor(() => expect(wrapper.text()).toContain('还没同步过'))

    await buttonNamed(wrapper, '立即同步').trigger('click')

    await vi.waitFor(() => expect(wrapper.text()).toContain('没同步成功：没有信号'))
    expect(wrapper.text()).toContain('1 条记录待同步')
    expect(fetch).toHaveBeenCalled()
  })

  it('stands on the home screen', async () => {
    const { wrapper } = await mountWithApp(HomeView)

    await vi.waitFor(() => expect(wrapper.text()).toContain('还没登录，记录只存在手机上'))
    expect(wrapper.find('a[href="/signin"]').text()).toBe('去登录')
    expect(wrapper.text()).not.toContain('已同步')
  })
})

describe('signing out', () => {
  it('with records waiting, offers to sync first and keeps the session and the records when sync fails', async () => {
    vi.stubGlobal('fetch', vi.fn(() => Promise.reject(new TypeError('Failed to fetch'))))
    await signedIn()
    await repos.issues.create(issueFields(), author)
    const { wrapper } = await mountWithApp(SessionSyncSettings, { route: '/settings' })
    await vi.waitFor(() => expect(wrapper.text()).toContain('1 条记录待同步'))

    await buttonNamed(wrapper, '退出登录').trigger('click')
    const sheet = () => document.body.querySelector('.van-action-sheet')
    await vi.waitFor(() => expect(sheet()?.textContent).toContain('还有 1 条记录社区没收到（没同步的，或被退回的）。退出前先同步吗？'))
    const syncFirst = [...sheet()!.querySelectorAll('button')].find((b) => b.textContent?.trim() === '先同步')!
    syncFirst.click()

    await vi.waitFor(() => expect(wrapper.text()).toContain('还有记录社区没收到（没同步完，或被退回），所以没有退出'))
    expect((await db.meta.get('token'))?.value).toBe('secret-token')
    expect(await db.outbox.count()).toBe(1)
    expect(wrapper.text()).toContain('陈伯')
  })

  it('counts a record the server refused as work it would lose, and drops it only once the leader agrees', async () => {
    vi.stubGlobal('fetch', vi.fn(() => Promise.resolve(new Response(null, { status: 204 }))))
    await signedIn()
    const refused = await repos.issues.create(issueFields(), author)
    await db.transaction('rw', [db.outbox, db.rejections], async () => {
      const entry = (await db.outbox.toCollection().first())!
      await db.outbox.clear()
      await db.rejections.put({ mutationId: entry.mutationId, table: 'issues', recordId: refused.id, kind: 'put', code: 'forbidden', message: 'no', at: '2026-12-01T00:00:00.000Z', record: refused })
    })
    const { wrapper } = await mountWithApp(SessionSyncSettings, { route: '/settings' })
    await vi.waitFor(() => expect(wrapper.text()).toContain('陈伯'))

    await buttonNamed(wrapper, '退出登录').trigger('click')
    const sheet = () => document.body.querySelector('.van-action-sheet')
    await vi.waitFor(() => expect(sheet()?.textContent).toContain('还有 1 条记录社区没收到'))
    ;[...sheet()!.querySelectorAll('button')].find((b) => b.textContent?.trim() === '不同步，直接退出')!.click()
    const dialog = () => document.body.querySelector('.van-dialog')
    await vi.waitFor(() => expect(dialog()?.textContent).toContain('这 1 条记录不会发给社区'))
    expect(await db.issues.get(refused.id)).toBeDefined()
    ;[...dialog()!.querySelectorAll('button')].find((b) => b.textContent?.trim() === '不同步，退出')!.click()

    await vi.waitFor(() => expect(wrapper.text()).toContain('还没登录，记录只存在手机上'))
    expect([await db.issues.count(), await db.rejections.count()]).toEqual([0, 0])
  })

  it('with nothing waiting, signs out at once, and the phone keeps no resident, as the button says', async () => {
    vi.stubGlobal('fetch', vi.fn(() => Promise.resolve(new Response(null, { status: 204 }))))
    await signedIn()
    await seedDemoIfEmpty(db)
    const { wrapper } = await mountWithApp(SessionSyncSettings, { route: '/settings' })
    await vi.waitFor(() => expect(wrapper.text()).toContain('陈伯'))
    expect(wrapper.text()).toContain('退出后，这部手机上的住户和记录都会清掉；再登录时从社区重新下载。')

    await buttonNamed(wrapper, '退出登录').trigger('click')

    await vi.waitFor(() => expect(wrapper.text()).toContain('还没登录，记录只存在手机上'))
    expect(await db.meta.get('token')).toBeUndefined()
    expect([await db.residents.count(), await db.households.count()]).toEqual([0, 0])
  })
})
