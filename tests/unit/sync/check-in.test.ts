import { afterEach, describe, expect, it } from 'vitest'
import { createRepositories } from '@/app/db'
import { DoorstepDatabase } from '@/app/db/database'
import { createQueries } from '@/app/db/queries'
import { setPin } from '@/app/lock/lock'
import { loadLockState } from '@/app/lock/state'
import { checkIn } from '@/app/sync/check-in'
import { signIn } from '@/app/sync/session'
import { createTransportDouble } from '@/app/sync/transport-double'
import { author, visitFields } from '../../fixtures'
import { device } from './harness'

/** How many rows the phone holds outside meta: none once it has emptied itself. */
const rowsLeft = async (db: DoorstepDatabase) => (await Promise.all(db.tables.filter((t) => t.name !== 'meta').map((t) => t.count()))).reduce((a, b) => a + b)

const opened: DoorstepDatabase[] = []
afterEach(async () => {
  for (const db of opened.splice(0)) await db.delete()
})

/**
 * A signed-in phone holding an unsent visit, then locked (as after a reload) or still at PIN setup: sync
 * refuses to run on it either way (src/app/stores/sync.ts, src/app/sync/background.ts). Not the sync
 * harness's device, which the `sealed` project opens with a key of its own: here the lock is the subject.
 */
async function phone(stands: 'locked' | 'setup') {
  const db = new DoorstepDatabase(`check-in-${crypto.randomUUID()}`)
  opened.push(db)
  const server = createTransportDouble()
  await signIn(db, server.transport, { serverUrl: 'http://server.test', username: 'leader1', password: 'x' })
  server.calls.length = 0
  await createRepositories(db).visits.create(visitFields({ needs: '楼道灯坏了三个月' }), author)
  if (stands === 'locked') {
    await setPin(db, '482916', crypto.getRandomValues(new Uint8Array(32)))
    db.sealing.lock()
  }
  expect(await loadLockState(db)).toBe(stands)
  return { db, server, queries: createQueries(db) }
}

describe('a locked phone checking in with the server', () => {
  it.each(['locked', 'setup'] as const)('%s, wiped by the office: empties itself, unsent changes too, and ends signed out', async (stands) => {
    const { db, server, queries } = await phone(stands)
    server.revoke('wipe')

    expect(await checkIn(db, () => server.transport)).toBe(true)
    expect(await rowsLeft(db)).toBe(0)
    expect(await queries.syncStatus()).toMatchObject({ hasToken: false, user: null, lastError: { code: 'ended_by_office', message: 'device_wiped' } })
    expect(await loadLockState(db)).toBe('none')
    // It only asked: nothing of the phone's went to the server.
    expect(server.calls.map((c) => c.op)).toEqual(['checkIn'])
    expect(server.records.size).toBe(0)
  })

  it('signed out by the office: keeps its work for the push after the PIN, and says nothing', async () => {
    const { db, server, queries } = await phone('locked')
    server.revoke('sign_out')

    expect(await checkIn(db, () => server.transport)).toBe(false)
    expect(await db.outbox.count()).toBe(1)
    expect(await queries.syncStatus()).toMatchObject({ hasToken: true, lastError: null })
    expect(await loadLockState(db)).toBe('locked')
  })

  it('wiped: a sync run of the unlocked page that hears it after the worker’s check-in leaves the check-in’s notice', async () => {
    const { db, server, engine, queries, repos, author } = await device()
    await repos.visits.create(visitFields(), author)
    server.revoke('wipe')
    server.on('push', async () => void (await checkIn(db, () => server.transport)))

    expect(await engine.sync()).toMatchObject({ status: 'failed', error: { code: 'ended_by_office', message: 'device_wiped' }, nextRetryAt: null })
    expect(await rowsLeft(db)).toBe(0)
    expect(await queries.syncStatus()).toMatchObject({ hasToken: false, lastError: { code: 'ended_by_office', message: 'device_wiped' } })
  })

  it('still the leader’s, or offline: changes nothing', async () => {
    const { db, server, queries } = await phone('locked')
    expect(await checkIn(db, () => server.transport)).toBe(false)
    server.fail('checkIn', 'offline')
    expect(await checkIn(db, () => server.transport)).toBe(false)
    expect(await db.outbox.count()).toBe(1)
    expect(await queries.syncStatus()).toMatchObject({ hasToken: true, lastError: null })
    expect(server.calls.map((c) => c.op)).toEqual(['checkIn', 'checkIn'])
  })
})
