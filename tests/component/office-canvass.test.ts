import type { VueWrapper } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ElMessageBox, ElSelect, type MessageBoxData } from 'element-plus'
import { BuildingSummary, chinaDay, tallyCanvass, type Canvass, type CanvassDetail, type CanvassSummary, type User } from '@/domain'
import { db } from '@/app/db/database'
import { createOfficeApi, setOfficeApi } from '@/app/features/office/api'
import OfficeCanvass from '@/app/features/office/canvasses/OfficeCanvass.vue'
import OfficeCanvasses from '@/app/features/office/canvasses/OfficeCanvasses.vue'
import { canvass, canvassAnswer, households } from '../fixtures/canvass'
import { buttonNamed } from './fields'
import { mountWithApp } from './setup'

/*
 * The workspace's canvass pages over a double of the server (engineer A's routes are tested for real in the
 * integration tests): what they show of its answers, what they count themselves, and what they send.
 */

const SERVER = 'https://doorstep.example'
const office: User = { id: 'u-office1', username: 'office1', displayName: '社区办公室', role: 'office', communityId: 'c-nanmen', buildingIds: [] }

// A stairwell of 12 flats, two a floor (101, 102 … 601, 602); 602 is bigger.
const scope = households(12).map((h, i) => (i === 11 ? { ...h, area: 95.5 } : h))
const places = scope.map((h, i) => ({ householdId: h.householdId, entrance: '1', unit: `${Math.floor(i / 2) + 1}0${(i % 2) + 1}`, floor: Math.floor(i / 2) + 1 }))
const elevator = canvass({ id: '019ae000-0000-7000-8000-000000000001', buildingId: 'b-nanmen-115-2', households: scope, createdBy: 'u-leader1', createdAt: '2026-12-01T01:00:00.000Z', deadline: '2026-12-20' })
const answers = [
  canvassAnswer('h01', 'agree'),
  canvassAnswer('h02', 'agree', { respondent: 'proxy', respondentName: '李明', signature: 'paper' }),
  canvassAnswer('h03', 'agree', { respondent: 'link', signature: 'drawn' }),
  canvassAnswer('h04', 'object', { answeredAt: '2026-12-02T02:00:00.000Z' }),
  canvassAnswer('h04', 'agree', { answeredAt: '2026-12-03T02:00:00.000Z', createdBy: 'u-leader2', note: '儿子劝通了' }),
  canvassAnswer('h05', 'agree'),
  canvassAnswer('h06', 'agree'),
  canvassAnswer('h07', 'object', { signature: null }),
  canvassAnswer('h08', 'object'),
  canvassAnswer('h09', 'abstain'),
  canvassAnswer('h10', 'undecided', { signature: null }),
  canvassAnswer('h11', 'unreachable', { signature: null }),
]
const detail = (closedAt: string | null = null): CanvassDetail => ({
  canvass: { ...elevator, closedAt },
  building: '南门路115号之二',
  answers,
  places,
  // The answers' factory records them as leader-1.
  people: { 'leader-1': '王阿姨', 'u-leader2': '陈伯' },
})

const fund: Canvass = canvass({
  id: '019ae000-0000-7000-8000-000000000002',
  buildingId: 'b-qiaohu-32',
  entrance: '',
  kind: 'fund',
  question: '集资换楼道破窗',
  target: 3600,
  households: households(4),
  createdBy: 'u-office1',
  createdAt: '2026-11-01T01:00:00.000Z',
  closedAt: '2026-11-20T01:00:00.000Z',
  rule: { participation: null, consent: { num: 1, den: 2 }, consentOf: 'all', noObjection: false },
})
const fundAnswers = ['h01', 'h02', 'h03'].map((h) => canvassAnswer(h, 'agree', { canvassId: fund.id, pledged: 300, paid: 300 }))
const summaries: CanvassSummary[] = [
  { canvass: elevator, building: '南门路115号之二', tally: tallyCanvass(elevator, answers) },
  { canvass: fund, building: '桥湖路32号 · 供销社宿舍', tally: tallyCanvass(fund, fundAnswers) },
]
const buildings = [
  BuildingSummary.parse({ id: 'b-nanmen-115-2', gridId: 'g-1', address: '南门路115号之二', name: '', households: 12, residents: 30, leaders: [] }),
  BuildingSummary.parse({ id: 'b-qiaohu-32', gridId: 'g-1', address: '桥湖路32号', name: '供销社宿舍', households: 4, residents: 8, leaders: [] }),
]

interface Sent {
  method: string
  path: string
  body: unknown
}

