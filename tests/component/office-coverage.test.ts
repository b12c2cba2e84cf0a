import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { chinaMonth, CommunitySettings, CommunitySettingsChange, CommunitySummary, Coverage, CoverageHousehold, type CoverageRow, type User } from '@/domain'
import { db } from '@/app/db/database'
import { createOfficeApi, setOfficeApi } from '@/app/features/office/api'
import OfficeCoverage from '@/app/features/office/OfficeCoverage.vue'
import { mountWithApp } from './setup'

/*
 * The coverage page against a fetch double answering what src/domain/reports.ts says, each answer parsed
 * with the contract's schemas.
 */

const SLOW = { timeout: 8000 }
const SERVER = 'https://doorstep.example'
const office: User = { id: 'u-office1', username: 'office1', displayName: '社区办公室', role: 'office', communityId: 'c-nanmen', buildingIds: [] }

const row = (id: string, label: string, households: number, visited: number, leaders: CoverageRow['leaders'], overdue = 0): CoverageRow => ({
  id,
  label,
  households,
  visited,
  coverage: visited / households,
  careHouseholds: 1,
  careOverdue: overdue,
  householdsOverdue: households - visited,
  followUpsOverdue: overdue,
  leaders,
})
const wang = { id: 'u-leader1', displayName: '王芳' }
const coverage = (month: string) =>
  Coverage.parse({
    month,
    asOf: `${month}-10`,
    total: row('c-nanmen', '南门社区', 20, 9, []),
    byBuilding: [row('b-1', '南门路115号之二', 12, 9, [wang], 1), row('b-2', '桥湖街32号', 8, 0, [], 2)],
    byLeader: [row('u-leader1', '王芳', 12, 9, [])],
  })
const households = [
  CoverageHousehold.parse({ householdId: 'h-1', buildingId: 'b-2', entrance: '', unit: '101', residents: ['孙爷'], careTags: ['elderly_alone'], lastVisitDay: null, dueOn: null, needsVisit: true, visitedInMonth: false, followUpsOverdue: 0 }),
  CoverageHousehold.parse({ householdId: 'h-2', buildingId: 'b-2', entrance: '2', unit: '302', residents: ['钱姨'], careTags: [], lastVisitDay: '2026-11-02', dueOn: '2026-12-02', needsVisit: true, visitedInMonth: false, followUpsOverdue: 2 }),
]
let settings = CommunitySettings.parse({})

interface Call {
  method: string
  path: string
  query: URLSearchParams
  body: unknown
}

function serverDouble() {
  const calls: Call[] = []
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input))
    const method = init?.method ?? 'GET'
    const path = url.pathname.replace(/^\/api\/v1/, '')
    const body: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined
    calls.push({ method, path, query: url.searchParams, body })
    const answer = (json: unknown) => new Response(JSON.stringify(json), { status: 200, headers: { 'content-type': 'application/json' } })
    if (method === 'GET' && path === '/communities/c-nanmen/coverage') return answer(coverage(url.searchParams.get('month')!))
    if (method === 'GET' && path === '/communities/c-nanmen/coverage/households') return answer(households.filter((h) => h.buildingId === url.searchParams.get('buildingId')))
    if (method === 'GET' && path === '/communities') return answer([CommunitySummary.parse({ id: 'c-nanmen', name: '南门社区', settings, buildings: 2, households: 20, residents: 40, accounts: 3 })])
    if (method === 'PATCH' && path === '/communities/c-nanmen/settings') {
      settings = CommunitySettings.parse({ ...settings, ...CommunitySettingsChange.parse(body) })
      return answer(settings)
    }
    return new Response(JSON.stringify({ error: 'not_found', message: 'no such route' }), { status: 404 })
  })
  setOfficeApi(createOfficeApi({ session: async () => ({ serverUrl: SERVER, token: 'office-token' }), fetch }))
  return calls
}

beforeEach(async () => {
  settings = CommunitySettings.parse({})
  await db.meta.bulkPut([
    { key: 'user', value: JSON.stringify(office) },
    { key: 'userId', value: office.id },
  ])
})
afterEach(() => setOfficeApi(undefined))

