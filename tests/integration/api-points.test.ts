import ExcelJS from 'exceljs'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { careHouseholds, DEFAULT_POINT_RULES, DEFAULT_VISIT_INTERVALS, uuidv7, type Mutation, type MutationResult, type PointAdjustment, type PointsMonth } from '@/domain'
import { demoHouseholds, demoResidents } from '@/domain/demo'
import { inspectionFields, visitFields } from '../fixtures'
import { mutation } from '../fixtures/mutations'
import { describeEngines, expectSafeAnswer, newIssue, pushBody, startApi, type TestApi } from './api'

/*
 * Volunteer points on the server: the office's ranking derived from the leaders' records, its adjustments
 * with a reason, the recognition list, and each leader's phone pulling its own adjustments only.
 */

const A = 'c-nanmen'
type Caller = { token: string; deviceId: string }

// In leader1's buildings: one household a care interval singles out, one it does not.
const care = careHouseholds(demoResidents, DEFAULT_VISIT_INTERVALS)
const leader1Households = demoHouseholds.filter((h) => h.buildingId === 'b-nanmen-115-2' || h.buildingId === 'b-nanmen-117')
const careHousehold = leader1Households.find((h) => care.has(h.id))!
const plainHousehold = leader1Households.find((h) => !care.has(h.id))!
const leader2Household = demoHouseholds.find((h) => h.buildingId === 'b-qiaohu-32' && !care.has(h.id))!

const visit = (householdId: string, buildingId: string, visitedAt: string) => mutation.put('visits', uuidv7(), visitFields({ householdId, buildingId, visitedAt, residentIds: [] }))

