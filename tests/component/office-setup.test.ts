import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ElMessageBox, type MessageBoxData } from 'element-plus'
import { Account, AccountChange, BuildingSummary, DeviceInfo, IssuedPassword, NewAccount, RosterPreview, type User } from '@/domain'
import { db } from '@/app/db/database'
import { createOfficeApi, setOfficeApi } from '@/app/features/office/api'
import OfficePeople from '@/app/features/office/OfficePeople.vue'
import OfficeRoster from '@/app/features/office/OfficeRoster.vue'
import { mountWithApp } from './setup'

/*
 * The set-up pages against a fetch double standing for the server: it answers what the contracts in
 * src/domain/accounts.ts and roster.ts say, parsing what it is sent and what it answers with the same schemas.
 */

// Element Plus tables and dialogs render slowly in happy-dom on a machine shared with other runs.
const SLOW = { timeout: 8000 }

const office: User = { id: 'u-office1', username: 'office1', displayName: '社区办公室', role: 'office', communityId: 'c-nanmen', buildingIds: [] }
const SERVER = 'https://doorstep.example'

interface Call {
  method: string
  path: string
  /** The query string, `?…` or empty. */
  search: string
  body: unknown
}

/** A server of routes `METHOD /path` → handler; anything else is a 404 as the real one answers. */
function serverDouble(routes: Record<string, (body: unknown) => { status?: number; json: unknown }>) {
  const calls: Call[] = []
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input))
    expect(url.origin).toBe(SERVER)
    expect(new Headers(init?.headers).get('authorization')).toBe('Bearer office-token')
    const method = init?.method ?? 'GET'
    const path = url.pathname.replace(/^\/api\/v1/, '')
    const raw = init?.body
    const body = typeof raw === 'string' ? JSON.parse(raw) : raw
    calls.push({ method, path, search: url.search, body })
    const route = routes[`${method} ${path}`]
    const answer = route ? route(body) : { status: 404, json: { error: 'not_found', message: 'no such route' } }
    if (answer.status === 204) return new Response(null, { status: 204 })
    return new Response(JSON.stringify(answer.json), { status: answer.status ?? 200, headers: { 'content-type': 'application/json' } })
  })
  setOfficeApi(createOfficeApi({ session: async () => ({ serverUrl: SERVER, token: 'office-token' }), fetch }))
  return calls
}

beforeEach(async () => {
  await db.meta.bulkPut([
    { key: 'user', value: JSON.stringify(office) },
    { key: 'userId', value: office.id },
  ])
})
afterEach(() => setOfficeApi(undefined))

const buildings = [
  BuildingSummary.parse({ id: 'b-nanmen-115-2', gridId: 'g-1', address: '南门路115号之二', name: '', households: 12, residents: 30, leaders: [] }),
  BuildingSummary.parse({ id: 'b-qiaohu-32', gridId: 'g-1', address: '桥湖街32号', name: '', households: 8, residents: 20, leaders: [] }),
]
const account = (fields: Partial<Account>): Account =>
  Account.parse({ id: 'u-x', username: 'x', displayName: '某人', role: 'leader', communityId: 'c-nanmen', buildingIds: [], disabled: false, mustChangePassword: false, phone: null, lastSeenAt: null, ...fields })

