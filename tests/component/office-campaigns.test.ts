import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ElMessageBox, ElSelect, type MessageBoxData } from 'element-plus'
import { BuildingSummary, CampaignProgress, CampaignSummary, type User } from '@/domain'
import { db } from '@/app/db/database'
import { seedDemoIfEmpty } from '@/app/db/seed'
import { createOfficeApi, setOfficeApi } from '@/app/features/office/api'
import OfficeCampaign from '@/app/features/office/campaigns/OfficeCampaign.vue'
import OfficeCampaigns from '@/app/features/office/campaigns/OfficeCampaigns.vue'
import { buttonNamed } from './fields'
import { mountWithApp } from './setup'

/*
 * The workspace's campaign pages over a double of the server (the routes themselves are tested for real in
 * tests/integration/api-campaigns.test.ts): what they show of its answers and what they send.
 */

const SERVER = 'https://doorstep.example'
const office: User = { id: 'u-office1', username: 'office1', displayName: '社区办公室', role: 'office', communityId: 'c-nanmen', buildingIds: [] }
const PHOTO = 'a'.repeat(64)

const campaign = {
  id: 'cp-typhoon',
  communityId: 'c-nanmen',
  title: '台风前防台风检查',
  note: '周三登陆',
  templateId: 't-typhoon',
  templateVersion: 1,
  buildingIds: ['b-nanmen-115-2', 'b-qiaohu-32'],
  deadline: '2026-11-21T01:00:00.000Z',
  launchedAt: '2026-11-20T01:00:00.000Z',
  launchedBy: 'u-office1',
  reminders: [],
  closedAt: null,
}
const summaries = [
  CampaignSummary.parse({ ...campaign, buildingsDone: 1, buildingsStarted: 0, hazards: 2 }),
  CampaignSummary.parse({ ...campaign, id: 'cp-fire', title: '十月消防检查', templateId: 't-fire-corridor', closedAt: '2026-10-31T00:00:00.000Z', buildingsDone: 2, buildingsStarted: 0, hazards: 0 }),
]
const buildings = [
  BuildingSummary.parse({ id: 'b-nanmen-115-2', gridId: 'g-1', address: '南门路115号之二', name: '', households: 12, residents: 30, leaders: [] }),
  BuildingSummary.parse({ id: 'b-qiaohu-32', gridId: 'g-1', address: '桥湖路32号', name: '供销社宿舍', households: 8, residents: 20, leaders: [] }),
]
const progress = (closedAt: string | null = null) =>
  CampaignProgress.parse({
    campaign: { ...campaign, closedAt, reminders: [{ at: '2026-11-20T05:00:00.000Z', by: 'u-office1', text: '先查阳台花盆' }] },
    templateTitle: '防台风检查',
    buildings: [
      { buildingId: 'b-nanmen-115-2', address: '南门路115号之二', name: '', state: 'done', by: ['u-leader1'], inspectionIds: ['i-1'], completedAt: '2026-11-21T03:00:00.000Z', late: true },
      { buildingId: 'b-qiaohu-32', address: '桥湖路32号', name: '供销社宿舍', state: 'not_started', by: [], inspectionIds: [], completedAt: null, late: false },
    ],
    hazards: [
      { inspectionId: 'i-1', buildingId: 'b-nanmen-115-2', itemId: 'balcony-objects', label: '阳台、窗台没有放花盆等易坠物', result: 'fail', note: '5楼三盆花', photos: [PHOTO], by: 'u-leader1', issueId: 'r-1', issueStatus: 'accepted' },
      { inspectionId: 'i-1', buildingId: 'b-nanmen-115-2', itemId: 'drains', label: '天台、地面排水口没有堵', result: 'fail', note: '', photos: [], by: 'u-leader1', issueId: null, issueStatus: null },
    ],
  })

interface Sent {
  method: string
  path: string
  body: unknown
}

