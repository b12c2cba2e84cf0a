import { afterAll, beforeAll, expect, it } from 'vitest'
import { uuidv7, type Account, type BuildingSummary, type Change, type CommunitySummary, type IssuedPassword, type MutationResult, type PullResponse } from '@/domain'
import { demoBuildings, demoCommunity, demoHouseholds, demoResidents } from '@/domain/demo'
import { mutation } from '../fixtures/mutations'
import { describeEngines, newIssue, pushBody, startApi, type TestApi } from './api'

/**
 * The office's set-up routes (src/domain/accounts.ts) through the real server on both engines: who may do
 * what, one-time passwords and the password change, name cards on the phones, buildings moving between
 * leaders, and every refusal leaving the database as it was.
 */

const A = demoCommunity.id
const B = 'c-other'
const [b1, b2, b3] = demoBuildings.map((b) => b.id) as [string, string, string]
const bB = 'b-beimen-1'

type Session = { token: string; deviceId: string }

describeEngines('office accounts and communities', (engine) => {
  let api: TestApi
  let office: Session
  let officeB: Session
  let leader: Session
  let admin: Session
  beforeAll(async () => {
    api = await startApi(engine)
    await api.storage.putReference(B, 'communities', [{ id: B, name: '北门社区' }])
    await api.storage.putReference(B, 'grids', [{ id: 'g-beimen-1', communityId: B, name: '北门第一网格' }])
    await api.storage.putReference(B, 'buildings', [{ id: bB, gridId: 'g-beimen-1', communityId: B, address: '北门路1号', name: '', floors: 6 }])
    office = await api.login('office1')
    officeB = await api.login('office2')
    leader = await api.login('leader1')
    admin = await api.login('admin1')
  })
  afterAll(() => api.close())

  const get = (who: Session, url: string) => api.call('GET', `/api/v1${url}`, { token: who.token })
  const send = (who: Session, method: 'POST' | 'PATCH' | 'PUT', url: string, json?: unknown) => api.call(method, `/api/v1${url}`, { token: who.token, json })

  async function pull(who: Session, cursor = ''): Promise<PullResponse> {
    const answer = await get(who, `/sync/pull?limit=1000&cursor=${cursor}`)
    expect(answer.status, answer.body).toBe(200)
    return answer.json as PullResponse
  }

  async function push(who: Session, mutations: unknown[]): Promise<MutationResult[]> {
    const answer = await api.call('POST', '/api/v1/sync/push', { token: who.token, json: pushBody(who.deviceId, mutations) })
    expect(answer.status, answer.body).toBe(200)
    return (answer.json as { results: MutationResult[] }).results
  }

  async function create(who: Session, community: string, body: Record<string, unknown>): Promise<IssuedPassword> {
    const answer = await send(who, 'POST', `/communities/${community}/accounts`, body)
    expect(answer.status, answer.body).toBe(201)
    return answer.json as IssuedPassword
  }

  const expectError = (answer: { status: number; json: unknown }, status: number, code: string) => {
    expect(answer.status, JSON.stringify(answer.json)).toBe(status)
    expect(answer.json).toMatchObject({ error: code })
  }

  it('creates a leader with a one-time password that works once, and only for the password change', async () => {
    const { account, password } = await create(office, A, { username: 'wang.li', displayName: '王丽', role: 'leader', buildingIds: [b3] })
    expect(account).toMatchObject({ username: 'wang.li', displayName: '王丽', role: 'leader', communityId: A, buildingIds: [b3], disabled: false, mustChangePassword: true, lastSeenAt: null })
    expect(password).toMatch(/^[a-hjkmnp-z2-9]{4}-[a-hjkmnp-z2-9]{4}-[a-hjkmnp-z2-9]{4}$/)

    const login = await api.call('POST', '/api/v1/auth/login', { json: { username: 'wang.li', password, deviceName: '王丽的手机' } })
    expect(login.status).toBe(200)
    const session = login.json as Session & { mustChangePassword: boolean }
    expect(session.mustChangePassword).toBe(true)
    expectError(await get(session, '/sync/pull'), 403, 'password_change_required')
    expectError(await send(session, 'POST', '/sync/push', pushBody(session.deviceId, [])), 403, 'password_change_required')

    const change = (currentPassword: string, newPassword: string) => send(session, 'POST', '/auth/password', { currentPassword, newPassword })
    expectError(await change(password, '1111111111'), 400, 'weak_password')
    expectError(await change(password, 'wang.li'), 400, 'weak_password')
    expectError(await change(password, password), 400, 'weak_password')
    expectError(await change('not-the-password', 'lao-wang-302-home'), 403, 'forbidden')
    expectError(await get(session, '/sync/pull'), 403, 'password_change_required')
    expect((await change(password, 'lao-wang-302-home')).status).toBe(204)

    expect((await get(session, '/sync/pull')).status).toBe(200)
    expect((await api.call('POST', '/api/v1/auth/login', { json: { username: 'wang.li', password, deviceName: 'x' } })).status).toBe(401)
    const again = await api.login('wang.li', 'lao-wang-302-home')
    expect((again as unknown as { mustChangePassword: boolean }).mustChangePassword).toBe(false)
  })

  it('refuses bad accounts with a 4xx naming the problem, and stores nothing', async () => {
    // Without lastSeenAt, which the refused requests themselves move.
    const accounts = async () => ((await get(office, `/communities/${A}/accounts`)).json as Account[]).map(({ lastSeenAt: _, ...rest }) => rest)
    const before = await accounts()
    const attempt = (body: Record<string, unknown>, who = office, community = A) => send(who, 'POST', `/communities/${community}/accounts`, body)
    const unknown = await attempt({ username: 'zhao1', displayName: '赵一', role: 'leader', buildingIds: [b1, 'b-nowhere'] })
    expectError(unknown, 400, 'bad_request')
    expect((unknown.json as { message: string }).message).toContain('b-nowhere')
    const foreign = await attempt({ username: 'zhao2', displayName: '赵二', role: 'leader', buildingIds: [bB] })
    expectError(foreign, 400, 'bad_request')
    expect((foreign.json as { message: string }).message).toContain(bB)
    expectError(await attempt({ username: 'zhao3', displayName: '赵三', role: 'office', buildingIds: [b1] }), 400, 'bad_request')
    expectError(await attempt({ username: 'x', displayName: '太短', role: 'leader' }), 400, 'bad_request')
    expectError(await attempt({ username: 'zhao4', displayName: '', role: 'leader' }), 400, 'bad_request')
    expectError(await attempt({ username: 'leader1', displayName: '重名', role: 'leader' }), 409, 'conflict')
    expectError(await attempt({ username: 'zhao5', displayName: '赵五', role: 'admin' }), 403, 'forbidden')
    expectError(await attempt({ username: 'zhao6', displayName: '赵六', role: 'leader' }, leader), 403, 'forbidden')
    expectError(await attempt({ username: 'zhao7', displayName: '赵七', role: 'leader' }, officeB), 404, 'not_found')
    expect(await accounts()).toEqual(before)
    for (const name of ['zhao1', 'zhao2', 'zhao3', 'zhao4', 'zhao5', 'zhao6', 'zhao7']) expect(await api.storage.findUserByUsername(name)).toBeUndefined()
  })

  it('shows a community only to its office and the admin, and set-up never to a leader', async () => {
    expectError(await get(leader, '/communities'), 403, 'forbidden')
    expectError(await get(leader, `/communities/${A}/accounts`), 403, 'forbidden')
    expectError(await get(leader, `/communities/${A}/buildings`), 403, 'forbidden')
    expectError(await get(officeB, `/communities/${A}/accounts`), 404, 'not_found')
    expectError(await get(officeB, `/communities/${A}/buildings`), 404, 'not_found')
    expectError(await get(office, '/communities/c-nowhere/accounts'), 404, 'not_found')
    expectError(await send(officeB, 'PATCH', '/accounts/u-leader1', { displayName: '别人' }), 404, 'not_found')
    expectError(await send(officeB, 'POST', '/accounts/u-leader1/password'), 404, 'not_found')
    expectError(await send(office, 'PATCH', '/accounts/u-admin1', { disabled: true }), 403, 'forbidden')
    expectError(await send(office, 'POST', '/accounts/u-admin1/password'), 403, 'forbidden')
    expectError(await send(office, 'PATCH', '/accounts/u-nobody', { displayName: '谁' }), 404, 'not_found')
    expect((await api.storage.getUser('u-admin1'))?.disabled).toBe(false)

    const mine = (await get(office, '/communities')).json as CommunitySummary[]
    const accounts = ((await get(office, `/communities/${A}/accounts`)).json as Account[]).length
    expect(mine).toEqual([
      { id: A, name: demoCommunity.name, settings: demoCommunity.settings, buildings: demoBuildings.length, households: demoHouseholds.length, residents: demoResidents.filter((r) => !r.movedOutAt).length, accounts },
    ])
    const all = (await get(admin, '/communities')).json as CommunitySummary[]
    expect(all.map((c) => c.id).sort()).toEqual([A, B].sort())
    expect(((await get(admin, `/communities/${B}/accounts`)).json as Account[]).map((a) => a.username)).toEqual(['office2'])

    const buildings = (await get(office, `/communities/${A}/buildings`)).json as BuildingSummary[]
    expect(buildings.map((b) => b.id)).toEqual(demoBuildings.map((b) => b.id))
    expect(buildings.find((b) => b.id === b1)?.leaders).toEqual([{ id: 'u-leader1', displayName: '演示楼长' }])
    expect(buildings.find((b) => b.id === b1)?.households).toBe(demoHouseholds.filter((h) => h.buildingId === b1).length)
  })

  it('lets only the admin create a community, which starts with one grid', async () => {
    expectError(await send(office, 'POST', '/communities', { name: '新社区' }), 403, 'forbidden')
    expectError(await send(leader, 'POST', '/communities', { name: '新社区' }), 403, 'forbidden')
    expectError(await send(admin, 'POST', '/communities', { name: '' }), 400, 'bad_request')
    expect(await api.storage.listCommunities()).toHaveLength(2)
    const made = await send(admin, 'POST', '/communities', { name: '东门社区' })
    expect(made.status, made.body).toBe(201)
    const community = made.json as { id: string; name: string }
    expect(community.name).toBe('东门社区')
    expect(await api.storage.listReference(community.id, 'grids')).toEqual([{ id: expect.any(String), communityId: community.id, name: '第一网格' }])
    // The admin sets the new community up: its first office account.
    const { account } = await create(admin, community.id, { username: 'dongmen.office', displayName: '东门社区办公室', role: 'office' })
    expect(account.communityId).toBe(community.id)
    const colleague = await create(admin, community.id, { username: 'admin2', displayName: '第二位管理员', role: 'admin' })
    expect(colleague.account.communityId).toBeNull()
  })

  it('renames, disables and resets an account; the phones of its community get its new name card', async () => {
    const { account } = await create(office, A, { username: 'sun.qiang', displayName: '孙强', role: 'office' })
    const { cursor } = await pull(leader)
    const renamed = await send(office, 'PATCH', `/accounts/${account.id}`, { displayName: '孙强（社工）' })
    expect(renamed.status, renamed.body).toBe(200)
    expect(renamed.json).toMatchObject({ id: account.id, displayName: '孙强（社工）' })
    const cards = (await pull(leader, cursor)).changes.filter((c) => c.table === 'users')
    expect(cards.map((c) => c.record)).toEqual([{ id: account.id, communityId: A, displayName: '孙强（社工）', role: 'office', active: true }])

    expectError(await send(office, 'PATCH', `/accounts/${account.id}`, { displayName: '' }), 400, 'bad_request')
    expectError(await send(office, 'PATCH', '/accounts/u-office1', { disabled: true }), 403, 'forbidden')
    const { cursor: beforeDisabling } = await pull(leader)
    expect((await send(office, 'PATCH', `/accounts/${account.id}`, { disabled: true })).json).toMatchObject({ disabled: true, displayName: '孙强（社工）' })
    expect((await pull(leader, beforeDisabling)).changes.filter((c) => c.table === 'users').map((c) => c.record)).toMatchObject([{ id: account.id, active: false }])
    const reset = await send(office, 'POST', `/accounts/${account.id}/password`)
    expect(reset.status, reset.body).toBe(200)
    const { password } = reset.json as IssuedPassword
    expect((await api.call('POST', '/api/v1/auth/login', { json: { username: 'sun.qiang', password, deviceName: 'x' } })).status).toBe(401)
    expect((await send(office, 'PATCH', `/accounts/${account.id}`, { disabled: false })).json).toMatchObject({ disabled: false, mustChangePassword: true })
    const login = await api.call('POST', '/api/v1/auth/login', { json: { username: 'sun.qiang', password, deviceName: 'x' } })
    expect(login.json).toMatchObject({ mustChangePassword: true })
  })

  it("keeps a person's phone number for the office: set, changed, cleared, refused when it is no number, never on the name card", async () => {
    const { account } = await create(office, A, { username: 'li.hua', displayName: '李华', role: 'leader', phone: ' 13912345678 ' })
    expect(account.phone).toBe('13912345678')
    const { cursor } = await pull(leader)
    const changed = await send(office, 'PATCH', `/accounts/${account.id}`, { phone: '0750-3123456' })
    expect(changed.json).toMatchObject({ phone: '0750-3123456', displayName: '李华' })
    // A number is the office's to call, not a colleague's phone's to hold.
    expect((await pull(leader, cursor)).changes.filter((c) => c.table === 'users')).toEqual([])

    expectError(await send(office, 'PATCH', `/accounts/${account.id}`, { phone: '找王姐' }), 400, 'bad_request')
    expectError(await send(office, 'POST', `/communities/${A}/accounts`, { username: 'li.ming', displayName: '李明', role: 'leader', phone: '1391234567890123456789' }), 400, 'bad_request')
    expect(await api.storage.findUserByUsername('li.ming')).toBeUndefined()
    expect((await api.storage.getUser(account.id))?.phone).toBe('0750-3123456')

    expect((await send(office, 'PATCH', `/accounts/${account.id}`, { phone: null })).json).toMatchObject({ phone: null })
    expect((await send(office, 'PATCH', `/accounts/${account.id}`, { displayName: '李华华' })).json).toMatchObject({ phone: null, displayName: '李华华' })
  })

  it('lists, renames and resets an account stored with a username the workspace would not make (张伟)', async () => {
    const id = uuidv7()
    await api.storage.createUser({ id, username: '张伟', displayName: '张伟', role: 'leader', communityId: A, buildingIds: [], passwordHash: 'x' })
    const list = await get(office, `/communities/${A}/accounts`)
    expect(list.status, list.body).toBe(200)
    expect((list.json as Account[]).find((a) => a.id === id)).toMatchObject({ username: '张伟' })
    const renamed = await send(office, 'PATCH', `/accounts/${id}`, { displayName: '张伟（楼长）' })
    expect(renamed.status, renamed.body).toBe(200)
    const reset = await send(office, 'POST', `/accounts/${id}/password`)
    expect(reset.status, reset.body).toBe(200)
    const login = await api.call('POST', '/api/v1/auth/login', { json: { username: '张伟', password: (reset.json as IssuedPassword).password, deviceName: 'x' } })
    expect(login.json).toMatchObject({ mustChangePassword: true })
  })

  it("sends name cards to the phones of the card's community only, and none of an admin", async () => {
    const cardsOf = async (who: Session) => (await pull(who)).changes.filter((c) => c.table === 'users').map((c) => c.id)
    const community = await cardsOf(leader)
    expect(community).toEqual(expect.arrayContaining(['u-leader1', 'u-leader2', 'u-office1']))
    expect(community).not.toContain('u-office2')
    expect(community).not.toContain('u-admin1')
    const other = await cardsOf(officeB)
    expect(other).toContain('u-office2')
    expect(other).not.toContain('u-leader1')
    expect(await cardsOf(admin)).toEqual([])
    expect(new Set((await pull(admin)).changes.map((c) => c.table))).toEqual(new Set(['communities']))
  })

  it("moves a building between leaders: the old leader's next pull resets without it, the new one's brings it", async () => {
    const report = newIssue({ buildingId: b1 })
    expect(await push(leader, [report])).toMatchObject([{ status: 'applied' }])
    const { cursor } = await pull(leader)
    const leader2 = await api.login('leader2')

    const unchanged = await send(office, 'PUT', '/accounts/u-leader1/buildings', { buildingIds: [b2, 'b-nowhere'] })
    expectError(unchanged, 400, 'bad_request')
    expectError(await send(office, 'PUT', '/accounts/u-leader1/buildings', { buildingIds: [bB] }), 400, 'bad_request')
    expectError(await send(office, 'PUT', '/accounts/u-office1/buildings', { buildingIds: [b1] }), 400, 'bad_request')
    expectError(await send(leader, 'PUT', '/accounts/u-leader2/buildings', { buildingIds: [b1] }), 403, 'forbidden')
    expect((await api.storage.getUser('u-leader1'))?.buildingIds).toEqual([b1, b2].sort())

    expect((await send(office, 'PUT', '/accounts/u-leader1/buildings', { buildingIds: [b2] })).json).toMatchObject({ buildingIds: [b2] })
    expect((await send(office, 'PUT', '/accounts/u-leader2/buildings', { buildingIds: [b3, b1] })).json).toMatchObject({ buildingIds: [b1, b3].sort() })
    const after = await pull(leader, cursor)
    expect(after.reset).toBe(true)
    const inB1 = (c: Change) => c.id === b1 || c.record.buildingId === b1 || c.id === report.recordId
    expect(after.changes.filter(inB1)).toEqual([])
    expect(after.changes.some((c) => c.record.buildingId === b2)).toBe(true)
    expect((await api.pullAll(leader2.token)).some((c) => c.id === report.recordId)).toBe(true)
    // Several leaders per building are fine.
    expect((await send(office, 'PUT', '/accounts/u-leader1/buildings', { buildingIds: [b1, b2] })).status).toBe(200)
    const summary = (await get(office, `/communities/${A}/buildings`)).json as BuildingSummary[]
    expect(summary.find((b) => b.id === b1)?.leaders.map((l) => l.id).sort()).toEqual(['u-leader1', 'u-leader2'])
  })

  it('assigns a report to office staff of its community only', async () => {
    const report = newIssue()
    expect(await push(leader, [report])).toMatchObject([{ status: 'applied' }])
    const { account } = await create(office, A, { username: 'zhou.min', displayName: '周敏', role: 'office' })
    expect(await push(office, [mutation.assign(report.recordId, account.id)])).toMatchObject([{ status: 'applied' }])
    for (const assignee of ['u-leader2', 'u-nobody', 'u-office2', 'u-admin1']) {
      expect(await push(office, [mutation.assign(report.recordId, assignee)]), assignee).toMatchObject([{ status: 'rejected', code: 'invalid' }])
    }
    const stored = (await api.pullAll(office.token)).find((c) => c.id === report.recordId)
    expect(stored?.record.assignee).toBe(account.id)
  })

  it('lets an admin push nothing: each mutation is refused as data', async () => {
    const report = newIssue()
    expect(await push(admin, [report, mutation.assign(uuidv7(), null)])).toMatchObject([
      { mutationId: report.mutationId, status: 'rejected', code: 'forbidden' },
      { status: 'rejected', code: 'forbidden' },
    ])
  })
})
