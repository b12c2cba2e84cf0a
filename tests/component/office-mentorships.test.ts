import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ElMessageBox, ElSelect, type MessageBoxData } from 'element-plus'
import type { MentorshipRow, User } from '@/domain'
import { db } from '@/app/db/database'
import { createOfficeApi, setOfficeApi } from '@/app/features/office/api'
import OfficeMentorships from '@/app/features/office/mentorships/OfficeMentorships.vue'
import { mentorship } from '../fixtures/mentorship'
import { buttonNamed } from './fields'
import { mountWithApp } from './setup'

/*
 * The workspace's 老带新 page over a double of the server's routes (GET and POST /communities/:id/mentorships,
 * POST /mentorships/:id/end): what it lists, what it sends, and each refusal shown by the field it is about.
 */

const SERVER = 'https://doorstep.example'
const office: User = { id: 'office-1', username: 'office1', displayName: '社区办公室', role: 'office', communityId: 'c-nanmen', buildingIds: [] }
const ENDED_ID = '019ae200-0000-7000-8000-000000000009'
const rows: MentorshipRow[] = [
  { ...mentorship({ mentorId: 'leader-2', menteeId: 'leader-1' }), mentorName: '王姐', menteeName: '小李' },
  { ...mentorship({ id: ENDED_ID, mentorId: 'leader-2', menteeId: 'leader-3', note: '', endedAt: '2026-11-10T02:00:00.000Z', endedBy: 'office-1' }), mentorName: '王姐', menteeName: '陈伯' },
]

interface Sent {
  method: string
  path: string
  body: unknown
}

/** The routes as a double; `refuse` answers the next POST with that status and code instead. */
function serverDouble() {
  const sent: Sent[] = []
  const next: { refuse?: [number, string] } = {}
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const path = new URL(String(input)).pathname.replace(/^\/api\/v1/, '')
    const method = init?.method ?? 'GET'
    sent.push({ method, path, body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined })
    const refusal = method === 'POST' ? next.refuse : undefined
    if (refusal) {
      delete next.refuse
      return Response.json({ error: refusal[1], message: refusal[1] }, { status: refusal[0] })
    }
    const answers: Record<string, [number, unknown]> = {
      'GET /communities/c-nanmen/mentorships': [200, rows],
      'POST /communities/c-nanmen/mentorships': [201, mentorship({ id: '019ae200-0000-7000-8000-000000000010' })],
      [`POST /mentorships/${rows[0]!.id}/end`]: [200, mentorship({ endedAt: '2026-11-22T02:00:00.000Z', endedBy: 'office-1' })],
    }
    const [status, body] = answers[`${method} ${path}`] ?? [404, { error: 'not_found', message: 'no such route' }]
    return Response.json(body, { status })
  })
  setOfficeApi(createOfficeApi({ session: async () => ({ serverUrl: SERVER, token: 'office-token' }), fetch }))
  return { sent, next }
}

beforeEach(async () => {
  await db.meta.bulkPut([
    { key: 'user', value: JSON.stringify(office) },
    { key: 'userId', value: office.id },
  ])
  await db.users.bulkPut([
    { id: 'leader-1', communityId: 'c-nanmen', displayName: '小李', role: 'leader', active: true },
    { id: 'leader-2', communityId: 'c-nanmen', displayName: '王姐', role: 'leader', active: true },
    { id: 'leader-3', communityId: 'c-nanmen', displayName: '陈伯', role: 'leader', active: true },
    { id: 'leader-4', communityId: 'c-nanmen', displayName: '赵叔', role: 'leader', active: true },
    { id: 'office-1', communityId: 'c-nanmen', displayName: '社区办公室', role: 'office', active: true },
  ])
})
afterEach(() => {
  setOfficeApi(undefined)
  vi.restoreAllMocks()
})

async function page() {
  const double = serverDouble()
  const mounted = await mountWithApp(OfficeMentorships, { route: '/office/mentorships' })
  await vi.waitFor(() => expect(mounted.wrapper.findAll('.el-table__body tr')).toHaveLength(1))
  return { ...double, ...mounted }
}

/** The dialog's two leader selects, mentor first; picks by the leader's id as the option's value. */
async function choose(wrapper: Awaited<ReturnType<typeof page>>['wrapper'], mentorId: string, menteeId: string) {
  const [mentor, mentee] = wrapper.find('.office-mentorships__dialog').findAllComponents(ElSelect)
  mentor!.vm.$emit('update:modelValue', mentorId)
  mentee!.vm.$emit('update:modelValue', menteeId)
  await vi.waitFor(() => expect(wrapper.find('.office-mentorships__dialog').exists()).toBe(true))
}
const fieldError = (wrapper: Awaited<ReturnType<typeof page>>['wrapper'], label: string) =>
  wrapper
    .findAll('.office-mentorships__dialog .el-form-item')
    .find((item) => item.find('.el-form-item__label').text() === label)!
    .find('.el-form-item__error')

