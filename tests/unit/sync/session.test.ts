import { liveQuery } from 'dexie'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createRepositories, deviceAuthor } from '@/app/db'
import { DoorstepDatabase } from '@/app/db/database'
import { createQueries } from '@/app/db/queries'
import { seedDemoIfEmpty } from '@/app/db/seed'
import { createSyncEngine } from '@/app/sync/engine'
import { SessionError } from '@/app/sync/errors'
import { dismissRecovery, readSession, signIn, signOut, unsentWork } from '@/app/sync/session'
import { createTransportDouble, DOUBLE_RECOVERY_KEY, DOUBLE_USER, type TransportDouble } from '@/app/sync/transport-double'
import { uuidv7, type EarlierDevice } from '@/domain'
import { inspectionFields, issueFields, visitFields } from '../../fixtures'
import { canvassAnswerFields, canvassFields } from '../../fixtures/canvass'
import { mediationFields } from '../../fixtures/mediation'
import { menteeView, mentorNoteFields } from '../../fixtures/mentorship'

let db: DoorstepDatabase
let server: TransportDouble
const input = { serverUrl: 'http://server.test', username: 'leader1', password: 'doorstep-demo', deviceName: 'Android · Chrome' }

beforeEach(() => {
  db = new DoorstepDatabase(`session-${crypto.randomUUID()}`)
  server = createTransportDouble()
})
afterEach(() => db.delete())

describe('signing in', () => {
  it('keeps the token, the server’s device id and the user, and records are made by that user from then on', async () => {
    expect(await readSession(db)).toBeNull()
    expect(await signIn(db, server.transport, input)).toEqual({ user: DOUBLE_USER, mustChangePassword: false, recoveryKey: DOUBLE_RECOVERY_KEY })
    // The recovery key is for the PIN about to be chosen, in memory: never stored.
    expect(JSON.stringify(await db.meta.toArray())).not.toContain(DOUBLE_RECOVERY_KEY)
    expect((await db.meta.get('appLock'))?.value).toBe('required')
    expect(await readSession(db)).toEqual({ serverUrl: 'http://server.test', token: 'token-double', deviceId: 'device-double' })
    expect((await deviceAuthor(db)).userId).toBe(DOUBLE_USER.id)
    expect(JSON.parse((await db.meta.get('user'))!.value)).toEqual(DOUBLE_USER)
  })

  it.each([
    ['unauthorized', 'invalid_credentials'],
    ['throttled', 'throttled'],
    ['offline', 'offline'],
    ['timeout', 'offline'],
    ['server', 'server'],
    ['bad_response', 'server'],
  ] as const)('turns a %s failure into a %s error, storing nothing', async (failure, code) => {
    server.fail('login', failure)
    const error = await signIn(db, server.transport, input).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SessionError)
    expect((error as SessionError).code).toBe(code)
    expect(await readSession(db)).toBeNull()
  })

  it('keeps the pull cursor for the same user on the same server, and forgets it for anyone else', async () => {
    await signIn(db, server.transport, input)
    await db.meta.put({ key: 'cursor', value: 'c-1' })
    await signIn(db, server.transport, input)
    expect((await db.meta.get('cursor'))?.value).toBe('c-1')
    await signIn(db, server.transport, { ...input, serverUrl: 'http://other.test' })
    expect(await db.meta.get('cursor')).toBeUndefined()
  })
})

describe('signing out', () => {
  it('refuses while changes wait, and changes nothing', async () => {
    await signIn(db, server.transport, input)
    const visit = await createRepositories(db).visits.create(visitFields(), await deviceAuthor(db))
    const error = await signOut(db, server.transport, { discard: null }).catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'SessionError', code: 'unsynced', pending: 1 })
    expect(await readSession(db)).not.toBeNull()
    expect(await db.outbox.count()).toBe(1)
    expect(await db.visits.get(visit.id)).toEqual(visit)
  })

  it('with the waiting changes agreed to, drops them with their records, and ends the session even offline', async () => {
    await signIn(db, server.transport, input)
    const visit = await createRepositories(db).visits.create(visitFields(), await deviceAuthor(db))
    await db.meta.put({ key: 'cursor', value: 'c-1' })
    server.fail('logout', 'offline')
    await signOut(db, server.transport, { discard: await unsentWork(db) })
    expect(await readSession(db)).toBeNull()
    expect(await db.outbox.count()).toBe(0)
    expect(await db.visits.get(visit.id)).toBeUndefined()
    expect(await db.meta.bulkGet(['user', 'userId', 'cursor', 'token'])).toEqual([undefined, undefined, undefined, undefined])
    expect((await db.meta.get('serverUrl'))?.value).toBe('http://server.test')
    expect(server.calls.map((c) => c.op)).toEqual(['login', 'logout'])
  })

  it('with nothing waiting, revokes the token on the server and forgets the photos downloaded for the session', async () => {
    await signIn(db, server.transport, input)
    await db.photoCache.put({ sha256: 'a'.repeat(64), size: 'thumb', data: new ArrayBuffer(4), type: 'image/jpeg', bytes: 4, usedAt: '2026-12-01T00:00:00.000Z' })
    await signOut(db, server.transport, { discard: null })
    expect(server.calls.map((c) => c.op)).toEqual(['login', 'logout'])
    expect(await readSession(db)).toBeNull()
    expect(await db.photoCache.count()).toBe(0)
  })
})

