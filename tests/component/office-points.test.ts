import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ElSelect } from 'element-plus'
import { DEFAULT_POINT_RULES, PointsMonth, type User } from '@/domain'
import { db } from '@/app/db/database'
import { demoCommunity } from '@/domain/demo'
import { createOfficeApi, setOfficeApi } from '@/app/features/office/api'
import OfficePoints from '@/app/features/office/points/OfficePoints.vue'
import { mountWithApp } from './setup'

/*
 * The points page against a fetch double standing for GET /communities/:id/points (a PointsMonth, as
 * src/domain/points.ts declares it), POST …/points/adjustments, the settings PATCH and the recognition list.
 */

const SLOW = { timeout: 8000 }
const office: User = { id: 'u-office1', username: 'office1', displayName: '社区办公室', role: 'office', communityId: 'c-nanmen', buildingIds: [] }
const SERVER = 'https://doorstep.example'

const month = (m: string): PointsMonth =>
  PointsMonth.parse({
    month: m,
    rules: DEFAULT_POINT_RULES,
    ranking: [
      {
        userId: 'u-leader1',
        displayName: '陈秀英',
        buildings: ['南门路115号之二', '南门路117号'],
        rank: 1,
        total: m === '2026-11' ? 14 : 3,
        byKind: { visit: { count: 4, points: 4 }, careVisit: { count: 2, points: 4 }, reportResolved: { count: 1, points: 2 }, adjustment: { count: 1, points: 4 } },
      },
      { userId: 'u-leader2', displayName: '黄志强', buildings: ['桥湖路32号'], rank: 2, total: 0, byKind: {} },
    ],
    adjustments: [{ id: '019a0000-0000-7000-8000-000000000001', userId: 'u-leader1', month: m, points: 4, reason: '协助疫苗接种登记', by: 'u-office1', at: '2026-11-18T02:00:00.000Z' }],
    people: { 'u-leader1': '陈秀英', 'u-leader2': '黄志强', 'u-office1': '社区办公室' },
  })

let calls: Array<{ method: string; path: string; body: unknown }> = []

beforeEach(async () => {
  calls = []
  await db.meta.bulkPut([
    { key: 'user', value: JSON.stringify(office) },
    { key: 'userId', value: office.id },
  ])
  await db.communities.put(demoCommunity)
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input))
    const path = url.pathname.replace(/^\/api\/v1/, '')
    const method = init?.method ?? 'GET'
    calls.push({ method, path: `${path}${url.search}`, body: init?.body ? JSON.parse(String(init.body)) : undefined })
    if (method === 'GET' && path === '/communities/c-nanmen/points') return Response.json(month(url.searchParams.get('month')!))
    if (method === 'POST' && path === '/communities/c-nanmen/points/adjustments') {
      const body = JSON.parse(String(init!.body)) as Record<string, unknown>
      return Response.json({ ...body, id: '019a0000-0000-7000-8000-000000000002', by: 'u-office1', at: '2026-11-20T04:00:00.000Z' }, { status: 201 })
    }
    if (method === 'PATCH' && path === '/communities/c-nanmen/settings') return Response.json({ ...demoCommunity.settings, ...(JSON.parse(String(init!.body)) as object) })
    if (path === '/communities/c-nanmen/points/export.xlsx') {
      return new Response(new Blob(['file']), { headers: { 'content-disposition': `attachment; filename="points.xlsx"; filename*=UTF-8''${encodeURIComponent('南门社区2026-11志愿楼长表彰名单.xlsx')}` } })
    }
    return Response.json({ error: 'not_found', message: 'no such route' }, { status: 404 })
  })
  setOfficeApi(createOfficeApi({ session: async () => ({ serverUrl: SERVER, token: 'office-token' }), fetch }))
  vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-11-20T04:00:00Z') })
})
afterEach(() => {
  setOfficeApi(undefined)
  vi.useRealTimers()
  vi.restoreAllMocks()
})

async function mounted() {
  const { wrapper } = await mountWithApp(OfficePoints, { route: '/office/points' })
  await vi.waitFor(() => expect(wrapper.findAll('.office-points__ranking tbody tr')).toHaveLength(2), SLOW)
  return wrapper
}

