import ExcelJS from 'exceljs'
import Fastify from 'fastify'
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ISSUE_CATEGORIES, ISSUE_STATUSES, VISIT_PURPOSES, type Community, type MonthlyReport, type Role } from '@/domain'
import { demoCommunity } from '@/domain/demo'
import { createContext, DEFAULT_LIMITS } from '@/server/context'
import { handleError } from '@/server/errors'
import { reportFileRoutes } from '@/server/routes/exports'
import type { Storage } from '@/server/storage/types'

/*
 * The monthly report's file routes with a stand-in for the server's aggregation (which another part of issue 8
 * builds): the route asks it for the community and month, and answers its report as a file. Who is calling is
 * set by the test, as the authenticate hook would.
 */

const zeros = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>
const report = (month: string): MonthlyReport => ({
  month,
  asOf: `${month}-30`,
  visits: { total: 3, byPurpose: zeros(VISIT_PURPOSES), byBuilding: [], careHouseholdsReached: 1, careHouseholds: 2 },
  issues: { opened: 0, byCategory: zeros(ISSUE_CATEGORIES), byStatus: zeros(ISSUE_STATUSES), medianHoursToAccept: null, medianHoursToResolve: null },
  inspections: { total: 0, byTemplate: [], failedItems: [] },
  coverage: { id: 'c-nanmen', label: '南门社区', households: 4, visited: 3, coverage: 0.75, careHouseholds: 2, careOverdue: 1, householdsOverdue: 1, followUpsOverdue: 0, leaders: [] },
})

const asked: Array<[string, string]> = []
const storage = { getCommunity: async (id: string) => (id === demoCommunity.id ? demoCommunity : undefined) } as unknown as Storage
const app = Fastify()

beforeAll(async () => {
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  app.setErrorHandler(handleError)
  app.decorateRequest('principal', null)
  app.addHook('onRequest', async (request) => {
    const role = request.headers['x-role'] as Role
    request.principal = { userId: 'u-1', deviceId: 'd-1', role, communityId: role === 'admin' ? null : demoCommunity.id, buildingIds: [] }
  })
  const monthlyReport = async (community: Community, month: string) => {
    asked.push([community.id, month])
    return report(month)
  }
  await app.register(reportFileRoutes, { ctx: createContext(storage, () => new Date(), DEFAULT_LIMITS), monthlyReport })
  await app.ready()
})
afterAll(() => app.close())

const get = (url: string, role: Role = 'office') => app.inject({ method: 'GET', url, headers: { 'x-role': role } })

describe('the monthly report file routes', () => {
  it("answer the community's report for the month as .xlsx and .csv, named for the office", async () => {
    const xlsx = await get('/communities/c-nanmen/report.xlsx?month=2026-11')
    expect(xlsx.statusCode, xlsx.body).toBe(200)
    expect(asked).toEqual([['c-nanmen', '2026-11']])
    expect(xlsx.headers['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent('南门社区2026年11月月报.xlsx')}`)
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer)
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['走访', '诉求', '巡查', '覆盖率'])
    expect(workbook.getWorksheet('走访')!.getRow(2).values).toEqual([undefined, '合计', '走访次数', 3])

    const csv = await get('/communities/c-nanmen/report.csv?month=2026-10', 'admin')
    expect(csv.statusCode).toBe(200)
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8')
    expect([...csv.rawPayload.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    expect(asked.at(-1)).toEqual(['c-nanmen', '2026-10'])
  })

  it('refuse leaders, a bad month and another community, without asking for a report', async () => {
    const before = asked.length
    expect((await get('/communities/c-nanmen/report.xlsx?month=2026-11', 'leader')).statusCode).toBe(403)
    expect((await get('/communities/c-nanmen/report.xlsx?month=2026-13')).statusCode).toBe(400)
    expect((await get('/communities/c-nanmen/report.csv')).statusCode).toBe(400)
    expect((await get('/communities/c-other/report.csv?month=2026-11')).statusCode).toBe(404)
    expect(asked.length).toBe(before)
  })
})