/** Puts at least one row in every table of the phone, as a day's work and a few syncs leave them. */
async function fillEveryTable({ synced }: { synced: boolean }): Promise<void> {
  await seedDemoIfEmpty(db)
  const repos = createRepositories(db)
  const author = await deviceAuthor(db)
  const visit = await repos.visits.create(visitFields(), author)
  await repos.issues.create(issueFields(), author)
  await repos.inspections.create(inspectionFields(), author)
  const canvass = await repos.canvasses.create(canvassFields(), author)
  await repos.canvassAnswers.create(canvassAnswerFields(canvass.id), author)
  await repos.mediations.create(mediationFields(), author)
  await repos.mentorNotes.create(mentorNoteFields(), author)
  if (synced) {
    expect(await createSyncEngine({ db, transport: () => server.transport }).sync()).toMatchObject({ status: 'done' })
    // The first pull replaced the demo's places with the server's (none here): they come back as pulled ones.
    await db.meta.delete('seededAt')
    await seedDemoIfEmpty(db)
  }
  await repos.drafts.save('visit:new', { needs: '谭伯想申请居家养老服务' })
  await db.table('attachments').put({ sha256: 'b'.repeat(64), type: 'image/jpeg', bytes: 4, data: new ArrayBuffer(4), thumb: new ArrayBuffer(2), thumbType: 'image/jpeg', createdAt: '2026-12-01T00:00:00.000Z' })
  await db.photoCache.put({ sha256: 'a'.repeat(64), size: 'thumb', data: new ArrayBuffer(4), type: 'image/jpeg', bytes: 4, usedAt: '2026-12-01T00:00:00.000Z' })
  await db.table('users').put({ id: 'leader-2', displayName: '陈伟', role: 'leader', active: true })
  await db.table('campaigns').put({ id: 'campaign-1', title: '台风前巡查' })
  await db.menteeViews.put(menteeView())
  await db.table('pointAdjustments').put({ id: 'adjustment-1', userId: 'leader-1', month: '2026-11', points: 5, reason: '协助疫苗接种登记' })
  await db.table('rejections').put({ mutationId: 'm-1', table: 'visits', recordId: visit.id, kind: 'put', code: 'forbidden', message: 'no', at: '2026-12-01T00:00:00.000Z', record: visit })
  await db.table('held').put({ recordId: visit.id, table: 'visits', rev: 3, record: visit })
}

