import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { db } from '@/app/db/database'
import { createRepositories, LOCAL_USER } from '@/app/db'
import { useSession } from '@/app/stores/session'
import { useSync } from '@/app/stores/sync'
import { SessionError } from '@/app/sync/errors'
import { DOUBLE_USER } from '@/app/sync/transport-double'
import { author, visitFields } from '../../fixtures'

/* The store over the app's own database: what the status line and the sign-in banner read. */

beforeEach(() => setActivePinia(createPinia()))
afterEach(async () => {
  await Promise.all(db.tables.map((t) => t.clear()))
})

describe('the sync store', () => {
  it('tells a phone nobody signed in on from one whose token the server refused', async () => {
    const sync = useSync()
    // Any stored fact, to know the store has read the session: none signed in, no token.
    await db.meta.put({ key: 'lastSuccessAt', value: '2026-11-19T00:00:00.000Z' })
    await vi.waitFor(() => expect(sync.lastSuccessAt).toBe('2026-11-19T00:00:00.000Z'))
    expect(sync.signedIn).toBe(false)
    expect(sync.needsSignIn).toBe(false)

    await db.meta.bulkPut([
      { key: 'user', value: JSON.stringify(DOUBLE_USER) },
      { key: 'serverUrl', value: 'http://server.test' },
      { key: 'token', value: 't' },
    ])
    await vi.waitFor(() => expect(sync.user).toEqual(DOUBLE_USER))
    expect(sync.signedIn).toBe(true)
    expect(sync.needsSignIn).toBe(false)
    expect(sync.serverUrl).toBe('http://server.test')

    // What the engine does on a 401: the token goes, the user stays.
    await db.meta.delete('token')
    await vi.waitFor(() => expect(sync.needsSignIn).toBe(true))
    expect(sync.signedIn).toBe(true)
  })

  it('counts records waiting, live, and shows the last run’s outcome', async () => {
    const sync = useSync()
    const repos = createRepositories(db)
    const visit = await repos.visits.create(visitFields(), author)
    await repos.visits.update(visit.id, { outcome: '再来' })
    await repos.visits.create(visitFields(), author)
    await vi.waitFor(() => expect(sync.pending).toBe(2))
    await db.meta.bulkPut([
      { key: 'lastSuccessAt', value: '2026-11-20T03:00:00.000Z' },
      { key: 'lastError', value: JSON.stringify({ code: 'offline', at: '2026-11-20T04:00:00.000Z' }) },
    ])
    await vi.waitFor(() => expect(sync.lastError).toEqual({ code: 'offline', at: '2026-11-20T04:00:00.000Z' }))
    expect(sync.lastSuccessAt).toBe('2026-11-20T03:00:00.000Z')
  })

  it('holds the count while a run writes its answers, and counts again once it is over', async () => {
    const sync = useSync()
    const repos = createRepositories(db)
    await repos.visits.create(visitFields(), author)
    await vi.waitFor(() => expect(sync.pending).toBe(1))
    // As the engine marks a run that settles batch after batch (each would have the whole outbox walked again).
    await db.meta.put({ key: 'syncing', value: '2026-11-20T03:00:00.000Z' })
    await db.outbox.clear()
    await db.meta.put({ key: 'lastSuccessAt', value: '2026-11-20T03:00:01.000Z' })
    await vi.waitFor(() => expect(sync.lastSuccessAt).toBe('2026-11-20T03:00:01.000Z'))
    expect(sync.pending).toBe(1)
    await db.meta.delete('syncing')
    await vi.waitFor(() => expect(sync.pending).toBe(0))
  })

  it('runs nothing while signed out', async () => {
    expect(await useSync().syncNow()).toEqual({ status: 'signed_out' })
  })

  it('refuses to sign out while records wait, and keeps everything', async () => {
    await db.meta.bulkPut([
      { key: 'user', value: JSON.stringify(DOUBLE_USER) },
      { key: 'serverUrl', value: 'http://127.0.0.1:9' },
      { key: 'token', value: 't' },
      { key: 'syncDeviceId', value: 'd' },
    ])
    await createRepositories(db).visits.create(visitFields(), author)
    const error = await useSync().signOut({ discard: null }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SessionError)
    expect(error).toMatchObject({ code: 'unsynced', pending: 1 })
    expect((await db.meta.get('token'))?.value).toBe('t')
    expect(await db.outbox.count()).toBe(1)
  })
  it('once signed out anywhere (another tab, the office), makes records as nobody and forgets the drafts in localStorage', async () => {
    const storage = new Map([['doorstep.draft.visit:new', '{}'], ['doorstep.preferences', '{}']])
    vi.stubGlobal('localStorage', { get length() { return storage.size }, key: (i: number) => [...storage.keys()][i] ?? null, removeItem: (key: string) => void storage.delete(key) })
    await db.meta.bulkPut([
      { key: 'user', value: JSON.stringify(DOUBLE_USER) },
      { key: 'userId', value: DOUBLE_USER.id },
      { key: 'token', value: 't' },
    ])
    const sync = useSync()
    const session = useSession()
    await vi.waitFor(() => expect(sync.signedIn).toBe(true))
    expect((await session.load()).userId).toBe(DOUBLE_USER.id)

    await db.meta.bulkDelete(['user', 'userId', 'token'])
    await vi.waitFor(() => expect([...storage.keys()]).toEqual(['doorstep.preferences']))
    await vi.waitFor(() => expect(session.author).toBeNull())
    expect((await session.load()).userId).toBe(LOCAL_USER)
    vi.unstubAllGlobals()
  })
})