/** The server's campaign routes as a double: every request is recorded; once closed, the campaign reads closed. */
function serverDouble() {
  const sent: Sent[] = []
  let closedAt: string | null = null
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const path = new URL(String(input)).pathname.replace(/^\/api\/v1/, '')
    const method = init?.method ?? 'GET'
    sent.push({ method, path, body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined })
    const answers: Record<string, [number, unknown]> = {
      'GET /communities/c-nanmen/campaigns': [200, summaries],
      'GET /communities/c-nanmen/buildings': [200, buildings],
      'POST /communities/c-nanmen/campaigns': [201, { ...campaign, id: 'cp-new' }],
      'GET /campaigns/cp-typhoon': [200, progress(closedAt)],
      'POST /campaigns/cp-typhoon/reminders': [200, campaign],
    }
    if (method === 'POST' && path === '/campaigns/cp-typhoon/close') {
      closedAt = '2026-11-22T08:00:00.000Z'
      answers[`${method} ${path}`] = [200, progress(closedAt)]
    }
    const [status, body] = answers[`${method} ${path}`] ?? [404, { error: 'not_found', message: 'no such route' }]
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
  })
  setOfficeApi(createOfficeApi({ session: async () => ({ serverUrl: SERVER, token: 'office-token' }), fetch }))
  return sent
}

beforeEach(async () => {
  await seedDemoIfEmpty(db)
  await db.meta.bulkPut([
    { key: 'user', value: JSON.stringify(office) },
    { key: 'userId', value: office.id },
  ])
  await db.users.bulkPut([
    { id: 'u-leader1', communityId: 'c-nanmen', displayName: '王阿姨', role: 'leader', active: true },
    { id: 'u-office1', communityId: 'c-nanmen', displayName: '社区办公室', role: 'office', active: true },
  ])
})
afterEach(() => {
  setOfficeApi(undefined)
  vi.useRealTimers()
  vi.restoreAllMocks()
})

describe('the campaign list', () => {
  it('shows each campaign with its progress and state, and launches one over the buildings checked', async () => {
    const sent = serverDouble()
    const { wrapper, router } = await mountWithApp(OfficeCampaigns, { route: '/office/campaigns' })
    await vi.waitFor(() => expect(wrapper.findAll('.el-table__body tr')).toHaveLength(2))
    const rows = wrapper.findAll('.el-table__body tr').map((row) => row.text())
    expect(rows[0]).toMatch(/台风前防台风检查.*防台风检查.*1\/2 栋.*2.*进行中/)
    expect(rows[1]).toMatch(/十月消防检查.*楼道消防安全.*2\/2 栋.*已结束/)
    expect(wrapper.find('.el-table__body a').attributes('href')).toBe('/office/campaigns/cp-typhoon')

    await buttonNamed(wrapper, '发起检查').trigger('click')
    const form = () => wrapper.find('form')
    // Only a name is missing: the form says so and sends nothing.
    wrapper.findComponent(ElSelect).vm.$emit('update:modelValue', 't-typhoon')
    await vi.waitFor(() => expect((form().find('input[aria-label="任务名称"]').element as HTMLInputElement).value).toBe('防台风检查'))
    await form().find('input[aria-label="任务名称"]').setValue('台风“海葵”前检查')
    await form().findAll('.el-radio-button').find((b) => b.text() === '选择楼栋')!.find('input').setValue(true)
    await buttonNamed(form(), '发起检查').trigger('submit')
    await vi.waitFor(() => expect(form().find('.el-alert').text()).toBe('请至少选一栋楼，或选“全部楼栋”。'))
    expect(sent.filter((s) => s.method === 'POST')).toEqual([])

    await vi.waitFor(() => expect(form().findAll('.el-checkbox')).toHaveLength(2))
    await form().findAll('.el-checkbox').find((c) => c.text() === '桥湖路32号 · 供销社宿舍')!.find('input').setValue(true)
    await form().find('input[type="datetime-local"]').setValue('2099-11-21T09:00')
    await form().find('textarea').setValue('重点看阳台花盆')
    await form().trigger('submit')
    await vi.waitFor(() => expect(router.currentRoute.value.fullPath).toBe('/office/campaigns/cp-new'))
    expect(sent.filter((s) => s.method === 'POST')).toEqual([
      {
        method: 'POST',
        path: '/communities/c-nanmen/campaigns',
        // 09:00 in China is 01:00 UTC, whatever zone the computer is set to.
        body: { title: '台风“海葵”前检查', note: '重点看阳台花盆', templateId: 't-typhoon', buildingIds: ['b-qiaohu-32'], deadline: '2099-11-21T01:00:00.000Z' },
      },
    ])
  })
})

