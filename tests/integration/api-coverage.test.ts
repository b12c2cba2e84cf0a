import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Community, Coverage, CoverageHousehold, CoverageRow } from '@/domain'
import { describeEngines, startApi, type TestApi } from './api'
import { buildings, field, households, NOW, phoneFigures, seedField, TODAY, users } from './field'

const row = (id: string, label: string, figures: Omit<CoverageRow, 'id' | 'label' | 'coverage' | 'leaders'>, leaders: CoverageRow['leaders'] = []): CoverageRow => ({
  id,
  label,
  ...figures,
  coverage: figures.households ? figures.visited / figures.households : 0,
  leaders,
})
const leaderA = { id: users.leaderA.id, displayName: users.leaderA.displayName }
const leaderB = { id: users.leaderB.id, displayName: users.leaderB.displayName }

describeEngines('coverage', (engine) => {
  let api: TestApi
  let office: string
  let leader: string
  let admin: string
  let otherOffice: string
  beforeAll(async () => {
    api = await startApi(engine, { clock: () => NOW })
    await seedField(api.storage)
    office = (await api.login(users.office.username)).token
    leader = (await api.login(users.leaderA.username)).token
    admin = (await api.login('admin1')).token
    otherOffice = (await api.login('office2')).token
  })
  afterAll(() => api?.close())

  const coverage = async (month: string, token = office) => {
    const answer = await api.call('GET', `/api/v1/communities/${field.id}/coverage?month=${month}`, { token })
    expect(answer.status, answer.body).toBe(200)
    return answer.json as Coverage
  }
  const householdsOf = async (query: string, token = office) => {
    const answer = await api.call('GET', `/api/v1/communities/${field.id}/coverage/households?${query}`, { token })
    expect(answer.status, answer.body).toBe(200)
    return answer.json as CoverageHousehold[]
  }

  it('counts a past month as it stood on its last day, in China days', async () => {
    const a = { households: 3, visited: 2, careHouseholds: 1, careOverdue: 0, householdsOverdue: 1, followUpsOverdue: 1 }
    const b = { households: 2, visited: 1, careHouseholds: 1, careOverdue: 1, householdsOverdue: 1, followUpsOverdue: 0 }
    expect(await coverage('2026-11')).toEqual({
      month: '2026-11',
      asOf: '2026-11-30',
      total: row(field.id, field.name, { households: 6, visited: 3, careHouseholds: 2, careOverdue: 1, householdsOverdue: 3, followUpsOverdue: 1 }),
      byBuilding: [
        row('b-a', '东风路1号', a, [leaderA]),
        row('b-b', '东风路3号 · 之二', b, [leaderB]),
        // Its only leader is disabled: nobody looks after it.
        row('b-c', '东风路5号', { households: 1, visited: 0, careHouseholds: 0, careOverdue: 0, householdsOverdue: 1, followUpsOverdue: 0 }, []),
      ],
      byLeader: [row(users.leaderA.id, users.leaderA.displayName, a), row(users.leaderB.id, users.leaderB.displayName, b)],
    })
  })

  it('counts the running month as it stands today', async () => {
    const december = await coverage('2026-12')
    expect(december.asOf).toBe(TODAY)
    expect(december.total).toEqual(row(field.id, field.name, { households: 6, visited: 2, careHouseholds: 2, careOverdue: 2, householdsOverdue: 4, followUpsOverdue: 1 }))
    expect(december.byBuilding.map((r) => [r.id, r.visited, r.householdsOverdue, r.followUpsOverdue])).toEqual([
      ['b-a', 2, 1, 1],
      ['b-b', 0, 2, 0],
      ['b-c', 0, 1, 0],
    ])
  })

  it('drills down to the households of a building and of a leader', async () => {
    expect(await householdsOf('month=2026-11&buildingId=b-a')).toEqual([
      { householdId: 'hA1', buildingId: 'b-a', entrance: '', unit: '101', residents: ['王阿婆'], careTags: ['elderly_alone'], lastVisitDay: '2026-11-30', dueOn: '2026-12-07', needsVisit: false, visitedInMonth: true, followUpsOverdue: 0 },
      // Visited at 00:30 on 1 December in Beijing: not yet on 30 November.
      { householdId: 'hA2', buildingId: 'b-a', entrance: '', unit: '102', residents: ['李伯'], careTags: [], lastVisitDay: null, dueOn: null, needsVisit: true, visitedInMonth: false, followUpsOverdue: 0 },
      { householdId: 'hA3', buildingId: 'b-a', entrance: '', unit: '201', residents: ['陈姐'], careTags: [], lastVisitDay: '2026-11-15', dueOn: '2026-12-15', needsVisit: false, visitedInMonth: true, followUpsOverdue: 1 },
    ])
    const december = await householdsOf(`month=2026-12&leaderId=${users.leaderA.id}`)
    expect(december.map((h) => [h.householdId, h.lastVisitDay, h.dueOn, h.needsVisit, h.followUpsOverdue])).toEqual([
      ['hA1', '2026-11-30', '2026-12-07', true, 0],
      ['hA2', '2026-12-01', '2026-12-31', false, 1],
      ['hA3', '2026-12-02', '2027-01-01', false, 0],
    ])
  })

  it('gives the figures the phones compute from the same records', async () => {
    const changes = await api.pullAll(office)
    for (const month of ['2026-10', '2026-11', '2026-12']) {
      const phone = phoneFigures(changes, field, month, TODAY)
      const server = (await Promise.all(buildings.map((b) => householdsOf(`month=${month}&buildingId=${b.id}`)))).flat()
      expect(server.map(({ householdId, lastVisitDay, dueOn, needsVisit, visitedInMonth, followUpsOverdue }) => ({ householdId, lastVisitDay, dueOn, needsVisit, visitedInMonth, followUpsOverdue }))).toEqual(
        phone.map(({ care: _care, ...figures }) => figures),
      )
      const total = (await coverage(month)).total
      expect(total).toMatchObject({
        households: households.length,
        visited: phone.filter((h) => h.visitedInMonth).length,
        careOverdue: phone.filter((h) => h.care && h.needsVisit).length,
        householdsOverdue: phone.filter((h) => h.needsVisit).length,
        followUpsOverdue: phone.reduce((sum, h) => sum + h.followUpsOverdue, 0),
      })
    }
  })

  describe('access and bad input', () => {
    it('lets the office of the community and an admin in, refuses leaders and hides other communities', async () => {
      expect((await coverage('2026-11', admin)).total.households).toBe(6)
      for (const path of ['coverage?month=2026-11', 'coverage/households?month=2026-11&buildingId=b-a', 'report?month=2026-11']) {
        expect((await api.call('GET', `/api/v1/communities/${field.id}/${path}`, { token: leader })).json).toMatchObject({ error: 'forbidden' })
        expect((await api.call('GET', `/api/v1/communities/${field.id}/${path}`, { token: otherOffice })).status).toBe(404)
        expect((await api.call('GET', `/api/v1/communities/${field.id}/${path}`)).status).toBe(401)
      }
    })

    it('refuses a bad month and a drill-down that names no building or leader of the community', async () => {
      for (const query of ['coverage?month=2026-13', 'coverage?month=9999-12', 'report?month=9999-12', 'coverage?month=2026-1', 'report?month=november', 'coverage/households?month=2026-11', 'coverage/households?month=2026-11&buildingId=b-a&leaderId=u-field-a']) {
        const answer = await api.call('GET', `/api/v1/communities/${field.id}/${query}`, { token: office })
        expect([answer.status, (answer.json as { error: string }).error], query).toEqual([400, 'bad_request'])
      }
      for (const query of ['buildingId=b-nanmen-117', `leaderId=${users.gone.id}`, 'leaderId=u-leader1']) {
        expect((await api.call('GET', `/api/v1/communities/${field.id}/coverage/households?month=2026-11&${query}`, { token: office })).status, query).toBe(404)
      }
    })
  })

  describe('settings', () => {
    const patch = (json: unknown, token = office) => api.call('PATCH', `/api/v1/communities/${field.id}/settings`, { token, json })
    const counter = async () => Number((await api.tables().selectFrom('counter').select('value').executeTakeFirstOrThrow()).value)

    it('refuses leaders and bad settings, and changes nothing', async () => {
      const before = await counter()
      expect((await patch({ visitIntervalDays: 10 }, leader)).status).toBe(403)
      expect((await patch({ visitIntervalDays: 10 }, otherOffice)).status).toBe(404)
      for (const body of [{ visitIntervalDays: 0 }, { visitIntervalDays: 1.5 }, { silentDeviceDays: 91 }, { careIntervalDays: { grumpy: 3 } }, { careIntervalDays: { disabled: 400 } }, { retentionMonths: 0 }, { retentionMonths: 61 }, { retentionMonths: 2.5 }, { retentionMonths: '12' }, { retentionMonths: null }, { colour: 'red' }, []]) {
        const answer = await patch(body)
        expect([answer.status, (answer.json as { error: string }).error], JSON.stringify(body)).toEqual([400, 'bad_request'])
      }
      expect(await counter()).toBe(before)
    })

    it('changes the intervals, coverage follows, and the phones pull them', async () => {
      const answer = await patch({ visitIntervalDays: 10, careIntervalDays: { elderly_alone: 5 } })
      expect(answer.status, answer.body).toBe(200)
      const settings = { visitIntervalDays: 10, careIntervalDays: { elderly_alone: 5 }, silentDeviceDays: 3, retentionMonths: 12, appLock: 'required', points: field.settings.points }
      expect(answer.json).toEqual(settings)
      // hA3 (last 15 November) and hB2 (10 November) are now overdue on 30 November; hB1 is no longer a care household.
      expect((await coverage('2026-11')).total).toMatchObject({ careHouseholds: 1, careOverdue: 0, householdsOverdue: 5 })
      const pulled = (await api.pullAll(leader)).filter((c) => c.table === 'communities').map((c) => c.record as Community)
      expect(pulled.at(-1)).toEqual({ ...field, settings })
      expect((await patch({ silentDeviceDays: 7 }, admin)).json).toEqual({ ...settings, silentDeviceDays: 7 })
      // How long phones keep old work travels the same way, and leaves the other settings as they were.
      expect((await patch({ retentionMonths: 6 })).json).toEqual({ ...settings, silentDeviceDays: 7, retentionMonths: 6 })
      const latest = (await api.pullAll(leader)).filter((c) => c.table === 'communities').map((c) => c.record as Community)
      expect(latest.at(-1)?.settings.retentionMonths).toBe(6)
    })
  })
})
