import { Migrator, sql, type Kysely } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { uuidv7, type Change, type ChecklistTemplate, type Mutation, type MutationResult } from '@/domain'
import { demoTemplates } from '@/domain/demo'
import { hashPassword } from '@/server/auth/passwords'
import { DEMO_PASSWORD } from '@/server/seed'
import { KyselyStorage } from '@/server/storage/kysely-storage'
import { migrateToLatest, MIGRATIONS } from '@/server/storage/migrations'
import type { Database } from '@/server/storage/schema'
import type { MemberPrincipal } from '@/server/storage/types'
import { inspectionFields } from '../fixtures'
import { incoming, mutation } from '../fixtures/mutations'
import { openBareDatabase } from './bare-database'
import { describeEngines, pushBody, startApi, type TestApi } from './api'

/** Checklist templates are each community's own: ids are the office's slugs, and two communities may pick the same. */

const A = 'c-nanmen'
const B = 'c-other'
const fireA = demoTemplates[0]!
const at = (day: number) => `2026-11-${String(day).padStart(2, '0')}T08:00:00.000Z`

type Caller = { token: string; deviceId: string }

describeEngines('checklist templates per community', (engine) => {
  let api: TestApi
  let officeA: Caller
  let officeB: Caller
  let leaderA: Caller
  let leaderB: Caller

  beforeAll(async () => {
    api = await startApi(engine)
    await api.storage.putReference(B, 'communities', [{ id: B, name: '北门社区' }])
    await api.storage.putReference(B, 'grids', [{ id: 'g-beimen-1', communityId: B, name: '北门第一网格' }])
    await api.storage.putReference(B, 'buildings', [{ id: 'b-beimen-1', gridId: 'g-beimen-1', communityId: B, address: '北门路1号', name: '', floors: 6 }])
    const passwordHash = await hashPassword(DEMO_PASSWORD)
    await api.storage.createUser({ id: 'u-leaderB', username: 'leaderb', displayName: '北门楼长', role: 'leader', communityId: B, buildingIds: ['b-beimen-1'], passwordHash })
    officeA = await api.login('office1')
    officeB = await api.login('office2')
    leaderA = await api.login('leader1')
    leaderB = await api.login('leaderb')
  })
  afterAll(() => api.close())

  async function push(who: Caller, mutations: Mutation[]): Promise<MutationResult[]> {
    const answer = await api.call('POST', '/api/v1/sync/push', { token: who.token, json: pushBody(who.deviceId, mutations) })
    expect(answer.status, answer.body).toBe(200)
    return (answer.json as { results: MutationResult[] }).results
  }

  const templatesOf = async (who: Caller): Promise<Change[]> => (await api.pullAll(who.token)).filter((c) => c.table === 'templates')
  /** A refusal with the names of what it was about left out: what it tells the caller beyond them. */
  const shape = (result: MutationResult | undefined, ...names: string[]) =>
    result?.status === 'rejected' ? { code: result.code, message: names.reduce((m, name) => m.replaceAll(name, '…'), result.message) } : result?.status

  it('lets two communities publish the same template id, each pulling only its own', async () => {
    const mineB: ChecklistTemplate = { ...fireA, title: '北门楼道消防', publishedAt: at(20) }
    // A has fireA at version 1: to B that id is new, as any other.
    expect(await push(officeB, [mutation.publish(mineB)])).toMatchObject([{ status: 'applied' }])
    expect(await push(officeB, [mutation.publish({ ...mineB, id: 't-nobody-has-this' })])).toMatchObject([{ status: 'applied' }])

    const seenByA = await templatesOf(leaderA)
    expect(seenByA.find((c) => c.id === `${fireA.id}@1`)?.record).toMatchObject({ title: fireA.title })
    expect(seenByA.map((c) => c.record.title)).not.toContain(mineB.title)
    const seenByB = await templatesOf(officeB)
    expect(seenByB.map((c) => [c.id, c.record.title]).sort()).toEqual([
      [`${fireA.id}@1`, mineB.title],
      ['t-nobody-has-this@1', mineB.title],
    ])
  })

  it("answers another community's template id as it answers an id nobody has", async () => {
    // A moves on to version 3 of its own; B's copy is still at 1.
    expect(await push(officeA, [mutation.publish({ ...fireA, version: 3, publishedAt: at(21) })])).toMatchObject([{ status: 'applied' }])
    const onlyA = { ...fireA, id: 't-only-in-a', publishedAt: at(21) }
    expect(await push(officeA, [mutation.publish(onlyA)])).toMatchObject([{ status: 'applied' }])

    // Publishing: version 2 of B's own is newer than B's 1, whatever A has; A's id is new to B.
    const [ownNext, foreign, unknown] = await push(officeB, [
      mutation.publish({ ...fireA, version: 2, publishedAt: at(22) }),
      mutation.publish({ ...onlyA, version: 2 }),
      mutation.publish({ ...onlyA, id: 't-unknown', version: 2 }),
    ])
    expect([ownNext, foreign, unknown].map((r) => r?.status)).toEqual(['applied', 'applied', 'applied'])

    // Naming in an inspection: A's version 3 does not exist for B's leader, exactly like a template nobody made.
    const named = (templateId: string, templateVersion: number) =>
      mutation.put('inspections', uuidv7(), inspectionFields({ buildingId: 'b-beimen-1', templateId, templateVersion, answers: {} }))
    const [ofA, ofNobody] = await push(leaderB, [named(fireA.id, 3), named('t-unknown-too', 3)])
    expect(shape(ofA, fireA.id)).toEqual({ code: 'invalid', message: expect.any(String) })
    expect(shape(ofA, fireA.id)).toEqual(shape(ofNobody, 't-unknown-too'))
    // And B's own version of that id is there to follow.
    expect(await push(leaderB, [named(fireA.id, 2)])).toMatchObject([{ status: 'applied' }])
    // A's leader cannot follow B's version 2 of t-only-in-a, which A never published.
    const inA = (templateId: string) => mutation.put('inspections', uuidv7(), inspectionFields({ templateId, templateVersion: 2, answers: {} }))
    const [ofB, ofNobodyInA] = await push(leaderA, [inA(onlyA.id), inA('t-unknown-too')])
    expect(shape(ofB, onlyA.id)).toEqual({ code: 'invalid', message: expect.any(String) })
    expect(shape(ofB, onlyA.id)).toEqual(shape(ofNobodyInA, 't-unknown-too'))
  })

  it("carries the office's new version to the community's leaders, and no one else's", async () => {
    const v4 = { ...fireA, version: 4, title: '楼道消防（第四版）', publishedAt: at(23) }
    expect(await push(officeA, [mutation.publish(v4)])).toMatchObject([{ status: 'applied' }])
    expect((await templatesOf(leaderA)).find((c) => c.id === `${fireA.id}@4`)?.record).toEqual(v4)
    expect((await templatesOf(leaderB)).map((c) => c.id)).not.toContain(`${fireA.id}@4`)
    // A stale version is still refused within the community.
    expect(await push(officeA, [mutation.publish({ ...v4, version: 4 })])).toMatchObject([{ status: 'rejected', code: 'stale_template' }])
  })

  it('refuses a leader who publishes a template', async () => {
    const results = await push(leaderA, [mutation.publish({ ...fireA, version: 9, publishedAt: at(24) })])
    expect(results).toMatchObject([{ status: 'rejected', code: 'forbidden' }])
    expect((await templatesOf(officeA)).map((c) => c.id)).not.toContain(`${fireA.id}@9`)
  })
})

