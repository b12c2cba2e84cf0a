import { afterAll, beforeAll, expect, it } from 'vitest'
import { uuidv7, type MenteeView, type MentorNote, type Mentorship, type MentorshipRow, type Mutation, type MutationResult } from '@/domain'
import { demoHouseholds, demoResidents } from '@/domain/demo'
import { hashPassword } from '@/server/auth/passwords'
import { DEMO_PASSWORD } from '@/server/seed'
import { issueFields, visitFields } from '../fixtures'
import { mentorNoteFields } from '../fixtures/mentorship'
import { mutation } from '../fixtures/mutations'
import { describeEngines, pushBody, startApi, type TestApi } from './api'

/*
 * 老带新 on the server: the office pairs a new leader (leader1, of the first two buildings) with an old hand
 * (leader2, of 桥湖路32号); the mentor reads the mentee's work and leaves notes the mentee's phone pulls, until
 * the office ends the pairing. leader3 leads a building of its own and is nobody's mentee at first.
 */

const A = 'c-nanmen'
const [b1, b2] = ['b-nanmen-115-2', 'b-nanmen-117']
const mentorsOwn = 'b-qiaohu-32'
const leader3Building = 'b-huanbei-8'
type Caller = { token: string; deviceId: string }
const outcome = (r: MutationResult) => (r.status === 'rejected' ? `rejected:${r.code}` : r.status)

