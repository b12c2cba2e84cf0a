import { afterAll, beforeAll, expect, it } from 'vitest'
import { uuidv7, type Mediation, type Mutation, type MutationResult, type PointsMonth } from '@/domain'
import { demoHouseholds } from '@/domain/demo'
import { mediationFields, mediationSession } from '../fixtures/mediation'
import { mutation } from '../fixtures/mutations'
import { describeEngines, pushBody, startApi, type TestApi } from './api'

/*
 * Mediation cases on the server: private to the building's leaders and the office, as every record is by its
 * building, with their own rules (parties of the building, sessions only appended), and points for a settled case.
 */

const A = 'c-nanmen'
const building = 'b-nanmen-115-2'
type Caller = { token: string; deviceId: string }
const outcome = (r: MutationResult) => (r.status === 'rejected' ? `rejected:${r.code}` : r.status)

describeEngines('mediation cases', (engine) => {
  let api: TestApi
  const now = new Date('2026-11-20T04:00:00.000Z')
  let office: Caller
  let officeB: Caller
  let leader1: Caller
  let leader2: Caller
  const id = uuidv7()
  const session = mediationSession()

  async function push(who: Caller, mutations: Mutation[]): Promise<string[]> {
    const answer = await api.call('POST', '/api/v1/sync/push', { token: who.token, json: pushBody(who.deviceId, mutations) })
    expect(answer.status, answer.body).toBe(200)
    return (answer.json as { results: MutationResult[] }).results.map(outcome)
  }
  const pulled = async (who: Caller) => (await api.pullAll(who.token)).filter((c) => c.table === 'mediations').map((c) => c.record as Mediation)
  const stored = async () => (await pulled(leader1)).find((m) => m.id === id)!

  beforeAll(async () => {
    api = await startApi(engine, { clock: () => now })
    office = await api.login('office1')
    officeB = await api.login('office2')
    leader1 = await api.login('leader1')
    leader2 = await api.login('leader2')
  })
  afterAll(() => api.close())

  it('is opened by a leader of the building about its households, and seen only by that building’s leaders and the office', async () => {
    expect(await push(leader1, [mutation.put('mediations', id, mediationFields({ buildingId: building, sessions: [session] }))])).toEqual(['applied'])
    expect((await pulled(leader1)).map((m) => m.id)).toEqual([id])
    expect((await pulled(office)).map((m) => [m.id, m.description])).toEqual([[id, '楼上夜里装修，楼下睡不着']])
    // Another building's leader's phone never pulls it, nor does another community's office.
    expect(await pulled(leader2)).toEqual([])
    expect(await pulled(officeB)).toEqual([])
    const audits = await api.tables().selectFrom('audit_events').select(['actor_id', 'rows']).where('action', '=', 'mediations.read').execute()
    expect(audits).toEqual([{ actor_id: 'u-office1', rows: 1 }])
  })

  it('is written by nobody but its creator, and never about another building’s household', async () => {
    const current = await stored()
    expect(await push(leader2, [mutation.put('mediations', id, { description: '改一下' }, current.rev!)])).toEqual(['rejected:forbidden'])
    expect(await push(leader2, [mutation.delete('mediations', id, current.rev!)])).toEqual(['rejected:forbidden'])
    expect(await push(office, [mutation.put('mediations', id, { description: '改一下' }, current.rev!)])).toEqual(['rejected:forbidden'])
    expect(await push(leader2, [mutation.put('mediations', uuidv7(), mediationFields({ buildingId: building }))])).toEqual(['rejected:forbidden'])
    const elsewhere = demoHouseholds.find((h) => h.buildingId === 'b-qiaohu-32')!
    const parties = [{ householdId: demoHouseholds.find((h) => h.buildingId === building)!.id, name: '' }, { householdId: elsewhere.id, name: '' }]
    expect(await push(leader1, [mutation.put('mediations', uuidv7(), mediationFields({ buildingId: building, parties }))])).toEqual(['rejected:invalid'])
    expect((await stored()).description).toBe('楼上夜里装修，楼下睡不着')
  })

  it('keeps its sessions, and settled earns its creator the mediation points in the outcome’s month', async () => {
    const current = await stored()
    expect(await push(leader1, [mutation.put('mediations', id, { sessions: [] }, current.rev!)])).toEqual(['rejected:invalid'])
    const settledAt = '2026-11-20T03:00:00.000Z'
    const settle = { sessions: [session, mediationSession()], outcome: 'settled', outcomeAt: settledAt }
    expect(await push(leader1, [mutation.put('mediations', id, settle, current.rev!)])).toEqual(['applied'])
    expect(await stored()).toMatchObject({ outcome: 'settled', outcomeAt: settledAt })
    const month = (await api.call('GET', `/api/v1/communities/${A}/points?month=2026-11`, { token: office.token })).json as PointsMonth
    expect(month.ranking.find((s) => s.userId === 'u-leader1')?.byKind.mediation).toEqual({ count: 1, points: 3 })
  })
})
