import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ElDatePicker, ElSelect } from 'element-plus'
import { BuildingSummary, type User } from '@/domain'
import { db } from '@/app/db/database'
import { demoCommunity } from '@/domain/demo'
import { createOfficeApi, setOfficeApi } from '@/app/features/office/api'
import OfficeReport from '@/app/features/office/report/OfficeReport.vue'
import { monthlyReportFixture } from '../fixtures/report'
import { mountWithApp } from './setup'

/*
 * The report page against a fetch double standing for the server's GET /communities/:id/report, which answers
 * a MonthlyReport (src/domain/reports.ts), and its file routes, which answer bytes.
 */

const SLOW = { timeout: 8000 }
const office: User = { id: 'u-office1', username: 'office1', displayName: '社区办公室', role: 'office', communityId: 'c-nanmen', buildingIds: [] }
const SERVER = 'https://doorstep.example'

const reportOf = (month: string, visits: number) =>
  monthlyReportFixture(month, {
    total: visits,
    byPurpose: { policy_promotion: visits - 4, community_counselling: 0, opinion_collection: 4, dispute_mediation: 0, property_assistance: 0 },
    byBuilding: [
      { buildingId: 'b-nanmen-115-2', label: '南门路115号之二', count: visits - 10 },
      { buildingId: 'b-qiaohu-32', label: '桥湖路32号', count: 10 },
    ],
  })

const buildings = [BuildingSummary.parse({ id: 'b-qiaohu-32', gridId: 'g-1', address: '桥湖路32号', name: '供销社宿舍', households: 8, residents: 20, leaders: [] })]

/** Every request the page made, as path with query. */
let requests: string[] = []

beforeEach(async () => {
  requests = []
  await db.meta.bulkPut([
    { key: 'user', value: JSON.stringify(office) },
    { key: 'userId', value: office.id },
  ])
  await db.communities.put(demoCommunity)
  const fetch = vi.fn(async (input: RequestInfo | URL) => {
    const url = new URL(String(input))
    const path = url.pathname.replace(/^\/api\/v1/, '')
    requests.push(`${path}${url.search}`)
    if (path === '/communities/c-nanmen/report') {
      const month = url.searchParams.get('month')!
      return Response.json(reportOf(month, month === '2026-10' ? 30 : 42))
    }
    if (path === '/communities/c-nanmen/buildings') return Response.json(buildings)
    if (path.startsWith('/communities/c-nanmen/exports/') || path.startsWith('/communities/c-nanmen/report.')) {
      // The server names the file (in Chinese, as an office saves it); the page keeps that name.
      const name = encodeURIComponent(`服务器起的名字-${path.split('/').pop()}`)
      return new Response(new Blob(['file']), { headers: { 'content-disposition': `attachment; filename="file"; filename*=UTF-8''${name}` } })
    }
    return Response.json({ error: 'not_found', message: 'no such route' }, { status: 404 })
  })
  setOfficeApi(createOfficeApi({ session: async () => ({ serverUrl: SERVER, token: 'office-token' }), fetch }))
})
afterEach(() => {
  setOfficeApi(undefined)
  vi.useRealTimers()
  vi.restoreAllMocks()
})

