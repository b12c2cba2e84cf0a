import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createRepositories, deviceAuthor } from '@/app/db'
import { DoorstepDatabase } from '@/app/db/database'
import { SessionError } from '@/app/sync/errors'
import { readSession, signIn, signOut } from '@/app/sync/session'
import { createTransportDouble, DOUBLE_USER, type TransportDouble } from '@/app/sync/transport-double'
import { visitFields } from '../../fixtures'

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
    expect(await signIn(db, server.transport, input)).toEqual(DOUBLE_USER)
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
    const error = await signOut(db, server.transport, { discardUnsynced: false }).catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'SessionError', code: 'unsynced', pending: 1 })
    expect(await readSession(db)).not.toBeNull()
    expect(await db.outbox.count()).toBe(1)
    expect(await db.visits.get(visit.id)).toEqual(visit)
  })

  it('with discardUnsynced, drops the waiting changes but keeps every record, and ends the session even offline', async () => {
    await signIn(db, server.transport, input)
    const visit = await createRepositories(db).visits.create(visitFields(), await deviceAuthor(db))
    await db.meta.put({ key: 'cursor', value: 'c-1' })
    server.fail('logout', 'offline')
    await signOut(db, server.transport, { discardUnsynced: true })
    expect(await readSession(db)).toBeNull()
    expect(await db.outbox.count()).toBe(0)
    expect(await db.visits.get(visit.id)).toEqual(visit)
    expect(await db.meta.bulkGet(['user', 'userId', 'cursor', 'token'])).toEqual([undefined, undefined, undefined, undefined])
    expect((await db.meta.get('serverUrl'))?.value).toBe('http://server.test')
    expect(server.calls.map((c) => c.op)).toEqual(['login', 'logout'])
  })

  it('with nothing waiting, revokes the token on the server', async () => {
    await signIn(db, server.transport, input)
    await signOut(db, server.transport, { discardUnsynced: false })
    expect(server.calls.map((c) => c.op)).toEqual(['login', 'logout'])
    expect(await readSession(db)).toBeNull()
  })
})
