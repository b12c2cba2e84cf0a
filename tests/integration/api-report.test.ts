import ExcelJS from 'exceljs'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type Coverage, type MonthlyReport } from '@/domain'
import { describeEngines, startApi, type TestApi } from './api'
import { field, NOW, seedField, TODAY, users } from './field'

const zeros = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>
const purposes = ['policy_promotion', 'community_counselling', 'opinion_collection', 'dispute_mediation', 'property_assistance'] as const
const categories = ['repair', 'safety_hazard', 'sanitation', 'dispute', 'property_management', 'elevator', 'elderly_care', 'policy_question', 'other'] as const
const statuses = ['submitted', 'accepted', 'in_progress', 'resolved', 'closed', 'rejected'] as const

describeEngines('monthly report', (engine) => {
  let api: TestApi
  let office: string
  beforeAll(async () => {
    api = await startApi(engine, { clock: () => NOW })
    await seedField(api.storage)
    office = (await api.login(users.office.username)).token
  })
  afterAll(() => api?.close())

  const get = async (path: string) => {
    const answer = await api.call('GET', `/api/v1/communities/${field.id}/${path}`, { token: office })
    expect(answer.status, answer.body).toBe(200)
    return answer.json
  }

  it('counts a month in China days: visits, reports, inspections and coverage', async () => {
    const report = (await get('report?month=2026-11')) as MonthlyReport
    expect(report).toEqual({
      month: '2026-11',
      asOf: '2026-11-30',
      visits: {
        // The visit of 1 November 07:30 in Beijing (31 October in UTC) counts; the one of 1 December 00:30 and the deleted one do not.
        total: 5,
        byPurpose: { ...zeros(purposes), policy_promotion: 1, community_counselling: 1, dispute_mediation: 2, property_assistance: 1 },
        byBuilding: [
          { buildingId: 'b-a', label: '东风路1号', count: 4 },
          { buildingId: 'b-b', label: '东风路3号 · 之二', count: 1 },
          { buildingId: 'b-c', label: '东风路5号', count: 0 },
        ],
        careHouseholdsReached: 1,
        careHouseholds: 2,
      },
      issues: {
        opened: 3,
        byCategory: { ...zeros(categories), repair: 2, safety_hazard: 1 },
        byStatus: { ...zeros(statuses), accepted: 1, resolved: 1, rejected: 1 },
        // Accepted after 2 and 6 hours; the returned report was never accepted.
        medianHoursToAccept: 4,
        medianHoursToResolve: 48,
      },
      inspections: {
        total: 3,
        byTemplate: [
          { templateId: 't-fire', title: '防火检查', count: 2, failed: 2 },
          { templateId: 't-sanitation', title: '卫生检查', count: 1, failed: 0 },
        ],
        // Labelled as the newest version words them.
        failedItems: [
          { templateId: 't-fire', itemId: 'corridor', label: '楼道没有堆放杂物', count: 2 },
          { templateId: 't-fire', itemId: 'extinguisher', label: '灭火器在有效期', count: 1 },
        ],
      },
      coverage: (await (get('coverage?month=2026-11') as Promise<Coverage>)).total,
    })
  })

  it('counts the running month, and a month with nothing in it', async () => {
    const december = (await get('report?month=2026-12')) as MonthlyReport
    expect(december.asOf).toBe(TODAY)
    expect(december.visits).toMatchObject({ total: 2, byPurpose: { ...zeros(purposes), opinion_collection: 1, policy_promotion: 1 } })
    expect(december.issues).toMatchObject({ opened: 1, byCategory: { ...zeros(categories), sanitation: 1 }, medianHoursToAccept: 1, medianHoursToResolve: null })
    expect(december.inspections).toEqual({ total: 1, byTemplate: [{ templateId: 't-fire', title: '防火检查', count: 1, failed: 1 }], failedItems: [{ templateId: 't-fire', itemId: 'exit', label: '安全出口畅通', count: 1 }] })

    const empty = (await get('report?month=2025-01')) as MonthlyReport
    expect(empty.visits.total + empty.issues.opened + empty.inspections.total).toBe(0)
    expect(empty.issues).toMatchObject({ medianHoursToAccept: null, medianHoursToResolve: null })
    expect(empty.coverage).toMatchObject({ households: 6, visited: 0, coverage: 0, householdsOverdue: 6 })
  })

  /** A file route's answer, bytes and all (`call` keeps only text). */
  const file = (path: string, token = office) =>
    api.app.inject({ method: 'GET', url: `/api/v1/communities/${field.id}/${path}`, headers: { authorization: `Bearer ${token}` } })

  it('gives the same report as a file: .xlsx sheets with the figures, .csv with a BOM', async () => {
    const report = (await get('report?month=2026-11')) as MonthlyReport
    const xlsx = await file('report.xlsx?month=2026-11')
    expect(xlsx.statusCode, xlsx.body).toBe(200)
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer)
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(['走访', '诉求', '巡查', '覆盖率'])
    expect(workbook.getWorksheet('走访')!.getRow(2).values).toEqual([undefined, '合计', '走访次数', report.visits.total])

    const csv = await file('report.csv?month=2026-11')
    expect(csv.statusCode).toBe(200)
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8')
    expect([...csv.rawPayload.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    expect(csv.rawPayload.toString('utf8')).toContain(`合计,走访次数,${report.visits.total}`)
  })

  it('refuses the report file to a leader, for a bad or missing month and for another community', async () => {
    const leader = (await api.login(users.leaderA.username)).token
    expect((await file('report.xlsx?month=2026-11', leader)).statusCode).toBe(403)
    expect((await file('report.xlsx?month=2026-13')).statusCode).toBe(400)
    expect((await file('report.xlsx?month=9999-12')).statusCode).toBe(400)
    expect((await file('report.csv')).statusCode).toBe(400)
    const other = await api.app.inject({ method: 'GET', url: '/api/v1/communities/c-nowhere/report.csv?month=2026-11', headers: { authorization: `Bearer ${office}` } })
    expect(other.statusCode).toBe(404)
  })
})