describe('signing out leaves no resident data on the phone', () => {
  it('empties every table but for the phone’s id, the server address and the demo’s seeding', async () => {
    await signIn(db, server.transport, input)
    await fillEveryTable({ synced: true })
    await db.meta.bulkPut([{ key: 'cursor', value: 'c-1' }, { key: 'lastFullSyncAt', value: '2026-12-01T00:00:00.000Z' }, { key: 'issuesSeen', value: '{}' }])
    const filled = await Promise.all(db.tables.map(async (table) => [table.name, await table.count()] as const))
    // Every table but the outbox (just pushed) holds something, so that the wipe below is tested on each.
    expect(filled.filter(([name, count]) => name !== 'outbox' && count === 0)).toEqual([])
    const deviceId = (await db.meta.get('deviceId'))!.value

    // The refused visit is work the server does not have: a plain sign-out keeps everything.
    expect(await signOut(db, server.transport, { discard: null }).catch((e: unknown) => e)).toMatchObject({ code: 'unsynced', pending: 1 })
    expect(await db.visits.count()).toBeGreaterThan(0)
    await signOut(db, server.transport, { discard: await unsentWork(db) })

    const left = await Promise.all(db.tables.filter((table) => table.name !== 'meta').map((table) => table.count()))
    expect(left.every((count) => count === 0)).toBe(true)
    expect((await db.meta.toArray()).map((entry) => entry.key).sort()).toEqual(['deviceId', 'seededAt', 'serverUrl', 'signedOutAt'])
    expect((await db.meta.get('deviceId'))?.value).toBe(deviceId)
    expect((await db.meta.get('serverUrl'))?.value).toBe('http://server.test')
    // The demo households do not come back on the next start either.
    expect(await seedDemoIfEmpty(db)).toBe(false)
  })

  it('with the unsent work agreed to, takes the unsynced and refused records with everything else', async () => {
    await signIn(db, server.transport, input)
    await fillEveryTable({ synced: false })
    expect(await db.outbox.count()).toBe(7)
    expect(await unsentWork(db)).toMatchObject({ records: 7, refusals: ['m-1'] })
    await signOut(db, server.transport, { discard: await unsentWork(db) })
    const left = await Promise.all(db.tables.filter((table) => table.name !== 'meta').map((table) => table.count()))
    expect(left.every((count) => count === 0)).toBe(true)
  })

  it('an open household page sees its household, residents and visits go', async () => {
    await signIn(db, server.transport, input)
    await seedDemoIfEmpty(db)
    const household = (await db.households.toCollection().first())!
    const queries = createQueries(db)
    const seen: Array<string | undefined> = []
    const subscription = liveQuery(async () => {
      const [found, residents] = await Promise.all([queries.household(household.id), queries.residents(household.id)])
      return found && `${found.unit}: ${residents.map((r) => r.name).join(' ')}`
    }).subscribe((value) => seen.push(value))
    await vi.waitFor(() => expect(seen.at(-1)).toBeDefined())
    await signOut(db, server.transport, { discard: null })
    await vi.waitFor(() => expect(seen.at(-1)).toBeUndefined())
    subscription.unsubscribe()
  })

  /** Has another tab save a visit just before `db`'s next transaction starts: the moment sign-out clears. */
  function saveFromAnotherTabBeforeTheClear(): { saved: Promise<string> } {
    const otherTab = new DoorstepDatabase(db.name)
    const transaction = db.transaction.bind(db) as (...args: unknown[]) => Promise<unknown>
    let resolve!: (id: string) => void
    const saved = new Promise<string>((r) => (resolve = r))
    ;(db as unknown as { transaction: (...args: unknown[]) => Promise<unknown> }).transaction = async (...args: unknown[]) => {
      const visit = await createRepositories(otherTab).visits.create(visitFields({ needs: '刚保存的走访' }), await deviceAuthor(otherTab))
      otherTab.close()
      resolve(visit.id)
      return transaction(...args)
    }
    return { saved }
  }

  it.each([false, true])('never drops a change saved after the leader was asked (discarding: %s)', async (discarding) => {
    await signIn(db, server.transport, input)
    if (discarding) await createRepositories(db).visits.create(visitFields(), await deviceAuthor(db))
    // What the confirmation showed; the other tab saves after it, while the leader reads it.
    const agreed = discarding ? await unsentWork(db) : null
    const { saved } = saveFromAnotherTabBeforeTheClear()
    const error = await signOut(db, server.transport, { discard: agreed }).catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'SessionError', code: 'unsynced', pending: 1 })
    const id = await saved
    expect(await db.visits.get(id)).toMatchObject({ needs: '刚保存的走访' })
    expect(await db.outbox.where('recordId').equals(id).count()).toBe(1)
    // Nothing was cleared, and the session goes on, to send it.
    expect(await readSession(db)).not.toBeNull()
    expect(await db.outbox.count()).toBe(discarding ? 2 : 1)
  })

  it('never drops a change the server refused after the leader was asked', async () => {
    await signIn(db, server.transport, input)
    const visit = await createRepositories(db).visits.create(visitFields(), await deviceAuthor(db))
    const agreed = await unsentWork(db)
    // A sync run (before sign-out took the lock) sent it and was refused: the outbox agreed to is empty now.
    await db.transaction('rw', [db.outbox, db.rejections], async () => {
      const entry = (await db.outbox.toCollection().first())!
      await db.outbox.clear()
      await db.rejections.put({ mutationId: entry.mutationId, table: 'visits', recordId: visit.id, kind: 'put', code: 'forbidden', message: 'no', at: '2026-12-01T00:00:00.000Z', record: visit })
    })
    expect(await signOut(db, server.transport, { discard: agreed }).catch((e: unknown) => e)).toMatchObject({ code: 'unsynced', pending: 1 })
    expect(await db.visits.get(visit.id)).toEqual(visit)
  })
})