describe('the workspace’s 老带新', () => {
  it('lists the pairings that last, and those that ended under 已结束', async () => {
    const { wrapper, router } = await page()
    expect(wrapper.find('.el-table__body tr').text()).toMatch(/王姐.*小李.*先带他走一遍独居老人.*进行中.*结束带教/)
    expect(wrapper.find('.el-radio-group').text()).toContain('进行中（1）')
    await wrapper.findAll('.el-radio-button').find((b) => b.text() === '已结束（1）')!.find('input').setValue(true)
    await vi.waitFor(() => expect(router.currentRoute.value.query.state).toBe('ended'))
    await vi.waitFor(() => expect(wrapper.find('.el-table__body tr').text()).toMatch(/王姐.*陈伯.*11月10日.*结束/))
    expect(wrapper.find('.el-table__body tr').text()).not.toContain('结束带教')
  })

  it('pairs two leaders, and says by the field what stops a pairing: its own check first, then the server’s', async () => {
    const { wrapper, sent, next } = await page()
    await buttonNamed(wrapper, '结成对子').trigger('click')
    await vi.waitFor(() => expect(wrapper.find('.office-mentorships__dialog form').exists()).toBe(true))
    const confirm = () => wrapper.find('[data-action="confirm-pair"]').trigger('click')
    const posts = () => sent.filter((s) => s.method === 'POST')

    await confirm()
    await vi.waitFor(() => expect(fieldError(wrapper, '带教楼长').text()).toBe('请选一位楼长'))
    await vi.waitFor(() => expect(fieldError(wrapper, '新楼长').text()).toBe('请选一位楼长'))

    await choose(wrapper, 'leader-2', 'leader-2')
    await confirm()
    await vi.waitFor(() => expect(fieldError(wrapper, '新楼长').text()).toBe('带教楼长和新楼长不能是同一个人'))
    // 小李 is 王姐's already, as the list shows: the page says so without asking.
    await choose(wrapper, 'leader-4', 'leader-1')
    await confirm()
    await vi.waitFor(() => expect(fieldError(wrapper, '新楼长').text()).toBe('这位新楼长已经有人带着了，先结束原来的带教'))
    expect(posts()).toEqual([])

    // What the page cannot know, the server answers; each code by its field.
    const refusals = [
      [409, 'menteeTaken', '新楼长', '这位新楼长已经有人带着了，先结束原来的带教'],
      [409, 'mentorIsMentee', '带教楼长', '这位楼长正由对方带着，不能反过来带'],
      [400, 'notLeader', '带教楼长', '只能选本社区在岗的楼长'],
      [400, 'samePerson', '新楼长', '带教楼长和新楼长不能是同一个人'],
    ] as const
    await choose(wrapper, 'leader-4', 'leader-3')
    for (const [status, code, label, words] of refusals) {
      next.refuse = [status, code]
      await confirm()
      await vi.waitFor(() => expect(fieldError(wrapper, label).text()).toBe(words))
    }
    expect(wrapper.find('.office-mentorships__dialog form').isVisible()).toBe(true)

    await wrapper.find('.office-mentorships__dialog textarea').setValue('  带他认识 3 号楼的独居老人 ')
    await confirm()
    await vi.waitFor(() => expect(posts()).toHaveLength(5))
    expect(posts().at(-1)).toEqual({ method: 'POST', path: '/communities/c-nanmen/mentorships', body: { mentorId: 'leader-4', menteeId: 'leader-3', note: '带他认识 3 号楼的独居老人' } })
    await vi.waitFor(() => expect(sent.filter((s) => s.method === 'GET').length).toBeGreaterThan(1))
  })

  it('ends a pairing once the office confirms, and says so when it had ended already', async () => {
    const { wrapper, sent, next } = await page()
    const confirm = vi.spyOn(ElMessageBox, 'confirm').mockRejectedValueOnce('cancel')
    await buttonNamed(wrapper, '结束带教').trigger('click')
    await vi.waitFor(() => expect(confirm).toHaveBeenCalledOnce())
    expect(confirm.mock.calls[0]![0]).toBe('结束 王姐 带 小李？结束后，带教楼长手机上就看不到新楼长的清单了。')
    expect(sent.filter((s) => s.method === 'POST')).toEqual([])

    // Element Plus types the answer as an intersection no value has; a confirm resolves (a cancel rejects).
    confirm.mockResolvedValue('confirm' as unknown as MessageBoxData)
    await buttonNamed(wrapper, '结束带教').trigger('click')
    await vi.waitFor(() => expect(sent.filter((s) => s.method === 'POST').map((s) => s.path)).toEqual([`/mentorships/${rows[0]!.id}/end`]))
    await vi.waitFor(() => expect(document.body.textContent).toContain('已结束带教'))

    // Another desk ended it meanwhile (this double still lists it as lasting).
    next.refuse = [409, 'alreadyEnded']
    await buttonNamed(wrapper, '结束带教').trigger('click')
    await vi.waitFor(() => expect(document.body.textContent).toContain('这对已经结束了'))
  })
})