/** The server's canvass routes as a double: every request recorded; once closed, the canvass reads closed. */
function serverDouble() {
  const sent: Sent[] = []
  let closedAt: string | null = null
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const path = new URL(String(input)).pathname.replace(/^\/api\/v1/, '')
    const method = init?.method ?? 'GET'
    sent.push({ method, path, body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined })
    if (method === 'POST' && path === `/canvasses/${elevator.id}/close`) closedAt = '2026-12-10T08:00:00.000Z'
    const answers: Record<string, [number, unknown]> = {
      'GET /communities/c-nanmen/canvasses': [200, summaries],
      'GET /communities/c-nanmen/buildings': [200, buildings],
      'POST /communities/c-nanmen/canvasses': [201, { ...elevator, id: '019ae000-0000-7000-8000-0000000000ff' }],
      [`GET /canvasses/${elevator.id}`]: [200, detail(closedAt)],
      [`POST /canvasses/${elevator.id}/close`]: [200, { ...elevator, closedAt }],
    }
    if (path.endsWith('.xlsx') || path.endsWith('.zip')) {
      const name = path.endsWith('.xlsx') ? '表决结果统计表.xlsx' : '签名.zip'
      return new Response(new Blob(['bytes']), { status: 200, headers: { 'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(name)}` } })
    }
    const [status, body] = answers[`${method} ${path}`] ?? [404, { error: 'not_found', message: 'no such route' }]
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
  })
  setOfficeApi(createOfficeApi({ session: async () => ({ serverUrl: SERVER, token: 'office-token' }), fetch }))
  return sent
}

beforeEach(async () => {
  await db.meta.bulkPut([
    { key: 'user', value: JSON.stringify(office) },
    { key: 'userId', value: office.id },
  ])
  await db.users.bulkPut([
    { id: 'u-leader1', communityId: 'c-nanmen', displayName: '王阿姨', role: 'leader', active: true },
    { id: 'u-office1', communityId: 'c-nanmen', displayName: '社区办公室', role: 'office', active: true },
  ])
  // The roster on this computer: two stairwells of 南门路115号之二, one flat without an area.
  await db.households.bulkPut([
    { id: 'hh-1-101', buildingId: 'b-nanmen-115-2', entrance: '1', unit: '101', floor: 1, area: 80, occupancy: 'owner' },
    { id: 'hh-1-102', buildingId: 'b-nanmen-115-2', entrance: '1', unit: '102', floor: 1, area: null, occupancy: 'owner' },
    { id: 'hh-2-101', buildingId: 'b-nanmen-115-2', entrance: '2', unit: '101', floor: 1, area: 75, occupancy: 'owner' },
  ])
})
afterEach(() => {
  setOfficeApi(undefined)
  vi.useRealTimers()
  vi.restoreAllMocks()
})

const tableRows = (root: { findAll: (s: string) => Array<{ text(): string }> }, table = '') => root.findAll(`${table} .el-table__body tr`).map((row) => row.text())

describe('the canvass list', () => {
  it('shows each canvass with its place, opener, state, result and answers, and filters by state and building', async () => {
    serverDouble()
    const { wrapper } = await mountWithApp(OfficeCanvasses, { route: '/office/canvasses' })
    await vi.waitFor(() => expect(tableRows(wrapper)).toHaveLength(2))
    const [open, closed] = tableRows(wrapper)
    expect(open).toMatch(/南门路115号之二 1单元.*表决.*是否同意加装电梯？.*王阿姨 · 12月1日.*12月20日.*进行中.*还没达到.*11\/12 户/)
    expect(closed).toMatch(/桥湖路32号 · 供销社宿舍 整栋楼.*集资.*集资换楼道破窗.*社区办公室.*不限.*已结束.*通过.*3\/4 户/)
    expect(wrapper.find('.el-table__body a').attributes('href')).toBe(`/office/canvasses/${elevator.id}`)
    expect(wrapper.text()).toContain('共 2 次')

    await wrapper.findAll('.el-radio-button').find((b) => b.text() === '已结束')!.find('input').setValue(true)
    await vi.waitFor(() => expect(tableRows(wrapper)).toHaveLength(1))
    expect(tableRows(wrapper)[0]).toContain('集资换楼道破窗')
    await wrapper.findAll('.el-radio-button').find((b) => b.text() === '全部')!.find('input').setValue(true)
    await vi.waitFor(() => expect(tableRows(wrapper)).toHaveLength(2))

    wrapper.findAllComponents(ElSelect).find((s) => s.props('ariaLabel') === '楼栋')!.vm.$emit('update:modelValue', 'b-nanmen-115-2')
    await vi.waitFor(() => expect(tableRows(wrapper)).toHaveLength(1))
    expect(tableRows(wrapper)[0]).toContain('是否同意加装电梯？')
  })
})

describe('the 发起表决 dialog', () => {
  it('says next to each field what is missing, sends nothing until it is right, then opens the canvass', async () => {
    const sent = serverDouble()
    const { wrapper, router } = await mountWithApp(OfficeCanvasses, { route: '/office/canvasses' })
    await vi.waitFor(() => expect(tableRows(wrapper)).toHaveLength(2))
    await buttonNamed(wrapper, '发起表决').trigger('click')
    const dialog = () => wrapper.find('.office-canvass-open')
    const form = () => dialog().find('form')
    await vi.waitFor(() => expect(form().exists()).toBe(true))
    const errorOf = (label: string) =>
      dialog()
        .findAll('.el-form-item')
        .find((item) => item.find('.el-form-item__label').text() === label)
        ?.find('.el-form-item__error')
    const selectOf = (label: string) => dialog().findAllComponents(ElSelect).find((s: VueWrapper) => (s.props() as { ariaLabel?: string }).ariaLabel === label)!

    await form().trigger('submit')
    // The first check draws every field's error: slow on a loaded machine.
    await vi.waitFor(
      () => {
        expect(errorOf('楼栋')?.text()).toBe('请选楼栋。')
        expect(errorOf('表决事项')?.text()).toBe('请写清楚表决什么事。')
      },
      { timeout: 5000 },
    )
    expect(errorOf('截止日期')?.exists()).toBe(false)

    // A fund with no target, a deadline already past.
    selectOf('楼栋').vm.$emit('update:modelValue', 'b-nanmen-115-2')
    await dialog().find('input[aria-label="表决事项"]').setValue('集资加装电梯前期费用')
    await dialog().findAll('.el-radio-button').find((b) => b.text() === '集资')!.find('input').setValue(true)
    await dialog().find('input[type="date"]').setValue('2020-01-01')
    await form().trigger('submit')
    await vi.waitFor(() => expect(errorOf('集资目标（元）')?.text()).toBe('请填集资目标，单位元，如 3600 或 3600.50。'))
    expect(errorOf('截止日期')?.text()).toBe('截止日期已经过了，请选今天或以后。')
    expect(errorOf('楼栋')?.exists()).toBe(false)
    await dialog().find('input[aria-label="集资目标（元）"]').setValue('12.345')
    await form().trigger('submit')
    await vi.waitFor(() => expect(errorOf('集资目标（元）')?.text()).toBe('请填集资目标，单位元，如 3600 或 3600.50。'))
    expect(sent.filter((s) => s.method === 'POST')).toEqual([])

    // The roster on this computer says how many households the stairwell holds.
    await vi.waitFor(() => expect(dialog().text()).toContain('3 户参加，其中 1 户名册里没有面积'))
    selectOf('单元').vm.$emit('update:modelValue', '2')
    await vi.waitFor(() => expect(dialog().text()).toContain('1 户参加'))

    await dialog().findAll('.el-radio-button').find((b) => b.text() === '表决')!.find('input').setValue(true)
    await dialog().find('input[aria-label="表决事项"]').setValue('是否同意加装电梯？')
    await dialog().findAll('.el-radio').find((r) => r.text().startsWith('加装电梯'))!.find('input').setValue(true)
    const today = chinaDay()
    await dialog().find('input[type="date"]').setValue(today)
    await form().trigger('submit')
    await vi.waitFor(() => expect(router.currentRoute.value.fullPath).toBe('/office/canvasses/019ae000-0000-7000-8000-0000000000ff'))
    expect(sent.filter((s) => s.method === 'POST')).toEqual([
      {
        method: 'POST',
        path: '/communities/c-nanmen/canvasses',
        body: {
          buildingId: 'b-nanmen-115-2',
          entrance: '2',
          kind: 'vote',
          question: '是否同意加装电梯？',
          note: '',
          rule: { participation: null, consent: { num: 2, den: 3 }, consentOf: 'all', noObjection: true },
          deadline: today,
          target: null,
        },
      },
    ])
  })
})

describe('a canvass’s page', () => {
  it('counts the figures itself, says what is missing, and draws the building floor by floor', async () => {
    serverDouble()
    const { wrapper } = await mountWithApp(OfficeCanvass, { props: { id: elevator.id }, route: `/office/canvasses/${elevator.id}` })
    await vi.waitFor(() => expect(wrapper.find('.office-canvass__figures').exists()).toBe(true))
    const figures = wrapper.find('.office-canvass__figures').text()
    // 9 of 12 took part; 6 of those 9 agree, short of 3/4: the 3 not yet taking part (240 of their 255.5 m²) must agree.
    // Open: answers may still come, so not 未通过 yet.
    expect(figures).toContain('还没达到')
    expect(figures).not.toContain('未通过')
    expect(wrapper.findAll('.office-canvass__missing li').map((li) => li.text())).toEqual(['还差 3 户同意、240 ㎡'])
    expect(figures).toMatch(/全部住户\s*12 户，975.5 ㎡/)
    expect(figures).toMatch(/参与表决\s*9 户，720 ㎡/)
    expect(figures).toMatch(/同意\s*6 户，480 ㎡/)
    expect(figures).toMatch(/还没问\s*1 户，95.5 ㎡/)
    expect(wrapper.text()).toContain('民法典第278条')
    expect(wrapper.find('.office-page__title').text()).toMatch(/表决\s*是否同意加装电梯？\s*进行中/)

    const floors = wrapper.findAll('.office-canvass-grid__table tr')
    expect(floors.map((tr) => tr.find('th').text())).toEqual(['6层', '5层', '4层', '3层', '2层', '1层'])
    const cells = floors[0]!.findAll('td')
    expect(cells.map((td) => td.text())).toEqual(['601联系不上', '602还没问'])
    expect(cells.map((td) => td.classes())).toEqual([expect.arrayContaining(['office-canvass-grid--unreachable']), expect.arrayContaining(['office-canvass-grid--unasked'])])
    // 202 objected first and agreed later: it counts as agreeing.
    expect(floors[4]!.findAll('td')[1]!.classes()).toContain('office-canvass-grid--agree')
    expect(wrapper.find('.office-canvass-grid__legend').text()).toMatch(/同意 6.*反对 2.*弃权 1.*未表态 1.*联系不上 1.*还没问 1/)
  })

  it('lists each household’s latest answer with who and how, its history on expanding, and files and closes it', async () => {
    const sent = serverDouble()
    const saved: string[] = []
    vi.spyOn(URL, 'createObjectURL').mockReturnValue('blob:file')
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      saved.push(this.download)
    })
    const { wrapper } = await mountWithApp(OfficeCanvass, { props: { id: elevator.id }, route: `/office/canvasses/${elevator.id}` })
    await vi.waitFor(() => expect(tableRows(wrapper, '.office-canvass__households')).toHaveLength(12))
    const rows = tableRows(wrapper, '.office-canvass__households')
    expect(rows[0]).toMatch(/101\s*80\s*同意\s*本人\s*手写签名\s*王阿姨/)
    expect(rows[1]).toMatch(/102\s*80\s*同意\s*代签：李明\s*纸质签名/)
    expect(rows[2]).toMatch(/201\s*80\s*同意\s*业主用链接答复/)
    expect(rows[3]).toMatch(/202\s*80\s*同意.*陈伯.*12月3日.*儿子劝通了/)
    expect(rows[6]).toMatch(/401\s*80\s*反对.*无/)
    expect(rows[11]).toMatch(/602\s*95.5\s*还没问/)

    await wrapper.findAll('.office-canvass__households .el-table__expand-icon')[3]!.trigger('click')
    await vi.waitFor(() => expect(wrapper.find('.office-canvass__history').text()).toMatch(/之前的答复.*12月2日.*反对.*本人.*手写签名.*王阿姨/))

    await buttonNamed(wrapper, '导出统计表').trigger('click')
    await buttonNamed(wrapper, '下载签名').trigger('click')
    await vi.waitFor(() => expect(saved).toEqual(['表决结果统计表.xlsx', '签名.zip']))
    expect(sent.filter((s) => s.method === 'GET').map((s) => s.path)).toEqual(expect.arrayContaining([`/canvasses/${elevator.id}/export.xlsx`, `/canvasses/${elevator.id}/signatures.zip`]))

    // Element Plus types the answer as an intersection no value has; a confirm resolves (a cancel rejects).
    const confirm = vi.spyOn(ElMessageBox, 'confirm').mockRejectedValueOnce('cancel')
    await buttonNamed(wrapper, '结束表决').trigger('click')
    await vi.waitFor(() => expect(confirm).toHaveBeenCalledOnce())
    expect(sent.filter((s) => s.method === 'POST')).toEqual([])
    confirm.mockResolvedValueOnce('confirm' as unknown as MessageBoxData)
    await buttonNamed(wrapper, '结束表决').trigger('click')
    await vi.waitFor(() => expect(wrapper.find('.office-page__title').text()).toContain('已结束'))
    expect(sent.filter((s) => s.method === 'POST')).toEqual([{ method: 'POST', path: `/canvasses/${elevator.id}/close`, body: undefined }])
    expect(wrapper.text()).not.toContain('结束表决')
  })
})