describe('signing in on a phone whose data the browser cleared', () => {
  const earlier: EarlierDevice = {
    id: 'device-old',
    name: 'Android · Chrome',
    createdAt: '2026-11-01T08:00:00.000Z',
    lastSeenAt: '2026-11-19T09:30:00.000Z',
    records: { visits: 2, issues: 1, inspections: 0 },
  }
  const meta = (createdBy: string, deviceId: string) => ({
    id: uuidv7(),
    createdAt: '2026-11-19T09:00:00.000Z',
    updatedAt: '2026-11-19T09:00:00.000Z',
    createdBy,
    deviceId,
    rev: null,
    deletedAt: null,
    conflicts: [],
  })

  /** The server has what the phone had synced before it was cleared, and a record of another leader's. */
  function serverHasEarlierRecords() {
    server.serverPut('visits', { ...visitFields(), ...meta(DOUBLE_USER.id, 'device-old') })
    server.serverPut('visits', { ...visitFields({ needs: '第二次走访' }), ...meta(DOUBLE_USER.id, 'device-old') })
    server.serverPut('issues', { ...issueFields(), ...meta(DOUBLE_USER.id, 'device-old'), status: 'submitted', assignee: null, events: [] })
    server.serverPut('visits', { ...visitFields(), ...meta('leader-2', 'device-of-leader-2') })
  }

  it('tells, once the first sync is done, how many of the user’s records came back, by type', async () => {
    server.earlierDevices = [earlier]
    serverHasEarlierRecords()
    await signIn(db, server.transport, input)
    const queries = createQueries(db)
    // Not before the first sync: nothing has come back yet.
    expect(await queries.recovery()).toBeNull()

    expect(await createSyncEngine({ db, transport: () => server.transport }).sync()).toMatchObject({ status: 'done', pulled: 4 })
    expect(await queries.recovery()).toEqual({ lastSeenAt: '2026-11-19T09:30:00.000Z', records: { visits: 2, issues: 1, inspections: 0 } })
    // What the leader records here afterwards did not come back from anywhere.
    await createRepositories(db).visits.create(visitFields(), await deviceAuthor(db))
    expect((await queries.recovery())?.records).toEqual({ visits: 2, issues: 1, inspections: 0 })

    await dismissRecovery(db)
    expect(await queries.recovery()).toBeNull()
  })

  it('still tells when the leader recorded on the cleared phone before signing in', async () => {
    await createRepositories(db).visits.create(visitFields(), await deviceAuthor(db))
    server.earlierDevices = [earlier]
    await signIn(db, server.transport, input)
    expect(await db.meta.get('recovery')).toBeDefined()
    // Signing out forgets it with the rest of the session.
    await signOut(db, server.transport, { discard: await unsentWork(db) })
    expect(await db.meta.get('recovery')).toBeUndefined()
  })

  it('says nothing on a new user’s first sign-in', async () => {
    serverHasEarlierRecords()
    await signIn(db, server.transport, input)
    expect(await createSyncEngine({ db, transport: () => server.transport }).sync()).toMatchObject({ status: 'done' })
    expect(await createQueries(db).recovery()).toBeNull()
  })

  it('says nothing on a phone that still holds a signed-in user’s records, signed out or not', async () => {
    await signIn(db, server.transport, input)
    await createRepositories(db).visits.create(visitFields(), await deviceAuthor(db))
    await signOut(db, server.transport, { discard: await unsentWork(db) })
    server.earlierDevices = [earlier]
    await signIn(db, server.transport, input)
    expect(await db.meta.get('recovery')).toBeUndefined()
  })

  it('says nothing when signing in again after the server refused the token', async () => {
    await signIn(db, server.transport, input)
    // What the engine does when the server answers 401: the token goes, the device id stays.
    await db.meta.delete('token')
    server.earlierDevices = [earlier]
    await signIn(db, server.transport, input)
    expect(await db.meta.get('recovery')).toBeUndefined()
  })
})