describe('the people page', { timeout: 30_000 }, () => {
  it('creates a leader and shows the one-time password once, with what to tell them', async () => {
    const accounts = [account({ id: 'u-leader1', username: 'leader1', displayName: '王芳', buildingIds: ['b-nanmen-115-2'] })]
    const calls = serverDouble({
      'GET /communities/c-nanmen/accounts': () => ({ json: accounts }),
      'GET /communities/c-nanmen/buildings': () => ({ json: buildings }),
      'POST /communities/c-nanmen/accounts': (body) => {
        const asked = NewAccount.parse(body)
        const made = account({ id: 'u-new', ...asked, mustChangePassword: true })
        accounts.push(made)
        return { status: 201, json: IssuedPassword.parse({ account: made, password: 'Kx7-pq2-Wm9' }) }
      },
    })
    const { wrapper } = await mountWithApp(OfficePeople, { route: '/office/people' })
    const names = () => wrapper.findAll('.office-people__table tbody tr').map((tr) => tr.find('td').text())

    await vi.waitFor(() => expect(names()).toEqual(['王芳']), SLOW)
    expect(wrapper.find('.office-people__table tbody').text()).toContain('南门路115号之二')

    await wrapper.findAll('button').find((b) => b.text() === '新建账号')!.trigger('click')
    await vi.waitFor(() => expect(wrapper.find('.office-people__create input[name="username"]').exists()).toBe(true), SLOW)
    // A username the contract refuses is caught before anything is sent.
    await wrapper.find('.office-people__create input[name="username"]').setValue('李 伟')
    await wrapper.find('.office-people__create input[name="displayName"]').setValue('李伟')
    await wrapper.find('.office-people__submit').trigger('click')
    await vi.waitFor(() => expect(wrapper.find('.office-people__create').text()).toContain('3 到 40 位字母、数字'), SLOW)
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0)

    await wrapper.find('.office-people__create input[name="username"]').setValue('liwei')
    await wrapper.find('.office-people__submit').trigger('click')

    await vi.waitFor(() => expect(wrapper.find('[data-testid="one-time-password"]').exists()).toBe(true), SLOW)
    expect(calls.find((c) => c.method === 'POST')).toMatchObject({ path: '/communities/c-nanmen/accounts', body: { username: 'liwei', displayName: '李伟', role: 'leader', buildingIds: [] } })
    const dialog = wrapper.find('.office-people__password')
    expect(dialog.find('[data-testid="one-time-password"]').text()).toBe('Kx7-pq2-Wm9')
    expect(dialog.text()).toContain('李伟（用户名 liwei）')
    expect(dialog.text()).toContain('第一次登录时必须改成自己的密码')
    await vi.waitFor(() => expect(names()).toEqual(['王芳', '李伟']), SLOW)
    expect(wrapper.find('.office-people__table').text()).toContain('待改初始密码')

    // Once closed, the password is gone from the page.
    await dialog.findAll('button').find((b) => b.text() === '我已记下')!.trigger('click')
    await vi.waitFor(() => expect(wrapper.find('[data-testid="one-time-password"]').exists()).toBe(false), SLOW)
    expect(document.body.textContent).not.toContain('Kx7-pq2-Wm9')
  })

  it("keeps a leader's phone number: refused beside the field when it is no number, then saved and listed", async () => {
    const accounts = [account({ id: 'u-leader1', username: 'leader1', displayName: '王芳' })]
    const calls = serverDouble({
      'GET /communities/c-nanmen/accounts': () => ({ json: accounts }),
      'GET /communities/c-nanmen/buildings': () => ({ json: buildings }),
      'PATCH /accounts/u-leader1': (body) => {
        Object.assign(accounts[0]!, AccountChange.parse(body))
        return { json: accounts[0] }
      },
    })
    const { wrapper } = await mountWithApp(OfficePeople, { route: '/office/people' })
    await vi.waitFor(() => expect(wrapper.findAll('.office-people__table tbody tr')).toHaveLength(1), SLOW)

    await wrapper.findAll('.office-people__table button').find((b) => b.text() === '修改')!.trigger('click')
    const phone = () => wrapper.find('.office-people__edit input[name="phone"]')
    await vi.waitFor(() => expect(phone().exists()).toBe(true), SLOW)
    await phone().setValue('找王姐')
    await wrapper.find('.office-people__save-edit').trigger('click')
    await vi.waitFor(() => expect(wrapper.find('.office-people__edit').text()).toContain('手机号写数字，5 到 20 位'), SLOW)
    expect(calls.filter((c) => c.method === 'PATCH')).toHaveLength(0)
    expect((phone().element as HTMLInputElement).value).toBe('找王姐')

    await phone().setValue(' 138 0013 8000 ')
    await wrapper.find('.office-people__save-edit').trigger('click')
    await vi.waitFor(() => expect(wrapper.find('.office-people__table tbody').text()).toContain('138 0013 8000'), SLOW)
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ displayName: '王芳', phone: '138 0013 8000' })
  })

  it('offers to sign a phone out or to wipe it, says what each does, and sends the one chosen', async () => {
    const devices = [
      DeviceInfo.parse({ id: 'd-old', userId: 'u-leader1', name: '旧手机', createdAt: '2026-11-01T08:00:00.000Z', lastSeenAt: null, revokedAt: null }),
      DeviceInfo.parse({ id: 'd-lost', userId: 'u-leader1', name: '丢了的手机', createdAt: '2026-11-02T08:00:00.000Z', lastSeenAt: null, revokedAt: null }),
      // Signed out by the office a while ago, and then found to be stolen: it can still be wiped.
      DeviceInfo.parse({ id: 'd-gone', userId: 'u-leader1', name: '被偷的手机', createdAt: '2026-10-01T08:00:00.000Z', lastSeenAt: null, revokedAt: '2026-11-01T08:00:00.000Z', revocation: 'sign_out' }),
      DeviceInfo.parse({ id: 'd-wiped', userId: 'u-leader1', name: '清过的手机', createdAt: '2026-09-01T08:00:00.000Z', lastSeenAt: null, revokedAt: '2026-10-01T08:00:00.000Z', revocation: 'wipe' }),
    ]
    const calls = serverDouble({
      'GET /communities/c-nanmen/accounts': () => ({ json: [account({ id: 'u-leader1', username: 'leader1', displayName: '王芳' })] }),
      'GET /communities/c-nanmen/buildings': () => ({ json: buildings }),
      'GET /users/u-leader1/devices': () => ({ json: devices }),
      'DELETE /users/u-leader1/devices/d-old': () => ({ status: 204, json: null }),
      'DELETE /users/u-leader1/devices/d-lost': () => ({ status: 204, json: null }),
      'DELETE /users/u-leader1/devices/d-gone': () => ({ status: 204, json: null }),
    })
    const confirm = vi.spyOn(ElMessageBox, 'confirm').mockResolvedValue('confirm' as unknown as MessageBoxData)
    const { wrapper } = await mountWithApp(OfficePeople, { route: '/office/people' })
    await vi.waitFor(() => expect(wrapper.findAll('button').some((b) => b.text() === '设备')).toBe(true), SLOW)
    await wrapper.findAll('button').find((b) => b.text() === '设备')!.trigger('click')
    const buttons = (row: number) => document.querySelectorAll('.el-dialog tbody tr')[row]?.querySelectorAll('button')
    await vi.waitFor(() => expect(buttons(1)?.length).toBe(2), SLOW)
    expect([...buttons(0)!].map((b) => b.textContent?.trim())).toEqual(['退出登录', '清除数据'])
    const row = (index: number) => document.querySelectorAll('.el-dialog tbody tr')[index]!
    expect(row(2).textContent).toContain('社区已让它退出')
    expect([...buttons(2)!].map((b) => b.textContent?.trim())).toEqual(['清除数据'])
    expect(row(3).textContent).toContain('已清除数据')
    expect(buttons(3)!.length).toBe(0)

    buttons(0)![0]!.click()
    await vi.waitFor(() => expect(calls.filter((c) => c.method === 'DELETE')).toHaveLength(1), SLOW)
    expect(String(confirm.mock.calls[0]![0])).toContain('先把没同步的记录传上来')
    buttons(1)![1]!.click()
    await vi.waitFor(() => expect(calls.filter((c) => c.method === 'DELETE')).toHaveLength(2), SLOW)
    expect(String(confirm.mock.calls[1]![0])).toContain('没同步的记录不要了')
    buttons(2)![0]!.click()
    await vi.waitFor(() => expect(calls.filter((c) => c.method === 'DELETE')).toHaveLength(3), SLOW)
    // Each revocation shows in the list it reloads.
    await vi.waitFor(() => expect(calls.filter((c) => c.path === '/users/u-leader1/devices')).toHaveLength(4), SLOW)
    expect(calls.filter((c) => c.method === 'DELETE').map((c) => `${c.path}${c.search}`)).toEqual([
      '/users/u-leader1/devices/d-old?mode=sign_out',
      '/users/u-leader1/devices/d-lost?mode=wipe',
      '/users/u-leader1/devices/d-gone?mode=wipe',
    ])
    confirm.mockRestore()
  })

  it('says plainly when the server cannot be reached', async () => {
    setOfficeApi(
      createOfficeApi({
        session: async () => ({ serverUrl: SERVER, token: 'office-token' }),
        fetch: async () => {
          throw new TypeError('Failed to fetch')
        },
      }),
    )
    const { wrapper } = await mountWithApp(OfficePeople, { route: '/office/people' })
    await vi.waitFor(() => expect(wrapper.find('[role="alert"]').text()).toContain('连不上服务器'), SLOW)
  })

  it('says what the server refused, by its code', async () => {
    serverDouble({ 'GET /communities/c-nanmen/accounts': () => ({ status: 403, json: { error: 'password_change_required', message: 'change it' } }) })
    const { wrapper } = await mountWithApp(OfficePeople, { route: '/office/people' })
    await vi.waitFor(() => expect(wrapper.find('[role="alert"]').text()).toContain('请先修改初始密码'), SLOW)
  })
})