describe('the report page', { timeout: 30_000 }, () => {
  it("shows the month's figures and a bar per value, and reads another month when one is picked", async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-11-20T04:00:00Z') })
    const { wrapper } = await mountWithApp(OfficeReport, { route: '/office/report' })
    const figure = (name: string) => wrapper.find(`[data-figure="${name}"]`).text()

    await vi.waitFor(() => expect(figure('visits')).toBe('42'), SLOW)
    expect(requests).toContain('/communities/c-nanmen/report?month=2026-11')
    expect(figure('coverage')).toBe('62.5%')
    expect(figure('care')).toBe('7 / 9 户')
    expect(figure('issues')).toBe('6')
    expect(figure('toAccept')).toBe('5.3 小时')
    expect(figure('toResolve')).toBe('暂无')
    expect(wrapper.text()).toContain('统计到 2026-11-30')

    const bars = (chart: string) =>
      wrapper.findAll(`[data-chart="${chart}"] .report-bars__row`).map((row) => [row.find('.report-bars__label').text(), row.find('.report-bars__value').text()])
    expect(bars('byPurpose')).toEqual([
      ['政策宣讲', '38'],
      ['社区参议', '0'],
      ['收集民意', '4'],
      ['矛盾调解', '0'],
      ['物业协管', '0'],
    ])
    expect(bars('byCategory')).toEqual([
      ['维修', '2'],
      ['安全隐患', '1'],
      ['电梯', '3'],
    ])
    expect(bars('failedItems')).toEqual([['楼道窗户关好', '1']])
    // The longest bar spans the chart; the others are in proportion.
    const widths = wrapper.findAll('[data-chart="byCategory"] rect').map((rect) => Number(rect.attributes('width')))
    expect(widths[2]).toBeGreaterThan(widths[0]!)
    expect(widths[0]! / widths[2]!).toBeCloseTo(2 / 3)

    wrapper.findComponent(ElDatePicker).vm.$emit('update:modelValue', '2026-10')
    await vi.waitFor(() => expect(figure('visits')).toBe('30'), SLOW)
    expect(requests).toContain('/communities/c-nanmen/report?month=2026-10')
  })

  it('in the first week of a month shows the month just ended', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-03T02:00:00Z') })
    const { wrapper } = await mountWithApp(OfficeReport, { route: '/office/report' })
    await vi.waitFor(() => expect(wrapper.find('[data-figure="visits"]').exists()).toBe(true), SLOW)
    expect(requests).toContain('/communities/c-nanmen/report?month=2026-11')
  })

  it('downloads the report and the exports with the chosen dates and building', async () => {
    const saved: string[] = []
    vi.spyOn(URL, 'createObjectURL').mockReturnValue('blob:file')
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      saved.push(this.download)
    })
    const { wrapper } = await mountWithApp(OfficeReport, { route: '/office/report' })
    await vi.waitFor(() => expect(wrapper.findComponent(ElDatePicker).exists()).toBe(true), SLOW)
    wrapper.findComponent(ElDatePicker).vm.$emit('update:modelValue', '2026-11')
    await vi.waitFor(() => expect(wrapper.find('[data-figure="visits"]').exists()).toBe(true), SLOW)
    await vi.waitFor(() => expect(wrapper.find('h1').text()).toBe('南门社区月报和导出'), SLOW)
    const press = (name: string) => wrapper.find(`[data-download="${name}"]`).trigger('click')

    await press('report.xlsx')
    await vi.waitFor(() => expect(saved).toEqual(['服务器起的名字-report.xlsx']), SLOW)
    expect(requests).toContain('/communities/c-nanmen/report.xlsx?month=2026-11')

    await press('visits.csv')
    await vi.waitFor(() => expect(saved).toHaveLength(2), SLOW)
    expect(requests).toContain('/communities/c-nanmen/exports/visits.csv')

    wrapper.findAllComponents(ElDatePicker)[1]!.vm.$emit('update:modelValue', ['2026-11-01', '2026-11-15'])
    wrapper.findComponent(ElSelect).vm.$emit('update:modelValue', 'b-qiaohu-32')
    const issueFilter = (name: string) => wrapper.findAllComponents(ElSelect).find((select) => select.attributes('data-filter') === name)!
    issueFilter('status').vm.$emit('update:modelValue', 'accepted')
    issueFilter('category').vm.$emit('update:modelValue', 'elevator')
    await wrapper.vm.$nextTick()
    await press('issues.xlsx')
    await vi.waitFor(() => expect(saved).toHaveLength(3), SLOW)
    expect(requests).toContain('/communities/c-nanmen/exports/issues.xlsx?from=2026-11-01&to=2026-11-15&buildingId=b-qiaohu-32&status=accepted&category=elevator')
    // Status and category narrow the reports only.
    await press('inspections.csv')
    await vi.waitFor(() => expect(saved).toHaveLength(4), SLOW)
    expect(requests).toContain('/communities/c-nanmen/exports/inspections.csv?from=2026-11-01&to=2026-11-15&buildingId=b-qiaohu-32')
    expect(saved[2]).toBe('服务器起的名字-issues.xlsx')
  })

  it('says why when the server cannot be reached', async () => {
    setOfficeApi(createOfficeApi({ session: async () => ({ serverUrl: SERVER, token: 'office-token' }), fetch: async () => Promise.reject(new TypeError('Failed to fetch')) }))
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    const { wrapper } = await mountWithApp(OfficeReport, { route: '/office/report' })
    await vi.waitFor(() => expect(wrapper.find('[role="alert"]').exists()).toBe(true), SLOW)
    expect(wrapper.find('[data-figure="visits"]').exists()).toBe(false)
  })
})