describe('the points page', { timeout: 30_000 }, () => {
  it('ranks the month’s leaders with their breakdown in plain words, and lists the adjustments with reason, by whom and when', async () => {
    const wrapper = await mounted()
    expect(calls.map((c) => c.path)).toContain('/communities/c-nanmen/points?month=2026-11')
    const cells = (row: number) => wrapper.findAll('.office-points__ranking tbody tr')[row]!.findAll('td').map((td) => td.text())
    expect(cells(0).slice(0, 4)).toEqual(['1', '陈秀英', '南门路115号之二、南门路117号', '14'])
    expect(wrapper.findAll('.office-points__ranking tbody tr')[0]!.findAll('.office-points__kind').map((k) => k.text())).toEqual([
      '走访一户 4 次，4 分',
      '走访关爱对象 2 次，4 分',
      '诉求办结 1 次，2 分',
      '社区调整 1 次，4 分',
    ])
    expect(cells(1).slice(0, 4)).toEqual(['2', '黄志强', '桥湖路32号', '0'])
    const adjustment = wrapper.findAll('.office-points__adjustments tbody tr')[0]!.findAll('td').map((td) => td.text())
    expect(adjustment.slice(0, 4)).toEqual(['陈秀英', '+4 分', '协助疫苗接种登记', '社区办公室'])
    expect(adjustment[4]).toContain('11月18日')
  })

  it('says what is missing next to each field of the adjustment, sends nothing, then sends what was filled in', async () => {
    const wrapper = await mounted()
    await wrapper.find('[data-action="adjust"]').trigger('click')
    await wrapper.find('[data-action="confirm-adjust"]').trigger('click')
    await vi.waitFor(() => expect(wrapper.findAll('.office-points__dialog .el-form-item__error').map((e) => e.text())).toEqual(['请选楼长', '请填加减多少分，不能是 0，最多 1000', '请写调整的理由']))
    expect(calls.filter((c) => c.method === 'POST')).toEqual([])

    wrapper.findComponent(ElSelect).vm.$emit('update:modelValue', 'u-leader2')
    const points = wrapper.find('.office-points__dialog input[name="points"]')
    await points.setValue('-2')
    await points.trigger('change')
    await wrapper.find('.office-points__dialog textarea[name="reason"]').setValue('  ')
    await wrapper.find('[data-action="confirm-adjust"]').trigger('click')
    await vi.waitFor(() => expect(wrapper.findAll('.office-points__dialog .el-form-item__error').map((e) => e.text())).toEqual(['请写调整的理由']))
    expect(calls.filter((c) => c.method === 'POST')).toEqual([])

    await wrapper.find('.office-points__dialog textarea[name="reason"]').setValue('走访记录重复录入')
    await wrapper.find('[data-action="confirm-adjust"]').trigger('click')
    await vi.waitFor(() => expect(calls.filter((c) => c.method === 'POST')).toHaveLength(1), SLOW)
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({ userId: 'u-leader2', month: '2026-11', points: -2, reason: '走访记录重复录入' })
    // The ranking is read again: the server counts the adjustment in.
    await vi.waitFor(() => expect(calls.filter((c) => c.path === '/communities/c-nanmen/points?month=2026-11')).toHaveLength(2), SLOW)
  })

  it('saves the rules with the community’s settings, and downloads the recognition list of the month', async () => {
    const saved: string[] = []
    vi.spyOn(URL, 'createObjectURL').mockReturnValue('blob:file')
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      saved.push(this.download)
    })
    const wrapper = await mounted()
    const labels = wrapper.findAll('.office-points__rules .el-form-item__label').map((l) => l.text())
    expect(labels).toEqual(['走访一户', '走访关爱对象', '上报诉求', '诉求办结', '完成巡查', '按时完成巡查任务', '表决入户', '调解成功'])
    const visit = wrapper.find('.office-points__rules input[name="rule-visit"]')
    expect((visit.element as HTMLInputElement).value).toBe('1')
    await visit.setValue('3')
    await visit.trigger('change')
    await wrapper.find('[data-action="save-rules"]').trigger('click')
    await vi.waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true), SLOW)
    expect(calls.find((c) => c.method === 'PATCH')!.body).toEqual({ points: { ...DEFAULT_POINT_RULES, visit: 3 } })

    await wrapper.find('[data-action="export"]').trigger('click')
    await vi.waitFor(() => expect(saved).toEqual(['南门社区2026-11志愿楼长表彰名单.xlsx']), SLOW)
    expect(calls.map((c) => c.path)).toContain('/communities/c-nanmen/points/export.xlsx?month=2026-11')
  })
})
