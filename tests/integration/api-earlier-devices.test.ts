import { Migrator, sql, type Kysely } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { uuidv7, type EarlierDevice, type MutationResult } from '@/domain'
import { migrateToLatest, MIGRATIONS } from '@/server/storage/migrations'
import type { Database } from '@/server/storage/schema'
import { visitFields } from '../fixtures'
import { mutation } from '../fixtures/mutations'
import { describeEngines, newIssue, pushBody, startApi, type Engine, type TestApi } from './api'
import { openBareDatabase } from './bare-database'

/*
 * A phone whose data the browser cleared signs in again with the same name: the login answer tells it what
 * its earlier self had made (docs/sync-protocol.md, "A phone whose data the browser cleared").
 */

const PHONE = 'Android · Chrome'

describeEngines('the sign-in answer lists the user’s earlier devices of the same name', (engine) => {
  let api: TestApi
  beforeAll(async () => {
    api = await startApi(engine)
  })
  afterAll(() => api.close())

  async function login(username: string, deviceName: string) {
    const answer = await api.call('POST', '/api/v1/auth/login', { json: { username, password: 'doorstep-demo', deviceName } })
    expect(answer.status, answer.body).toBe(200)
    return answer.json as { token: string; deviceId: string; earlierDevices: EarlierDevice[] }
  }

  async function push(who: { token: string; deviceId: string }, mutations: unknown[]): Promise<MutationResult[]> {
    const answer = await api.call('POST', '/api/v1/sync/push', { token: who.token, json: pushBody(who.deviceId, mutations) })
    expect(answer.status, answer.body).toBe(200)
    return (answer.json as { results: MutationResult[] }).results
  }

  it('counts the live records each earlier device made, by type, with when it was last seen', async () => {
    const first = await login('leader1', PHONE)
    expect(first.earlierDevices).toEqual([])
    const kept = mutation.put('visits', uuidv7(), visitFields())
    const deletedId = uuidv7()
    const deleted = mutation.put('visits', deletedId, visitFields({ needs: '后来删掉的' }))
    const results = await push(first, [kept, deleted, newIssue(), newIssue({ location: '1楼大门' })])
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied', 'applied', 'applied'])
    const [removal] = await push(first, [mutation.delete('visits', deletedId, (results[1] as { rev: number }).rev)])
    expect(removal?.status).toBe('applied')
    // Another leader's records in the same community are not this user's.
    const other = await login('leader2', PHONE)
    await push(other, [newIssue({ buildingId: 'b-qiaohu-32' })])

    const again = await login('leader1', PHONE)
    const seen = (await api.storage.listDevices('u-leader1')).find((d) => d.id === first.deviceId)
    expect(seen?.lastSeenAt).toEqual(expect.any(String))
    expect(again.earlierDevices).toEqual([
      { id: first.deviceId, name: PHONE, createdAt: seen!.createdAt, lastSeenAt: seen!.lastSeenAt, records: { visits: 1, issues: 2, inspections: 0 } },
    ])
  })

  it('leaves out devices of another name, devices that made nothing, and devices signed out or revoked', async () => {
    expect((await login('leader1', 'iPhone · Safari')).earlierDevices).toEqual([])

    const before = (await login('leader1', PHONE)).earlierDevices
    expect(before).toHaveLength(1)
    const signedOut = before[0]!
    // The phone that made records signs out: its leader ended that session on purpose.
    await api.storage.revokeDevice(signedOut.id, new Date().toISOString())
    expect((await login('leader1', PHONE)).earlierDevices).toEqual([])
  })
})

describeEngines('the migration that adds records.device_id', (engine: Engine) => {
  let db: Kysely<Database>
  let close = async () => {}
  beforeAll(async () => {
    ;({ db, close } = await openBareDatabase(engine))
  })
  afterAll(() => close())

  it('fills the column from each record stored before it, leaving reference rows without a device', async () => {
    const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } })
    expect((await migrator.migrateTo('0001-initial')).error).toBeUndefined()
    await db.transaction().execute(async (trx) => {
      const row = (id: string, rev: number, createdBy: string | null, data: object) =>
        sql`insert into records (table_name, id, community_id, building_id, created_by, rev, data, field_revs, deleted_at, updated_at)
            values (${createdBy ? 'visits' : 'buildings'}, ${id}, 'c-1', 'b-1', ${createdBy}, ${rev}, ${JSON.stringify(data)}, '{}', null, '2026-11-20T00:00:00.000Z')`.execute(trx)
      await row('b-1', 1, null, { id: 'b-1' })
      // More than one page of the backfill.
      for (let rev = 2; rev <= 503; rev++) await row(`v-${rev}`, rev, 'u-1', { id: `v-${rev}`, deviceId: rev % 2 ? 'd-odd' : 'd-even' })
    })

    await migrateToLatest(db)
    const counts = await db
      .selectFrom('records')
      .select(['device_id', (eb) => eb.fn.countAll<number | string>().as('n')])
      .groupBy('device_id')
      .execute()
    expect(Object.fromEntries(counts.map((c) => [String(c.device_id), Number(c.n)]))).toEqual({ 'd-even': 251, 'd-odd': 251, null: 1 })
  })
})