describeEngines('mentorships (老带新)', (engine) => {
  let api: TestApi
  const now = new Date('2026-11-20T04:00:00.000Z')
  let office: Caller
  let officeB: Caller
  let admin: Caller
  let mentee: Caller
  let mentor: Caller
  let leader3: Caller
  let pairing: Mentorship
  const followUp = uuidv7()
  const openReport = uuidv7()
  const resolvedReport = uuidv7()
  const mentorsReport = uuidv7()
  const note = uuidv7()

  const call = (who: Caller, method: 'GET' | 'POST' | 'PATCH', url: string, json?: unknown) => api.call(method, `/api/v1${url}`, { token: who.token, json })
  async function push(who: Caller, mutations: Mutation[]): Promise<string[]> {
    const answer = await api.call('POST', '/api/v1/sync/push', { token: who.token, json: pushBody(who.deviceId, mutations) })
    expect(answer.status, answer.body).toBe(200)
    return (answer.json as { results: MutationResult[] }).results.map(outcome)
  }
  const pairings = () => api.tables().selectFrom('mentorships').selectAll().orderBy('id').execute()
  const notes = () => api.tables().selectFrom('records').select(['id', 'rev', 'data']).where('table_name', '=', 'mentorNotes').orderBy('id').execute()
  const audited = (action: string) =>
    api.tables().selectFrom('audit_events').select(['actor_id', 'target', 'rows', 'detail']).where('action', '=', action).orderBy('id').execute()
  const mine = async (who: Caller) => {
    const answer = await call(who, 'GET', '/mentorships/mine')
    expect(answer.status, answer.body).toBe(200)
    return answer.json as MenteeView[]
  }
  const pulledNotes = async (who: Caller) => (await api.pullAll(who.token)).filter((c) => c.table === 'mentorNotes').map((c) => c.id)

  beforeAll(async () => {
    api = await startApi(engine, { clock: () => now })
    await api.storage.createUser({
      id: 'u-leader3',
      username: 'leader3',
      displayName: '三号楼长',
      role: 'leader',
      communityId: A,
      buildingIds: [leader3Building],
      passwordHash: await hashPassword(DEMO_PASSWORD),
    })
    office = await api.login('office1')
    officeB = await api.login('office2')
    admin = await api.login('admin1')
    mentee = await api.login('leader1')
    mentor = await api.login('leader2')
    leader3 = await api.login('leader3')
    // The mentee's work: a follow-up due yesterday, a report waiting, one the office has resolved; the mentor's own report.
    const household = demoHouseholds.find((h) => h.buildingId === b1)!
    const visit = visitFields({ householdId: household.id, residentIds: [], visitedAt: '2026-11-12T02:00:00.000Z', needs: '想申请居家养老服务', followUpOn: '2026-11-19' })
    expect(await push(mentee, [mutation.put('visits', followUp, visit), mutation.put('issues', openReport, issueFields()), mutation.put('issues', resolvedReport, issueFields({ location: '1楼信箱' }))])).toEqual([
      'applied',
      'applied',
      'applied',
    ])
    expect(await push(office, [mutation.status(resolvedReport, 'accepted'), mutation.status(resolvedReport, 'in_progress'), mutation.status(resolvedReport, 'resolved', '已换好')])).toEqual([
      'applied',
      'applied',
      'applied',
    ])
    expect(await push(mentor, [mutation.put('issues', mentorsReport, issueFields({ buildingId: mentorsOwn }))])).toEqual(['applied'])
  })
  afterAll(() => api?.close())

  it('pairs two of the community’s leaders as the domain allows, answering each refusal by its name and changing nothing', async () => {
    const pair = (who: Caller, mentorId: string, menteeId: string, community = A) => call(who, 'POST', `/communities/${community}/mentorships`, { mentorId, menteeId, note: '先带他走一遍独居老人' })
    expect((await pair(mentor, 'u-leader2', 'u-leader1')).status).toBe(403)
    expect((await pair(officeB, 'u-leader2', 'u-leader1')).status).toBe(404)
    const refused = async (mentorId: string, menteeId: string) => {
      const answer = await pair(office, mentorId, menteeId)
      return [answer.status, (answer.json as { error: string }).error]
    }
    expect(await refused('u-leader1', 'u-leader1')).toEqual([400, 'samePerson'])
    expect(await refused('u-office1', 'u-leader1')).toEqual([400, 'notLeader'])
    expect(await refused('u-leader2', 'u-nobody')).toEqual([400, 'notLeader'])
    expect(await pairings()).toEqual([])

    const made = await pair(office, 'u-leader2', 'u-leader1')
    expect(made.status, made.body).toBe(201)
    pairing = made.json as Mentorship
    expect(pairing).toMatchObject({ communityId: A, mentorId: 'u-leader2', menteeId: 'u-leader1', note: '先带他走一遍独居老人', startedAt: now.toISOString(), startedBy: 'u-office1', endedAt: null, endedBy: null })

    expect(await refused('u-leader3', 'u-leader1')).toEqual([409, 'menteeTaken'])
    expect(await refused('u-leader1', 'u-leader2')).toEqual([409, 'mentorIsMentee'])
    expect((await pairings()).map((p) => p.id)).toEqual([pairing.id])
    expect(await audited('mentorship.start')).toEqual([{ actor_id: 'u-office1', target: 'u-leader1', rows: null, detail: JSON.stringify({ mentorshipId: pairing.id, mentorId: 'u-leader2' }) }])
  })

  it('lists the community’s pairings to its office and the admin, with both names, and to nobody else', async () => {
    for (const who of [office, admin]) {
      const answer = await call(who, 'GET', `/communities/${A}/mentorships`)
      expect(answer.status, answer.body).toBe(200)
      expect(answer.json as MentorshipRow[]).toEqual([{ ...pairing, mentorName: '二号楼长', menteeName: '演示楼长' }])
    }
    expect((await call(officeB, 'GET', `/communities/${A}/mentorships`)).status).toBe(404)
    expect((await call(mentor, 'GET', `/communities/${A}/mentorships`)).status).toBe(403)
    // Both at the same clock's instant: in no particular order.
    expect((await audited('mentorships.read')).map((e) => [e.actor_id, e.rows]).sort()).toEqual([
      ['u-admin1', 1],
      ['u-office1', 1],
    ])
  })

  it('gives the mentor a copy of the mentee’s worklist and open reports, of the mentee’s buildings only, without residents’ names', async () => {
    expect((await call(office, 'GET', '/mentorships/mine')).status).toBe(403)
    expect(await mine(mentee)).toEqual([])
    const [view, ...more] = await mine(mentor)
    expect(more).toEqual([])
    expect(view!.mentorship).toEqual(pairing)
    expect(view!.mentee).toEqual({ id: 'u-leader1', name: '演示楼长', buildings: expect.arrayContaining([expect.objectContaining({ id: b1 }), expect.objectContaining({ id: b2 })]) as unknown })
    expect(view!.mentee.buildings).toHaveLength(2)
    const household = demoHouseholds.find((h) => h.buildingId === b1)!
    expect(view!.followUps).toEqual([
      { visitId: followUp, householdId: household.id, buildingId: b1, place: `${household.entrance ? `${household.entrance}单元` : ''}${household.unit}`, followUpOn: '2026-11-19', overdueDays: 1, needs: '想申请居家养老服务' },
    ])
    // Every other household of the two buildings is due (nobody has visited them), care households first.
    const due = view!.dueHouseholds
    expect(due.length).toBe(demoHouseholds.filter((h) => h.buildingId === b1 || h.buildingId === b2).length - 1)
    expect(new Set(due.map((d) => d.buildingId))).toEqual(new Set([b1, b2]))
    // The residents' care tags count (the demo has care households there), and no name goes with them.
    expect(due.some((d) => d.care)).toBe(true)
    expect(due.findIndex((d) => !d.care)).toBeGreaterThan(due.findLastIndex((d) => d.care))
    expect(view!.openReports.map((r) => [r.id, r.title, r.status])).toEqual([[openReport, '3楼楼道窗户', 'submitted']])
    const text = JSON.stringify(view)
    for (const resident of demoResidents.filter((r) => due.some((d) => d.householdId === r.householdId))) expect(text).not.toContain(resident.name)
    expect(text).not.toContain(mentorsReport)
    expect(text).not.toContain(mentorsOwn)
    // Each copy is audited like the office's reads: who read whose work, how many rows.
    expect((await audited('mentee.read')).at(-1)).toEqual({
      actor_id: 'u-leader2',
      target: 'u-leader1',
      rows: view!.followUps.length + due.length + view!.openReports.length,
      detail: JSON.stringify({ mentorshipId: pairing.id }),
    })
  })

  it('takes the mentor’s notes on the mentee’s work into the mentee’s phone, not into another building’s leader’s', async () => {
    const own = demoHouseholds.find((h) => h.buildingId === mentorsOwn)!
    const before = await notes()
    // About the mentor's own building, or a report not of the building it is filed under: refused, nothing stored.
    expect(await push(mentor, [mutation.put('mentorNotes', uuidv7(), mentorNoteFields(pairing.id, { buildingId: mentorsOwn, subject: { kind: 'household', id: own.id } }, demoHouseholds))])).toEqual([
      'rejected:forbidden',
    ])
    expect(await push(mentor, [mutation.put('mentorNotes', uuidv7(), mentorNoteFields(pairing.id, { buildingId: b2, subject: { kind: 'issue', id: openReport } }))])).toEqual(['rejected:invalid'])
    expect(await push(leader3, [mutation.put('mentorNotes', uuidv7(), mentorNoteFields(pairing.id, { subject: { kind: 'issue', id: openReport } }))])).toEqual(['rejected:forbidden'])
    expect(await notes()).toEqual(before)

    expect(await push(mentor, [mutation.put('mentorNotes', note, mentorNoteFields(pairing.id, { buildingId: b1, subject: { kind: 'issue', id: openReport }, text: '窗户的事先拍照再报' }))])).toEqual(['applied'])
    expect(await pulledNotes(mentee)).toEqual([note])
    expect(await pulledNotes(office)).toEqual([note])
    expect(await pulledNotes(leader3)).toEqual([])
    expect(await pulledNotes(officeB)).toEqual([])
    // The mentee reads it and may not change it.
    const stored = (await mine(mentor))[0]!.notes
    expect(stored.map((n: MentorNote) => [n.id, n.text, n.createdBy])).toEqual([[note, '窗户的事先拍照再报', 'u-leader2']])
    expect(await push(mentee, [mutation.put('mentorNotes', note, { text: '我改一下' }, stored[0]!.rev)])).toEqual(['rejected:forbidden'])
  })

  it('ends a pairing once, by its community’s office: the mentor then reads nothing and writes no note', async () => {
    expect((await call(officeB, 'POST', `/mentorships/${pairing.id}/end`)).status).toBe(404)
    expect((await call(mentor, 'POST', `/mentorships/${pairing.id}/end`)).status).toBe(403)
    expect((await call(office, 'POST', `/mentorships/${uuidv7()}/end`)).status).toBe(404)
    expect((await pairings())[0]).toMatchObject({ ended_at: null })

    const ended = await call(office, 'POST', `/mentorships/${pairing.id}/end`)
    expect(ended.status, ended.body).toBe(200)
    expect(ended.json).toEqual({ ...pairing, endedAt: now.toISOString(), endedBy: 'u-office1' })
    const again = await call(office, 'POST', `/mentorships/${pairing.id}/end`)
    expect([again.status, (again.json as { error: string }).error]).toEqual([409, 'alreadyEnded'])
    expect(await audited('mentorship.end')).toEqual([{ actor_id: 'u-office1', target: 'u-leader1', rows: null, detail: JSON.stringify({ mentorshipId: pairing.id, mentorId: 'u-leader2' }) }])

    expect(await mine(mentor)).toEqual([])
    const before = await notes()
    const rev = Number(before[0]!.rev)
    expect(await push(mentor, [mutation.put('mentorNotes', uuidv7(), mentorNoteFields(pairing.id, { buildingId: b1, subject: { kind: 'issue', id: openReport } }))])).toEqual(['rejected:locked'])
    expect(await push(mentor, [mutation.put('mentorNotes', note, { text: '还想补一句' }, rev)])).toEqual(['rejected:locked'])
    expect(await push(mentor, [mutation.delete('mentorNotes', note, rev)])).toEqual(['rejected:locked'])
    expect(await notes()).toEqual(before)

    // The new leader is free for another mentor: of two offices pairing them at once, one does, the other is told
    // they are taken. The list shows the pairing that lasts first.
    const raced = await Promise.all(
      ['u-leader3', 'u-leader2'].map((mentorId) => call(mentorId === 'u-leader3' ? office : admin, 'POST', `/communities/${A}/mentorships`, { mentorId, menteeId: 'u-leader1' })),
    )
    expect(raced.map((r) => [r.status, (r.json as { error?: string }).error]).sort()).toEqual([
      [201, undefined],
      [409, 'menteeTaken'],
    ])
    const next = raced.find((r) => r.status === 201)!
    expect((await pairings()).filter((p) => p.ended_at === null)).toHaveLength(1)
    const list = (await call(office, 'GET', `/communities/${A}/mentorships`)).json as MentorshipRow[]
    expect(list.map((p) => [p.id, p.endedAt === null])).toEqual([
      [(next.json as Mentorship).id, true],
      [pairing.id, false],
    ])
  })

  it('ends the pairings of an account the office disables: its mentor reads it no more', async () => {
    const [lasting] = (await pairings()).filter((p) => p.ended_at === null)
    expect(lasting).toMatchObject({ mentee_id: 'u-leader1' })
    const mentorOfIt = lasting!.mentor_id === 'u-leader2' ? mentor : leader3
    expect(await mine(mentorOfIt)).toHaveLength(1)
    const disabled = await call(office, 'PATCH', '/accounts/u-leader1', { disabled: true })
    expect(disabled.status, disabled.body).toBe(200)
    expect((await pairings()).filter((p) => p.ended_at === null)).toEqual([])
    expect((await pairings()).find((p) => p.id === lasting!.id)).toMatchObject({ ended_at: expect.any(String) as unknown, ended_by: 'u-office1' })
    expect(await mine(mentorOfIt)).toEqual([])
  })
})
