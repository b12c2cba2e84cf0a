import { afterAll, beforeAll, expect, it } from 'vitest'
import { ROSTER_HEADER_ROW, rosterRows, uuidv7, type AuditEvent, type AuditPage, type RosterCell } from '@/domain'
import { demoBuildings, demoCommunity, demoGrids, demoHouseholds, demoResidents } from '@/domain/demo'
import { visitFields } from '../fixtures'
import { mutation } from '../fixtures/mutations'
import { describeEngines, newIssue, pushBody, startApi, type TestApi } from './api'

const A = demoCommunity.id
/** A number only the account created here has: it must not reach the audit either. */
const ACCOUNT_PHONE = '13900001234'

/** The demo roster as a CSV, one line per resident. */
const rosterCsv = () =>
  [ROSTER_HEADER_ROW, ...rosterRows({ grids: demoGrids, buildings: demoBuildings, households: demoHouseholds, residents: demoResidents })]
    .map((cells: RosterCell[]) => cells.map((c) => c ?? '').join(','))
    .join('\n')

/** The audit: each audited action leaves one event naming ids and counts, and only an admin reads them. */
describeEngines('the audit', (engine) => {
  let api: TestApi
  let office: { token: string; deviceId: string }
  let admin: string
  const clock = { now: Date.parse('2026-11-25T02:00:00.000Z') }
  beforeAll(async () => {
    api = await startApi(engine, { clock: () => new Date(clock.now) })
    office = await api.login('office1')
    admin = (await api.login('admin1')).token
  })
  afterAll(() => api?.close())

  /** Every stored event, oldest first, as the table holds it. */
  const stored = () => api.tables().selectFrom('audit_events').selectAll().orderBy('id').execute()
  /** Runs `act` and answers the events it recorded, as the admin reads them, oldest first. */
  async function recordedBy(act: () => Promise<void>): Promise<AuditEvent[]> {
    const before = new Set((await stored()).map((row) => row.id))
    clock.now += 60_000
    await act()
    const page = (await api.call('GET', '/api/v1/audit?pageSize=200', { token: admin })).json as AuditPage
    return page.events.filter((event) => !before.has(event.id)).reverse()
  }
  const expectOk = (answer: { status: number; body: string }) => expect(answer.status, answer.body).toBeLessThan(300)
  const officeActor = { actorId: 'u-office1', actorName: expect.any(String), actorRole: 'office', communityId: A }

  it("records the office's reads of residents, households, visits and reports, by what its device received; never a leader's pull", async () => {
    let cursor = ''
    const pull = (token: string) => async () => {
      const answer = await api.call('GET', `/api/v1/sync/pull?limit=1000&cursor=${cursor}`, { token })
      expect(answer.status, answer.body).toBe(200)
      cursor = (answer.json as { cursor: string }).cursor
    }
    const events = await recordedBy(pull(office.token))
    expect(events.map((e) => e.action).sort()).toEqual(['households.read', 'residents.read'])
    const rowsOf = (action: string) => events.find((e) => e.action === action)!
    expect(rowsOf('residents.read')).toMatchObject({ ...officeActor, target: office.deviceId, rows: demoResidents.length, detail: { via: 'sync' } })
    expect(rowsOf('households.read')).toMatchObject({ ...officeActor, target: office.deviceId, rows: demoHouseholds.length })

    // Pulled to the end: nothing new, nothing recorded; a page of other tables is not a read of residents.
    expect(await recordedBy(pull(office.token))).toEqual([])
    const officeCursor = cursor
    cursor = ''
    expect(await recordedBy(async () => expect((await api.call('GET', '/api/v1/sync/pull?limit=1', { token: office.token })).status).toBe(200))).toEqual([])
    const leader = await api.login('leader1')
    expect(await recordedBy(pull(leader.token))).toEqual([])

    // The leaders' records, as they reach the office: a visit in October (the export below asks for November) and a report.
    const records = [mutation.put('visits', uuidv7(), visitFields({ visitedAt: '2026-10-20T02:30:00.000Z' })), newIssue()]
    expect((await api.call('POST', '/api/v1/sync/push', { token: leader.token, json: pushBody(leader.deviceId, records) })).status).toBe(200)
    expect(await recordedBy(pull(leader.token))).toEqual([])
    cursor = officeCursor
    const received = await recordedBy(pull(office.token))
    expect(received.map(({ action, rows }) => [action, rows]).sort()).toEqual([
      ['issues.read', 1],
      ['visits.read', 1],
    ])
  })

  it("records the coverage list of a building's households", async () => {
    const building = demoBuildings[0]!.id
    const households = demoHouseholds.filter((h) => h.buildingId === building).length
    const events = await recordedBy(async () => {
      expectOk(await api.call('GET', `/api/v1/communities/${A}/coverage/households?month=2026-11&buildingId=${building}`, { token: office.token }))
    })
    expect(events).toEqual([
      expect.objectContaining({ ...officeActor, action: 'households.read', target: A, rows: households, detail: { via: 'coverage', month: '2026-11', buildingId: building, leaderId: null } }),
    ])
  })

  it('records each export with its filters and, once written, how many rows it had; the report and the roster files too', async () => {
    const leader = await api.login('leader1')
    const visits = [0, 1, 2].map(() => mutation.put('visits', uuidv7(), visitFields()))
    expectOk(await api.call('POST', '/api/v1/sync/push', { token: leader.token, json: pushBody(leader.deviceId, visits) }))

    const exported = await recordedBy(async () => {
      const answer = await api.call('GET', `/api/v1/communities/${A}/exports/visits.csv?from=2026-11-01&to=2026-11-30`, { token: office.token })
      expectOk(answer)
      expect(answer.body).toContain('走访')
    })
    expect(exported).toEqual([
      expect.objectContaining({
        ...officeActor,
        action: 'export.visits',
        target: A,
        rows: 3,
        detail: { format: 'csv', from: '2026-11-01', to: '2026-11-30', buildingId: null, status: null, category: null },
      }),
    ])
    const issues = await recordedBy(async () => expectOk(await api.call('GET', `/api/v1/communities/${A}/exports/issues.xlsx?status=submitted`, { token: admin })))
    expect(issues).toEqual([expect.objectContaining({ actorId: 'u-admin1', actorRole: 'admin', communityId: A, action: 'export.issues', rows: 1, detail: expect.objectContaining({ format: 'xlsx', status: 'submitted' }) })])

    const report = await recordedBy(async () => expectOk(await api.call('GET', `/api/v1/communities/${A}/report.xlsx?month=2026-11`, { token: office.token })))
    expect(report).toEqual([expect.objectContaining({ ...officeActor, action: 'report.download', target: A, rows: null, detail: { format: 'xlsx', month: '2026-11' } })])

    const roster = await recordedBy(async () => expectOk(await api.call('GET', `/api/v1/communities/${A}/roster.xlsx`, { token: office.token })))
    expect(roster).toEqual([expect.objectContaining({ ...officeActor, action: 'roster.export', target: A, rows: demoResidents.length })])
  })

  it('records every roster import, refused ones too, with counts and never the problems (they quote the file)', async () => {
    const send = (body: string) => api.call('POST', `/api/v1/communities/${A}/roster/import`, { token: office.token, body, headers: { 'content-type': 'text/csv' } })
    const imported = await recordedBy(async () => expectOk(await send(rosterCsv())))
    expect(imported).toEqual([
      expect.objectContaining({
        ...officeActor,
        action: 'roster.import',
        target: A,
        rows: demoResidents.length,
        detail: expect.objectContaining({ file: 'csv', imported: true, problems: 0, residentsAdded: 0, residentsChanged: 0 }),
      }),
    ])
    const refused = await recordedBy(async () => expect((await send(`${rosterCsv()}\n没有这栋楼,101,孙悟空,12345`)).status).toBe(422))
    expect(refused).toEqual([expect.objectContaining({ action: 'roster.import', rows: demoResidents.length + 1, detail: expect.objectContaining({ imported: false, problems: expect.any(Number) }) })])
    expect(refused[0]!.detail.problems).toBeGreaterThan(0)
    // Previews read the file only: not recorded.
    expect(await recordedBy(async () => void (await api.call('POST', `/api/v1/communities/${A}/roster/preview`, { token: office.token, body: rosterCsv(), headers: { 'content-type': 'text/csv' } })))).toEqual([])
  })

  it("records the office's actions on accounts and devices, naming the account or device and never a value typed", async () => {
    let userId = ''
    const created = await recordedBy(async () => {
      const answer = await api.call('POST', `/api/v1/communities/${A}/accounts`, {
        token: office.token,
        json: { username: 'audited-leader', displayName: '审计楼长', role: 'leader', phone: ACCOUNT_PHONE, buildingIds: [demoBuildings[0]!.id] },
      })
      expectOk(answer)
      userId = (answer.json as { account: { id: string } }).account.id
    })
    expect(created).toEqual([expect.objectContaining({ ...officeActor, action: 'account.create', target: userId, rows: null, detail: { role: 'leader', buildings: 1 } })])

    const changed = await recordedBy(async () => expectOk(await api.call('PATCH', `/api/v1/accounts/${userId}`, { token: office.token, json: { displayName: '改过的名字', disabled: true } })))
    expect(changed).toEqual([expect.objectContaining({ ...officeActor, action: 'account.change', target: userId, detail: { fields: ['disabled', 'displayName'], disabled: true } })])
    expectOk(await api.call('PATCH', `/api/v1/accounts/${userId}`, { token: office.token, json: { disabled: false } }))

    const reset = await recordedBy(async () => expectOk(await api.call('POST', `/api/v1/accounts/${userId}/password`, { token: office.token })))
    expect(reset).toEqual([expect.objectContaining({ ...officeActor, action: 'account.password_reset', target: userId, detail: {} })])

    const buildings = [demoBuildings[0]!.id, demoBuildings[1]!.id]
    const assigned = await recordedBy(async () => expectOk(await api.call('PUT', `/api/v1/accounts/${userId}/buildings`, { token: office.token, json: { buildingIds: buildings } })))
    expect(assigned).toEqual([expect.objectContaining({ ...officeActor, action: 'account.buildings', target: userId, detail: { buildingIds: buildings } })])

    const phone = await api.login('leader1')
    const revoked = await recordedBy(async () => expectOk(await api.call('DELETE', `/api/v1/users/u-leader1/devices/${phone.deviceId}?mode=wipe`, { token: office.token })))
    expect(revoked).toEqual([
      expect.objectContaining({ ...officeActor, action: 'device.revoke', target: phone.deviceId, targetName: "演示楼长 · leader1's phone", detail: { mode: 'wipe', account: 'u-leader1' } }),
    ])
    // Names are looked up when listed, as they stand now: the table keeps the ids.
    expect(reset[0]!.targetName).toBe('改过的名字')

    // A refused action did nothing, and is not recorded as done.
    const refused = await recordedBy(async () => expect((await api.call('PATCH', `/api/v1/accounts/u-office1`, { token: office.token, json: { disabled: true } })).status).toBe(403))
    expect(refused).toEqual([])
  })

  it('holds no resident name or phone number, nor the numbers typed for an account, anywhere in its table or its answers', async () => {
    const text = JSON.stringify(await stored())
    expect((await stored()).length).toBeGreaterThan(10)
    const residents = demoResidents.flatMap((r) => [r.name, r.phone ?? []].flat())
    expect(residents.length).toBeGreaterThan(demoResidents.length)
    const secrets = [...residents, ACCOUNT_PHONE, '孙悟空', '审计楼长', '改过的名字']
    expect(secrets.filter((secret) => text.includes(secret))).toEqual([])
    const answer = (await api.call('GET', '/api/v1/audit?pageSize=200', { token: admin })).body
    expect([...residents, ACCOUNT_PHONE, '孙悟空'].filter((secret) => answer.includes(secret))).toEqual([])
  })

  it('answers the request it records even when the audit cannot be written', async () => {
    const storage = api.storage
    const recordAudit = storage.recordAudit.bind(storage)
    storage.recordAudit = () => Promise.reject(new Error('disk full'))
    try {
      expectOk(await api.call('PATCH', '/api/v1/accounts/u-leader2', { token: office.token, json: { displayName: '二号楼长' } }))
      const file = await api.call('GET', `/api/v1/communities/${A}/exports/visits.csv`, { token: office.token })
      expectOk(file)
      expect(file.body).toContain('走访')
    } finally {
      storage.recordAudit = recordAudit
    }
  })

  it('filters by community, actor, action and China days, and pages newest first', async () => {
    const get = async (query: string) => {
      const answer = await api.call('GET', `/api/v1/audit?${query}`, { token: admin })
      expect(answer.status, answer.body).toBe(200)
      return answer.json as AuditPage
    }
    const all = await get('pageSize=200')
    expect(all.total).toBe(all.events.length)
    expect(all.events.map((e) => e.at)).toEqual(all.events.map((e) => e.at).sort().reverse())

    const revocations = await get('action=device.revoke')
    expect(revocations.total).toBe(1)
    expect((await get(`actorId=u-admin1`)).events.every((e) => e.actorId === 'u-admin1')).toBe(true)
    expect((await get(`actorId=u-admin1`)).total).toBe(1)
    expect((await get(`communityId=${A}&pageSize=200`)).total).toBe(all.total)
    const other = await api.call('POST', '/api/v1/communities', { token: admin, json: { name: '北门社区' } })
    expect((await get(`communityId=${(other.json as { id: string }).id}`)).total).toBe(0)

    const page2 = await get('pageSize=2&page=2')
    expect(page2).toEqual({ total: all.total, events: all.events.slice(2, 4) })

    // 2026-11-25 10:00 in China plus a minute per action: all on the 25th, none on the 24th.
    expect((await get('from=2026-11-25&to=2026-11-25&pageSize=200')).total).toBe(all.total)
    expect((await get('to=2026-11-24')).total).toBe(0)
    clock.now = Date.parse('2026-11-25T16:30:00.000Z') // 00:30 on the 26th in China
    expectOk(await api.call('POST', '/api/v1/accounts/u-leader2/password', { token: office.token }))
    expect((await get('from=2026-11-26')).events.map((e) => e.action)).toEqual(['account.password_reset'])
  })

  it('refuses bad filters (400) and everyone but an admin (403)', async () => {
    for (const query of ['from=2026-11-30&to=2026-11-01', 'action=residents.delete', 'pageSize=1000', 'page=0', 'from=yesterday', 'communityId=c-nowhere']) {
      const answer = await api.call('GET', `/api/v1/audit?${query}`, { token: admin })
      expect(answer.status, query).toBe(400)
    }
    for (const username of ['office1', 'leader1', 'office2']) {
      const { token } = await api.login(username)
      const answer = await api.call('GET', '/api/v1/audit', { token })
      expect(answer.status, username).toBe(403)
    }
    expect((await api.call('GET', '/api/v1/audit')).status).toBe(401)
  })
})