describe('a campaign’s progress', () => {
  it('shows each building with who and when, the hazards with photos and reports, and polls while open', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] })
    const sent = serverDouble()
    const { wrapper } = await mountWithApp(OfficeCampaign, { props: { id: 'cp-typhoon' }, route: '/office/campaigns/cp-typhoon' })
    await vi.waitFor(() => expect(wrapper.find('.office-campaign__buildings').exists()).toBe(true))
    const buildingRows = () => wrapper.findAll('.office-campaign__buildings .el-table__body tr').map((row) => row.text())
    await vi.waitFor(() => expect(buildingRows()[0]).toMatch(/南门路115号之二.*已完成.*逾期.*王阿姨.*11月21日/))
    expect(buildingRows()[1]).toMatch(/桥湖路32号 · 供销社宿舍.*未开始/)
    expect(wrapper.find('.office-campaign__report').text()).toContain('1/2 栋完成（1 栋逾期），1 栋没查；发现 2 处隐患，2 处还没解决。')

    const hazards = wrapper.findAll('.office-campaign__hazards .el-table__body tr')
    expect(hazards[0]!.text()).toMatch(/南门路115号之二.*阳台、窗台没有放花盆等易坠物.*5楼三盆花.*王阿姨.*已受理/)
    expect(hazards[0]!.find('a').attributes('href')).toBe('/office/issues/r-1')
    expect(hazards[0]!.find('.photo-thumbs').exists()).toBe(true)
    expect(hazards[1]!.text()).toContain('未上报')
    expect(wrapper.text()).toContain('先查阳台花盆')

    const reads = () => sent.filter((s) => s.method === 'GET' && s.path === '/campaigns/cp-typhoon').length
    expect(reads()).toBe(1)
    await vi.advanceTimersByTimeAsync(20_000)
    expect(reads()).toBe(2)

    await wrapper.find('input[aria-label="提醒"]').setValue('还有一栋没查，今晚前完成')
    await wrapper.find('form.office-campaign__remind').trigger('submit')
    await vi.waitFor(() => expect(sent.filter((s) => s.path.endsWith('/reminders'))).toEqual([{ method: 'POST', path: '/campaigns/cp-typhoon/reminders', body: { text: '还有一栋没查，今晚前完成' } }]))

    // Element Plus types the answer as an intersection no value has; a confirm resolves (a cancel rejects).
    vi.spyOn(ElMessageBox, 'confirm').mockResolvedValue('confirm' as unknown as MessageBoxData)
    await buttonNamed(wrapper, '结束检查').trigger('click')
    await vi.waitFor(() => expect(sent.map((s) => s.path)).toContain('/campaigns/cp-typhoon/close'))
    await vi.waitFor(() => expect(wrapper.find('.office-campaign__report').text()).toMatch(/已于 11月22日 \d\d:00 结束：1\/2 栋完成/))
    expect(wrapper.find('form.office-campaign__remind').exists()).toBe(false)
    expect(wrapper.text()).not.toContain('结束检查')

    wrapper.unmount()
    const before = reads()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(reads()).toBe(before)
  })
})