describe('the roster import', { timeout: 30_000 }, () => {
  const counts = { added: 0, changed: 0, unchanged: 0 }
  const withProblems = RosterPreview.parse({
    rows: 40,
    buildings: counts,
    households: { ...counts, added: 3 },
    residents: { ...counts, added: 37, movedOut: 2 },
    problems: [
      ...Array.from({ length: 24 }, (_, i) => ({ row: i + 2, column: '电话', code: 'phone', message: `第${i + 2}行电话号码不对` })),
      { row: null, column: null, code: 'duplicate', message: '同一个房号出现了两次' },
    ],
  })
  const clean = RosterPreview.parse({ ...withProblems, problems: [], residents: { ...counts, added: 37, changed: 1, movedOut: 2 } })

  async function upload(wrapper: Awaited<ReturnType<typeof mountWithApp>>['wrapper'], name: string, text: string) {
    // The community comes with the signed-in user, read from this device.
    await vi.waitFor(() => expect(wrapper.find('[data-testid="roster-file"]').exists()).toBe(true), SLOW)
    const input = wrapper.find('[data-testid="roster-file"]')
    Object.defineProperty(input.element, 'files', { value: [new File([text], name)], configurable: true })
    await input.trigger('change')
  }

  it('shows every problem, paged, keeps the import shut while there are any, then imports the same bytes', async () => {
    const calls = serverDouble({
      'POST /communities/c-nanmen/roster/preview': (body) => ({
        json: new TextDecoder().decode(body as ArrayBuffer).includes('bad') ? withProblems : clean,
      }),
      'POST /communities/c-nanmen/roster/import': () => ({ json: clean }),
    })
    const { wrapper } = await mountWithApp(OfficeRoster, { route: '/office/residents?tab=import' })
    const confirm = () => wrapper.find('.office-roster__confirm')
    const problemRows = () => wrapper.findAll('.office-roster__problem-table tbody tr').map((tr) => tr.findAll('td').map((td) => td.text()))

    await upload(wrapper, 'roster.csv', 'bad rows')
    await vi.waitFor(() => expect(wrapper.text()).toContain('有 25 个问题'), SLOW)
    expect(problemRows()).toHaveLength(20)
    expect(problemRows()[0]).toEqual(['2', '电话', '第2行电话号码不对'])
    expect(confirm().attributes('disabled')).toBeDefined()
    expect(wrapper.find('.office-roster__counts').text()).toContain('37')

    await wrapper.find('.office-page__pages .btn-next').trigger('click')
    await vi.waitFor(() => expect(problemRows()).toHaveLength(5), SLOW)
    expect(problemRows().at(-1)).toEqual(['整个文件', '', '同一个房号出现了两次'])
    expect(confirm().attributes('disabled')).toBeDefined()
    expect(calls.some((c) => c.path.endsWith('/import'))).toBe(false)

    await upload(wrapper, 'roster.csv', 'good rows')
    await vi.waitFor(() => expect(wrapper.text()).toContain('没有问题，可以导入'), SLOW)
    expect(confirm().attributes('disabled')).toBeUndefined()
    await confirm().trigger('click')

    await vi.waitFor(() => expect(wrapper.find('[role="status"]').text()).toContain('新增 37 位、变更 1 位、搬走 2 位'), SLOW)
    const sent = calls.filter((c) => c.method === 'POST').map((c) => [c.path, new TextDecoder().decode(c.body as ArrayBuffer)])
    expect(sent).toEqual([
      ['/communities/c-nanmen/roster/preview', 'bad rows'],
      ['/communities/c-nanmen/roster/preview', 'good rows'],
      ['/communities/c-nanmen/roster/import', 'good rows'],
    ])
  })

  it('shows the problems of an import the server refused', async () => {
    serverDouble({
      'POST /communities/c-nanmen/roster/preview': () => ({ json: clean }),
      'POST /communities/c-nanmen/roster/import': () => ({ status: 422, json: { error: 'invalid_roster', message: 'rows changed', preview: withProblems } }),
    })
    const { wrapper } = await mountWithApp(OfficeRoster, { route: '/office/residents?tab=import' })
    await upload(wrapper, 'roster.xlsx', 'rows')
    await vi.waitFor(() => expect(wrapper.find('.office-roster__confirm').attributes('disabled')).toBeUndefined(), SLOW)
    await wrapper.find('.office-roster__confirm').trigger('click')

    await vi.waitFor(() => expect(wrapper.find('[role="alert"]').text()).toContain('花名册有问题，没有导入'), SLOW)
    expect(wrapper.text()).toContain('有 25 个问题')
    expect(wrapper.find('.office-roster__confirm').attributes('disabled')).toBeDefined()
  })
})
