import { afterEach, describe, expect, it, vi } from 'vitest'
import { db } from '@/app/db/database'
import SessionSignIn from '@/app/features/session/SessionSignIn.vue'
import SessionSyncStatus from '@/app/features/session/SessionSyncStatus.vue'
import { usePins } from '@/app/features/lock/pin-store'
import { useLock } from '@/app/stores/lock'
import { DOUBLE_RECOVERY_KEY } from '@/app/sync/transport-double'
import { uuidv7, type Change, type EarlierDevice, type Visit } from '@/domain'
import { issueFields, visitFields } from '../fixtures'
import { buttonNamed, fieldLabelled } from './fields'
import { mountWithApp } from './setup'

/*
 * A phone whose data the browser cleared signs in again: the sign-in screen, the real store, session and
 * engine, over a `fetch` that answers as the server would — the login with the user's earlier device of
 * this name, the first pull with what that device had synced. Then the sync status on home tells the leader.
 */

const user = { id: 'u-leader1', username: 'leader1', displayName: '陈伯', role: 'leader', communityId: 'c-1', buildingIds: ['b-1'] }
const earlier: EarlierDevice = {
  id: 'd-old',
  name: 'Android · Chrome',
  createdAt: '2026-11-01T08:00:00.000Z',
  lastSeenAt: new Date(2026, 10, 19, 9, 30).toISOString(),
  records: { visits: 2, issues: 1, inspections: 0 },
}

function meta(createdBy: string, deviceId: string, rev: number | null = null) {
  const at = '2026-11-19T09:00:00.000Z'
  return { id: uuidv7(), createdAt: at, updatedAt: at, createdBy, deviceId, rev, deletedAt: null, conflicts: [] }
}

/** What the old phone had synced, and a record another leader made in the same building. */
const serverRecords: Array<Omit<Change, 'rev'>> = [
  { table: 'visits', ...visitFields(), ...meta(user.id, 'd-old') },
  { table: 'visits', ...visitFields({ needs: '第二次走访' }), ...meta(user.id, 'd-old') },
  { table: 'issues', ...issueFields(), ...meta(user.id, 'd-old'), status: 'submitted', assignee: null, events: [] },
  { table: 'visits', ...visitFields(), ...meta('u-leader2', 'd-leader2') },
].map(({ table, ...record }) => ({ table: table as Change['table'], id: record.id, record }))

const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } })

/** A server that answers the login with `earlierDevices` and the first pull with `serverRecords`. */
function server(earlierDevices: EarlierDevice[]) {
  const fetch = vi.fn(async (url: string | URL | Request) => {
    const path = new URL(String(url)).pathname
    if (path === '/api/v1/auth/login') return json({ token: 't', deviceId: 'd-new', user, earlierDevices, recoveryKey: DOUBLE_RECOVERY_KEY, appLock: 'required' })
    if (path === '/api/v1/sync/pull') {
      const changes = serverRecords.map((change, i) => ({ ...change, rev: i + 1, record: { ...change.record, rev: i + 1 } }))
      return json({ changes, cursor: 'c-4', hasMore: false, reset: false })
    }
    throw new TypeError('Failed to fetch')
  })
  vi.stubGlobal('fetch', fetch)
}

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

/** Signs in on the sign-in screen, waits for the first sync to finish, and shows the sync status. */
async function signInAndSync() {
  const { wrapper } = await mountWithApp(SessionSignIn, { route: '/signin' })
  await fieldLabelled(wrapper, '用户名').find('input').setValue('leader1')
  await fieldLabelled(wrapper, '密码').find('input').setValue('doorstep-demo')
  await buttonNamed(wrapper, '登录').trigger('submit')
  // The first sync waits for the app PIN (src/app/lock).
  await vi.waitFor(() => expect(useLock().state).toBe('setup'))
  await usePins().choosePin('135790')
  await vi.waitFor(async () => expect(await db.meta.get('lastSuccessAt')).toBeDefined())
  return (await mountWithApp(SessionSyncStatus)).wrapper
}

describe('signing in on a phone whose data the browser cleared', () => {
  it('tells the leader what came back from the server, by type, and that unsynced records are gone', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date(2026, 10, 20, 16, 30))
    server([earlier])
    const status = await signInAndSync()

    await vi.waitFor(() => expect(status.text()).toContain('这部手机上的数据被浏览器清理过。'))
    expect(status.text()).toContain('已从服务器找回 3 条记录：')
    expect(status.findAll('li').map((li) => li.text())).toEqual(['走访 2 条', '诉求 1 条'])
    expect(status.text()).toContain('当时还没同步的记录找不回来了。')
    expect(status.text()).toContain('这部手机上次连上服务器是昨天 09:30。')

    await buttonNamed(status, '知道了').trigger('click')
    await vi.waitFor(() => expect(status.text()).not.toContain('被浏览器清理过'))
    expect(await db.meta.get('recovery')).toBeUndefined()
  })

  it('says nothing on a new user’s first sign-in', async () => {
    server([])
    const status = await signInAndSync()

    await vi.waitFor(() => expect(status.text()).toContain('上次同步：'))
    expect(await db.meta.get('recovery')).toBeUndefined()
    expect(status.text()).not.toContain('被浏览器清理过')
  })

  it('says nothing when the phone still holds the user’s records', async () => {
    const kept: Visit = { ...visitFields(), ...meta(user.id, 'd-signed-out', 7) }
    await db.visits.put(kept)
    server([earlier])
    const status = await signInAndSync()

    await vi.waitFor(() => expect(status.text()).toContain('上次同步：'))
    expect(await db.meta.get('recovery')).toBeUndefined()
    expect(status.text()).not.toContain('被浏览器清理过')
    expect(await db.visits.get(kept.id)).toEqual(kept)
  })
})