describeEngines('the migration that keys templates by community', (engine) => {
  let db: Kysely<Database>
  let close = async () => {}
  beforeAll(async () => {
    ;({ db, close } = await openBareDatabase(engine))
  })
  afterAll(() => close())

  it('keeps a template stored before it pulled under its id and found by the next publish', async () => {
    const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } })
    expect((await migrator.migrateTo('0005-attachment-uploads')).error).toBeUndefined()
    await sql`insert into records (table_name, id, community_id, building_id, created_by, device_id, rev, data, field_revs, deleted_at, updated_at)
              values ('templates', ${`${fireA.id}@1`}, ${A}, null, null, null, 1, ${JSON.stringify(fireA)}, '{}', null, ${at(1)})`.execute(db)
    await sql`update counter set value = 1 where id = 1`.execute(db)
    await migrateToLatest(db)

    const storage = new KyselyStorage({ db, blobs: 'inline' })
    const office: MemberPrincipal = { userId: 'u-office1', deviceId: 'd-office1', role: 'office', communityId: A, buildingIds: [] }
    const page = await storage.pull({ ...office, role: 'leader', userId: 'u-leader1' }, 0, 100)
    expect(page.changes).toEqual([{ table: 'templates', id: `${fireA.id}@1`, rev: 1, record: fireA }])
    const [again, next] = await storage.push(office, incoming(mutation.publish(fireA), mutation.publish({ ...fireA, version: 2 })), new Date(at(2)))
    expect(again).toMatchObject({ status: 'rejected', code: 'stale_template' })
    expect(next).toMatchObject({ status: 'applied' })
    const ids = await db.selectFrom('records').select('id').where('table_name', '=', 'templates').orderBy('id').execute()
    expect(ids.map((row) => row.id)).toEqual([`${A}/${fireA.id}@1`, `${A}/${fireA.id}@2`])
  })
})