describe('the coverage page', { timeout: 30_000 }, () => {
  it('shows this month by building, brings up the buildings with no leader, and opens their households', async () => {
    const calls = serverDouble()
    const { wrapper } = await mountWithApp(OfficeCoverage, { route: '/office/coverage' })
    const cells = () => wrapper.findAll('.office-coverage__table tbody tr').map((tr) => tr.findAll('td').map((td) => td.text()))

    await vi.waitFor(() => expect(cells()).toHaveLength(2), SLOW)
    expect(calls[0]!.query.get('month')).toBe(chinaMonth())
    expect(cells()).toEqual([
      ['南门路115号之二', '王芳', '12', '9', '75%', '1', '3', '1'],
      ['桥湖街32号', '无楼长', '8', '0', '0%', '2', '8', '2'],
    ])
    expect(wrapper.find('.office-coverage__total').text()).toContain('全社区：9/20 户已走访（45%）')

    await wrapper.find('.office-coverage__unled .el-switch').trigger('click')
    await vi.waitFor(() => expect(cells().map((c) => c[0])).toEqual(['桥湖街32号']), SLOW)

    await wrapper.find('.office-coverage__table tbody tr').trigger('click')
    const drawer = () => wrapper.find('.office-coverage__households')
    await vi.waitFor(() => expect(drawer().findAll('tbody tr')).toHaveLength(2), SLOW)
    expect(calls.at(-1)).toMatchObject({ path: '/communities/c-nanmen/coverage/households' })
    expect(calls.at(-1)!.query.get('buildingId')).toBe('b-2')
    const [first, second] = drawer().findAll('tbody tr').map((tr) => tr.text())
    expect(first).toContain('孙爷')
    expect(first).toContain('独居老人')
    expect(first).toContain('没走访过')
    expect(second).toContain('2-302')
    expect(second).toContain('2026-12-02')
    expect(second).toContain('逾期未回访 2 条')
  })

  it('shows the leaders on their tab', async () => {
    serverDouble()
    const { wrapper } = await mountWithApp(OfficeCoverage, { route: '/office/coverage' })
    await vi.waitFor(() => expect(wrapper.findAll('.office-coverage__table tbody tr')).toHaveLength(2), SLOW)
    await wrapper.findAll('.el-tabs__item').find((tab) => tab.text() === '按楼长')!.trigger('click')
    await vi.waitFor(() => expect(wrapper.findAll('.office-coverage__table tbody tr').map((tr) => tr.find('td').text())).toEqual(['王芳']), SLOW)
    expect(wrapper.find('.office-coverage__unled').exists()).toBe(false)
  })

  it('sets the visit intervals, how long phones keep old work and whether they must be locked, and counts again', async () => {
    const calls = serverDouble()
    const { wrapper } = await mountWithApp(OfficeCoverage, { route: '/office/coverage' })
    await vi.waitFor(() => expect(wrapper.findAll('.office-coverage__table tbody tr')).toHaveLength(2), SLOW)

    await wrapper.find('.office-coverage-settings__open').trigger('click')
    const input = (name: string) => wrapper.find(`.office-coverage-settings input[name="${name}"]`)
    await vi.waitFor(() => expect((input('visitIntervalDays').element as HTMLInputElement).value).toBe('30'), SLOW)
    expect((input('care-elderly_alone').element as HTMLInputElement).value).toBe('7')
    expect((input('care-tenant').element as HTMLInputElement).value).toBe('')

    await input('visitIntervalDays').setValue('21')
    await input('visitIntervalDays').trigger('change')
    await input('care-low_income').setValue('')
    await input('care-low_income').trigger('change')
    expect((input('retentionMonths').element as HTMLInputElement).value).toBe('12')
    await input('retentionMonths').setValue('6')
    await input('retentionMonths').trigger('change')
    // The lock is required unless the office turns it off.
    expect((input('appLock').element as HTMLInputElement).checked).toBe(true)
    await wrapper.find('.office-coverage-settings .el-switch').trigger('click')
    expect((input('appLock').element as HTMLInputElement).checked).toBe(false)
    await wrapper.find('.office-coverage-settings__save').trigger('click')

    await vi.waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true), SLOW)
    expect(calls.find((c) => c.method === 'PATCH')!.body).toEqual({ visitIntervalDays: 21, careIntervalDays: { elderly_alone: 7, disabled: 14 }, silentDeviceDays: 3, retentionMonths: 6, appLock: 'optional' })
    await vi.waitFor(() => expect(calls.filter((c) => c.path === '/communities/c-nanmen/coverage')).toHaveLength(2), SLOW)
    expect(settings.appLock).toBe('optional')
    // Opened again, the dialog shows what the server holds now (another office worker required the lock again).
    settings = { ...settings, retentionMonths: 24, appLock: 'required' }
    await wrapper.find('.office-coverage-settings__open').trigger('click')
    await vi.waitFor(() => expect((input('retentionMonths').element as HTMLInputElement).value).toBe('24'), SLOW)
    expect((input('appLock').element as HTMLInputElement).checked).toBe(true)
  })
})