describeEngines('volunteer points', (engine) => {
  let api: TestApi
  const now = new Date('2026-11-20T04:00:00.000Z')
  let office: Caller
  let officeB: Caller
  let admin: Caller
  let leader1: Caller
  let leader2: Caller

  async function push(who: Caller, mutations: Mutation[]): Promise<MutationResult[]> {
    const answer = await api.call('POST', '/api/v1/sync/push', { token: who.token, json: pushBody(who.deviceId, mutations) })
    expect(answer.status, answer.body).toBe(200)
    const results = (answer.json as { results: MutationResult[] }).results
    expect(results.map((r) => r.status)).toEqual(mutations.map(() => 'applied'))
    return results
  }
  const points = (who: Caller, query = '?month=2026-11', community = A) => api.call('GET', `/api/v1/communities/${community}/points${query}`, { token: who.token })
  const adjust = (who: Caller, body: unknown, community = A) => api.call('POST', `/api/v1/communities/${community}/points/adjustments`, { token: who.token, json: body })
  const adjustmentRows = async () => (await api.tables().selectFrom('records').select('id').where('table_name', '=', 'pointAdjustments').execute()).length
  const audited = (action: string) => api.tables().selectFrom('audit_events').selectAll().where('action', '=', action).orderBy('id').execute()
  const standing = (month: PointsMonth) => month.ranking.map((s) => `${s.rank} ${s.displayName} ${s.total}`)

  beforeAll(async () => {
    api = await startApi(engine, { clock: () => now })
    office = await api.login('office1')
    officeB = await api.login('office2')
    admin = await api.login('admin1')
    leader1 = await api.login('leader1')
    leader2 = await api.login('leader2')
    // A typhoon campaign over one of leader1's buildings, due in five days.
    const launched = await api.call('POST', `/api/v1/communities/${A}/campaigns`, {
      token: office.token,
      json: { title: '台风前防台风检查', templateId: 't-typhoon', buildingIds: ['b-nanmen-115-2'], deadline: '2026-11-25T00:00:00.000Z' },
    })
    expect(launched.status, launched.body).toBe(201)
    const campaignId = (launched.json as { id: string }).id
    const inspected = (buildingId: string) =>
      mutation.put('inspections', uuidv7(), inspectionFields({ buildingId, templateId: 't-typhoon', templateVersion: 1, campaignId, startedAt: '2026-11-19T01:00:00.000Z', completedAt: '2026-11-19T02:00:00.000Z' }))
    const report = newIssue({ buildingId: 'b-nanmen-115-2' })
    await push(leader1, [
      visit(plainHousehold.id, plainHousehold.buildingId, '2026-11-03T02:00:00.000Z'),
      visit(careHousehold.id, careHousehold.buildingId, '2026-11-04T02:00:00.000Z'),
      // 23:59 on 31 October in Beijing, and the first minute of November.
      visit(plainHousehold.id, plainHousehold.buildingId, '2026-10-31T15:59:00.000Z'),
      visit(plainHousehold.id, plainHousehold.buildingId, '2026-10-31T16:00:00.000Z'),
      report,
      inspected('b-nanmen-115-2'),
      // Naming the campaign in a building it does not cover: an inspection, no task.
      inspected('b-nanmen-117'),
    ])
    await push(office, [mutation.status(report.recordId, 'accepted'), mutation.status(report.recordId, 'in_progress'), mutation.status(report.recordId, 'resolved', '窗户已换好')])
    await push(leader2, [visit(leader2Household.id, 'b-qiaohu-32', '2026-11-05T02:00:00.000Z'), visit(leader2Household.id, 'b-qiaohu-32', '2026-11-06T02:00:00.000Z')])
  })
  afterAll(() => api.close())

  it('ranks the month’s leaders by the points their records earn, each with the breakdown per kind', async () => {
    const answer = await points(office)
    expect(answer.status, answer.body).toBe(200)
    const month = answer.json as PointsMonth
    // leader1: two plain visits (1 each), a care visit (2), a report filed (1) and resolved (2), two inspections
    // (2 each), one of them the campaign's task on time (3); leader2: two visits.
    expect(standing(month)).toEqual(['1 演示楼长 14', '2 二号楼长 2'])
    expect(month.ranking[0]).toMatchObject({
      userId: 'u-leader1',
      buildings: expect.arrayContaining([expect.any(String)]),
      byKind: {
        visit: { count: 2, points: 2 },
        careVisit: { count: 1, points: 2 },
        reportFiled: { count: 1, points: 1 },
        reportResolved: { count: 1, points: 2 },
        inspection: { count: 2, points: 4 },
        campaignOnTime: { count: 1, points: 3 },
      },
    })
    expect(month.rules).toEqual(DEFAULT_POINT_RULES)
    const october = (await points(office, '?month=2026-10')).json as PointsMonth
    expect(standing(october)).toEqual(['1 演示楼长 1', '2 二号楼长 0'])
    // Asked again, the same, to the byte.
    expect((await points(office)).body).toBe(answer.body)
  })

  it('refuses leaders and other communities, and a malformed month', async () => {
    expect((await points(leader1)).status).toBe(403)
    expect((await points(officeB)).status).toBe(404)
    expect((await points(office, '?month=2026-13')).status).toBe(400)
    expect((await points(office, '?month=202611')).status).toBe(400)
    expect((await points(admin)).status).toBe(200)
  })

  const good = { userId: 'u-leader2', month: '2026-11', points: 6, reason: '协助社区疫苗接种登记' }

  it('refuses a bad adjustment and writes nothing', async () => {
    const before = await adjustmentRows()
    const refusals = [
      [leader1, good, A, 403],
      [officeB, good, A, 404],
      [office, { ...good, points: 0 }, A, 400],
      [office, { ...good, points: 1.5 }, A, 400],
      [office, { ...good, reason: '' }, A, 400],
      [office, { ...good, reason: undefined }, A, 400],
      [office, { ...good, userId: 'u-nobody' }, A, 400],
      // Not a leader, and a leader of another community.
      [office, { ...good, userId: 'u-office1' }, A, 400],
      [admin, { ...good, userId: 'u-leader2' }, 'c-other', 404],
      [office, { ...good, month: '2026-1' }, A, 400],
      [office, { ...good, month: '2026-12' }, A, 400],
    ] as const
    for (const [who, body, community, status] of refusals) expect((await adjust(who, body, community)).status, JSON.stringify(body)).toBe(status)
    expect(await adjustmentRows()).toBe(before)
    expect(await audited('points.adjust')).toEqual([])
  })

  let adjustment: PointAdjustment

  it('adds the office’s adjustment to the leader’s month, with its reason, by whom and when, and audits it', async () => {
    const answer = await adjust(office, good)
    expect(answer.status, answer.body).toBe(201)
    adjustment = answer.json as PointAdjustment
    expect(adjustment).toMatchObject({ ...good, by: 'u-office1', at: now.toISOString() })
    const month = (await points(office)).json as PointsMonth
    expect(standing(month)).toEqual(['1 演示楼长 14', '2 二号楼长 8'])
    expect(month.ranking.find((s) => s.userId === 'u-leader2')!.byKind.adjustment).toEqual({ count: 1, points: 6 })
    expect(month.adjustments).toEqual([adjustment])
    expect(month.people['u-office1']).toBe('演示社区工作人员')
    const [event] = await audited('points.adjust')
    expect(event).toMatchObject({ actor_id: 'u-office1', community_id: A, target: 'u-leader2' })
    expect(JSON.parse(event!.detail)).toEqual({ month: '2026-11', points: 6, reason: '协助社区疫苗接种登记' })
  })

  it('pulls an adjustment to its leader’s phone only, and to the office', async () => {
    const pulled = async (who: Caller) => (await api.pullAll(who.token)).filter((c) => c.table === 'pointAdjustments').map((c) => c.record)
    expect(await pulled(leader2)).toEqual([adjustment])
    expect(await pulled(leader1)).toEqual([])
    expect(await pulled(office)).toEqual([adjustment])
  })

  it('takes the rules the office sets through the settings, keeps them when other settings change, and audits the change', async () => {
    const patch = (body: unknown) => api.call('PATCH', `/api/v1/communities/${A}/settings`, { token: office.token, json: body })
    const changed = await patch({ points: { visit: 3, careVisit: 0 } })
    expect(changed.status, changed.body).toBe(200)
    expect((changed.json as { points: unknown }).points).toEqual({ ...DEFAULT_POINT_RULES, visit: 3, careVisit: 0 })
    expect((await patch({ silentDeviceDays: 5 })).status).toBe(200)
    expect((await patch({ points: { visit: -1 } })).status).toBe(400)
    const month = (await points(office)).json as PointsMonth
    expect(month.rules).toEqual({ ...DEFAULT_POINT_RULES, visit: 3, careVisit: 0 })
    // leader1: 2 visits × 3, the care visit now worth nothing, 1 + 2 for the report, 4 + 3 for the inspections;
    // leader2: 2 × 3 + 6.
    expect(standing(month)).toEqual(['1 演示楼长 16', '2 二号楼长 12'])
    const events = await audited('settings.change')
    // One clock instant: the events' order within it is not told.
    expect(events).toHaveLength(2)
    expect(events.map((e) => JSON.parse(e.detail) as unknown)).toEqual(expect.arrayContaining([
      { fields: ['points'], points: Object.entries({ ...DEFAULT_POINT_RULES, visit: 3, careVisit: 0 }).map(([k, v]) => `${k}=${v}`) },
      { fields: ['silentDeviceDays'], points: null },
    ]))
  })

  it('exports the recognition list of the month', async () => {
    const download = async (who: Caller, month: string) => {
      const response = await api.app.inject({ method: 'GET', url: `/api/v1/communities/${A}/points/export.xlsx?month=${month}`, headers: { authorization: `Bearer ${who.token}` } })
      let json: unknown
      try {
        json = JSON.parse(response.body)
      } catch {
        json = undefined
      }
      expectSafeAnswer({ status: response.statusCode, headers: response.headers, body: response.body, json }, `GET points export ${month}`)
      return response
    }
    expect((await download(leader1, '2026-11')).statusCode).toBe(403)
    expect((await download(office, 'november')).statusCode).toBe(400)
    const response = await download(office, '2026-11')
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-disposition']).toContain(encodeURIComponent('表彰名单'))
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(response.rawPayload as unknown as ArrayBuffer)
    const rows = workbook.worksheets[0]!.getSheetValues().slice(1).map((row) => (row as unknown[]).slice(1))
    expect(rows[0]).toEqual(['排名', '楼长', '负责楼栋', '积分', '走访一户（次）', '走访关爱对象（次）', '上报诉求（次）', '诉求办结（次）', '完成巡查（次）', '按时完成巡查任务（次）', '表决入户（次）', '调解成功（次）', '社区调整（分）'])
    expect(rows.slice(1).map((row) => [row[0], row[1], row[3], ...row.slice(4)])).toEqual([
      // The care visit is worth nothing now, so it is not on the list.
      [1, '演示楼长', 16, 2, 0, 1, 1, 2, 1, 0, 0, 0],
      [2, '二号楼长', 12, 2, 0, 0, 0, 0, 0, 0, 0, 6],
    ])
  })
})
