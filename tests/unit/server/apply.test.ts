import { describe, expect, it } from 'vitest'
import { CANVASS_FIXED_FIELDS, IssueReport, LEADER_FIELDS, MENTOR_NOTE_FIXED_FIELDS, RECORD_SCHEMAS, RECORD_TABLES, Visit, templateRowId, uuidv7, type ItemAnswer, type Mutation, type RecordTable } from '@/domain'
import { demoHouseholds, demoResidents, demoTemplates } from '@/domain/demo'
import type { MemberPrincipal as Principal } from '@/server/storage/types'
import { applyMutation, templateKey, templateWireId, type Applied, type Mentoring, type Places, type StoredRecord } from '@/server/sync/apply'
import { inspectionFields, issueFields, template, visitFields } from '../../fixtures'
import { canvassAnswerFields, canvassFields } from '../../fixtures/canvass'
import { mediationFields, mediationSession } from '../../fixtures/mediation'
import { mentorNoteFields, mentorship } from '../../fixtures/mentorship'
import { mutation } from '../../fixtures/mutations'

const community = 'c-nanmen'
const [building, secondBuilding] = ['b-nanmen-115-2', 'b-nanmen-117']
const leader: Principal = { userId: 'u-leader1', deviceId: 'd-phone', role: 'leader', communityId: community, buildingIds: [building!, secondBuilding!] }
/** The same leader on a second phone: its edits can conflict with the first phone's. */
const leaderTablet: Principal = { ...leader, deviceId: 'd-tablet' }
const otherLeader: Principal = { userId: 'u-leader2', deviceId: 'd-leader2', role: 'leader', communityId: community, buildingIds: [building!] }
const office: Principal = { userId: 'u-office1', deviceId: 'd-desk', role: 'office', communityId: community, buildingIds: [] }
const otherOffice: Principal = { ...office, userId: 'u-office9', communityId: 'c-elsewhere' }
const now = new Date('2026-11-20T08:00:00.000Z')

/** A flat of the first building's second stairwell (the demo buildings have one each). */
const secondStairwell = { id: `${building}-2-101`, buildingId: building!, entrance: '2' }
/** The demo community's households and residents, as the push would load them from storage. */
const places: Places = {
  buildingOfHousehold: new Map([...demoHouseholds, secondStairwell].map((h) => [h.id, h.buildingId])),
  entranceOfHousehold: new Map([...demoHouseholds, secondStairwell].map((h) => [h.id, h.entrance])),
  householdOfResident: new Map(demoResidents.map((r) => [r.id, r.householdId])),
}

/** The community's template versions, as the push would load those an inspection names. */
const templates = new Map(demoTemplates.map((t) => [templateRowId(t.id, t.version), t]))
/** Photos the leaders uploaded or can see on their records; anything else is someone else's. */
const ownPhoto = 'a'.repeat(64)
const strangersPhoto = 'b'.repeat(64)
const namablePhotos = new Set([ownPhoto])

/** A household of the first building as the push would load it, as the subject of a mentor's note. */
const storedHousehold = (household = demoHouseholds.find((h) => h.buildingId === building)!): StoredRecord => ({
  table: 'households',
  id: household.id,
  communityId: community,
  buildingId: household.buildingId,
  createdBy: null,
  rev: 1,
  deletedAt: null,
  data: household,
  fieldRevs: {},
})
/** The leader mentors the other leader, who leads the first building: what a push loads for the leader's notes there. */
const leaderMentors: Mentoring = {
  pairing: mentorship({ mentorId: leader.userId, menteeId: otherLeader.userId }),
  menteeBuildings: new Set(otherLeader.buildingIds),
  subject: storedHousehold(),
}

let lastRev = 0
function apply(principal: Principal, m: Mutation, current?: StoredRecord, assignee?: Principal & { disabled?: boolean }): Applied {
  const input = { principal, mutation: m, current, rev: ++lastRev, now, places, templates, namablePhotos, mentoring: leaderMentors }
  return applyMutation({ ...input, assignee: assignee && { disabled: false, ...assignee } })
}

/** A new canvass answer, applied with the stored canvass it names as the push would load it. */
function answer(principal: Principal, fields: Record<string, unknown>, canvass: StoredRecord | undefined): Applied {
  return applyMutation({ principal, mutation: mutation.put('canvassAnswers', uuidv7(), fields), current: undefined, rev: ++lastRev, now, places, templates, namablePhotos, canvass })
}

function written(applied: Applied): StoredRecord {
  if (!applied.write) throw new Error(`Expected a write, got ${JSON.stringify(applied.result)}`)
  return applied.write
}

function create(table: RecordTable, fields: Record<string, unknown>, principal = leader): StoredRecord {
  return written(apply(principal, mutation.put(table, uuidv7(), { createdAt: '2026-11-20T02:00:00.000Z', ...fields })))
}

function rejection(applied: Applied) {
  expect(applied.write).toBeUndefined()
  return applied.result.status === 'rejected' ? applied.result.code : `not rejected: ${applied.result.status}`
}

describe('a record about a household', () => {
  const other = demoHouseholds.find((h) => h.buildingId === secondBuilding)!
  const stranger = demoResidents.find((r) => r.householdId === other.id)!

  it('is refused when the household is not in the building it is filed under, or does not exist', () => {
    expect(rejection(apply(leader, mutation.put('visits', uuidv7(), { ...visitFields(), householdId: other.id, residentIds: [] })))).toBe('invalid')
    expect(rejection(apply(leader, mutation.put('issues', uuidv7(), issueFields({ householdId: 'no-such-household' }))))).toBe('invalid')
  })

  it('is refused when a resident named lives in another household, also on an edit', () => {
    expect(rejection(apply(leader, mutation.put('visits', uuidv7(), { ...visitFields(), residentIds: [stranger.id] })))).toBe('invalid')
    const visit = create('visits', visitFields())
    const edit = mutation.put('visits', visit.id, { residentIds: [stranger.id] }, visit.rev)
    expect(rejection(apply(leader, edit, visit))).toBe('invalid')
  })

  it('is accepted without a household (an issue about the stairwell)', () => {
    expect(apply(leader, mutation.put('issues', uuidv7(), issueFields({ householdId: null }))).result.status).toBe('applied')
  })
})

describe('a new record', () => {
  it('is built from the put and the server-owned fields, whatever the device claimed for those', () => {
    const m = mutation.put('visits', uuidv7(), {
      ...visitFields(),
      createdAt: '2026-11-20T02:00:00.000Z',
      updatedAt: '2026-11-20T02:00:00.000Z',
      createdBy: 'someone-else',
      deviceId: 'd-other',
      rev: 99,
      deletedAt: null,
      conflicts: [],
    })
    const { result, write } = apply(leader, m)
    // The stamps are what the server set otherwise than the put: the device writes them over its copy.
    expect(result).toEqual({ mutationId: m.mutationId, status: 'applied', rev: lastRev, stamps: { createdBy: 'u-leader1', deviceId: 'd-phone', updatedAt: now.toISOString() } })
    const record = Visit.parse(write!.data)
    expect(record).toMatchObject({ ...visitFields(), createdBy: 'u-leader1', deviceId: 'd-phone', rev: lastRev, updatedAt: now.toISOString() })
    expect(record.createdAt).toBe('2026-11-20T02:00:00.000Z')
    expect(write).toMatchObject({ table: 'visits', communityId: community, buildingId: building, createdBy: 'u-leader1', deletedAt: null })
    expect(write!.fieldRevs.needs).toEqual({ rev: lastRev, device: 'd-phone' })
  })

  it('an issue report starts submitted, unassigned and without events', () => {
    const record = create('issues', { ...issueFields(), status: 'closed', assignee: 'u-office1', events: [] })
    expect(IssueReport.parse(record.data)).toMatchObject({ status: 'submitted', assignee: null, events: [] })
  })

  it('is refused as invalid with the schema message when a field is wrong or missing', () => {
    const { result } = apply(leader, mutation.put('visits', uuidv7(), { ...visitFields(), purpose: 'gossip' }))
    expect(result).toMatchObject({ status: 'rejected', code: 'invalid', message: expect.stringContaining('purpose') })
    const { householdId: _, ...withoutHousehold } = visitFields()
    expect(rejection(apply(leader, mutation.put('visits', uuidv7(), withoutHousehold)))).toBe('invalid')
  })

  it('refuses unknown fields rather than dropping them', () => {
    const result = apply(leader, mutation.put('visits', uuidv7(), { ...visitFields(), mood: 'happy' })).result
    expect(result).toMatchObject({ code: 'invalid', message: 'Unknown field mood' })
  })

  it('is forbidden in a building not assigned to the leader, and to office staff', () => {
    expect(rejection(apply(leader, mutation.put('visits', uuidv7(), visitFields({ buildingId: 'b-qiaohu-32' }))))).toBe('forbidden')
    expect(rejection(apply(office, mutation.put('visits', uuidv7(), visitFields())))).toBe('forbidden')
  })
})

describe('an edit', () => {
  it('changes the fields it carries, stamps updatedAt and rev, and keeps the rest', () => {
    const visit = create('visits', visitFields())
    const m = mutation.put('visits', visit.id, { needs: '需要上门办理', updatedAt: '2020-01-01T00:00:00.000Z' }, visit.rev)
    const write = written(apply(leader, m, visit))
    expect(write.data).toMatchObject({ needs: '需要上门办理', outcome: visit.data.outcome, rev: lastRev, updatedAt: now.toISOString() })
    expect(write.fieldRevs.needs).toEqual({ rev: lastRev, device: 'd-phone' })
    expect(write.fieldRevs.outcome).toEqual(visit.fieldRevs.outcome)
  })

  it('is refused as immutable_field when it changes a field the leader does not own, and passes unchanged copies', () => {
    const issue = create('issues', issueFields())
    expect(rejection(apply(leader, mutation.put('issues', issue.id, { status: 'closed' }, issue.rev), issue))).toBe('immutable_field')
    expect(rejection(apply(leader, mutation.put('issues', issue.id, { createdBy: 'u-leader2' }, issue.rev), issue))).toBe('immutable_field')
    const snapshot = { ...issue.data, description: '玻璃已经掉下来了' }
    const applied = apply(leader, mutation.put('issues', issue.id, snapshot, issue.rev), issue)
    expect(applied.result.status).toBe('applied')
    expect(applied.write!.data.description).toBe('玻璃已经掉下来了')
  })

  it('is forbidden to another leader, to office staff, and once the building is no longer assigned', () => {
    const visit = create('visits', visitFields())
    const edit = () => mutation.put('visits', visit.id, { needs: '改一下' }, visit.rev)
    expect(rejection(apply(otherLeader, edit(), visit))).toBe('forbidden')
    expect(rejection(apply(office, edit(), visit))).toBe('forbidden')
    expect(rejection(apply({ ...leader, buildingIds: [secondBuilding!] }, edit(), visit))).toBe('forbidden')
  })

  it('may move a record only into another assigned building', () => {
    const visit = create('visits', visitFields())
    expect(rejection(apply(leader, mutation.put('visits', visit.id, { buildingId: 'b-qiaohu-32' }, visit.rev), visit))).toBe('forbidden')
    const there = demoHouseholds.find((h) => h.buildingId === secondBuilding)!
    const move = { buildingId: secondBuilding, householdId: there.id, residentIds: [] }
    const moved = written(apply(leader, mutation.put('visits', visit.id, move, visit.rev), visit))
    expect(moved.buildingId).toBe(secondBuilding)
  })

  it('that changes nothing is answered applied with the current revision and writes nothing', () => {
    const visit = create('visits', visitFields())
    const m = mutation.put('visits', visit.id, { needs: visit.data.needs }, visit.rev)
    expect(apply(leader, m, visit)).toEqual({ result: { mutationId: m.mutationId, status: 'applied', rev: visit.rev, stamps: {} } })
  })

  it('of a deleted record is refused as deleted', () => {
    const visit = create('visits', visitFields())
    const gone = written(apply(leader, mutation.delete('visits', visit.id, visit.rev), visit))
    expect(rejection(apply(leader, mutation.put('visits', visit.id, { needs: '还要' }, gone.rev), gone))).toBe('deleted')
  })
})

describe('a delete', () => {
  it('leaves a tombstone carrying the whole record', () => {
    const visit = create('visits', visitFields())
    const gone = written(apply(leader, mutation.delete('visits', visit.id, visit.rev), visit))
    expect(gone.deletedAt).toBe(now.toISOString())
    expect(gone.data).toMatchObject({ ...visitFields(), deletedAt: now.toISOString(), rev: gone.rev })
  })

  it('of an unknown record is not_found, of a deleted one deleted, of someone else’s forbidden', () => {
    expect(rejection(apply(leader, mutation.delete('visits', uuidv7())))).toBe('not_found')
    const visit = create('visits', visitFields())
    expect(rejection(apply(otherLeader, mutation.delete('visits', visit.id, visit.rev), visit))).toBe('forbidden')
    const gone = written(apply(leader, mutation.delete('visits', visit.id, visit.rev), visit))
    expect(rejection(apply(leader, mutation.delete('visits', visit.id, gone.rev), gone))).toBe('deleted')
  })
})

describe('field conflicts', () => {
  /** A visit both of the leader's devices have at the same revision. */
  function shared() {
    return create('visits', visitFields())
  }

  it('keep the first value and the losing one in conflicts, and apply the loser’s other fields', () => {
    const visit = shared()
    const first = written(apply(leader, mutation.put('visits', visit.id, { needs: '手机上写的' }, visit.rev), visit))
    const m = mutation.put('visits', visit.id, { needs: '平板上写的', outcome: '已处理' }, visit.rev)
    const { result, write } = apply(leaderTablet, m, first)
    const conflict = { field: 'needs', value: '平板上写的', mutationId: m.mutationId, by: 'u-leader1', at: now.toISOString() }
    expect(result).toEqual({ mutationId: m.mutationId, status: 'conflict', rev: write!.rev, conflicts: [conflict] })
    expect(write!.data).toMatchObject({ needs: '手机上写的', outcome: '已处理', conflicts: [conflict] })
  })

  it('are not raised for an equal value, nor by a device against its own earlier edits', () => {
    const visit = shared()
    const first = written(apply(leader, mutation.put('visits', visit.id, { needs: '同一句话' }, visit.rev), visit))
    expect(apply(leaderTablet, mutation.put('visits', visit.id, { needs: '同一句话' }, visit.rev), first).result.status).toBe('applied')
    // Two offline edits from one phone carry the same stale base; the second is simply newer.
    const second = apply(leader, mutation.put('visits', visit.id, { needs: '又改了一次' }, visit.rev), first)
    expect(second.result.status).toBe('applied')
    expect(second.write!.data).toMatchObject({ needs: '又改了一次', conflicts: [] })
  })

  it('are settled by a put of the field from someone who had seen them, and never by a stale put', () => {
    const visit = shared()
    const first = written(apply(leader, mutation.put('visits', visit.id, { needs: 'A' }, visit.rev), visit))
    const lost = written(apply(leaderTablet, mutation.put('visits', visit.id, { needs: 'B' }, visit.rev), first))
    expect(lost.data.conflicts).toHaveLength(1)
    // The phone has not pulled the conflict yet: its next edit of the field must not wipe it.
    const stale = written(apply(leader, mutation.put('visits', visit.id, { needs: 'A2' }, first.rev), lost))
    expect(stale.data).toMatchObject({ needs: 'A2', conflicts: [expect.objectContaining({ value: 'B' })] })
    // After pulling, the tablet picks its value: the conflict is settled.
    const settled = apply(leaderTablet, mutation.put('visits', visit.id, { needs: 'B' }, stale.rev), stale)
    expect(settled.result.status).toBe('applied')
    expect(settled.write!.data).toMatchObject({ needs: 'B', conflicts: [] })
  })

  it('keeping the current value settles too', () => {
    const visit = shared()
    const first = written(apply(leader, mutation.put('visits', visit.id, { needs: 'A' }, visit.rev), visit))
    const lost = written(apply(leaderTablet, mutation.put('visits', visit.id, { needs: 'B' }, visit.rev), first))
    const kept = written(apply(leader, mutation.put('visits', visit.id, { needs: 'A' }, lost.rev), lost))
    expect(kept.data).toMatchObject({ needs: 'A', conflicts: [] })
  })
})

describe('exact echoes', () => {
  const stampsOf = (applied: Applied) => (applied.result.status === 'applied' ? applied.result.stamps : `not applied: ${applied.result.status}`)

  it('an edit on the stored revision is stamped with what the server changed beyond it, and nothing else', () => {
    const visit = create('visits', visitFields())
    // Its own clock's times, which the server's give way to.
    const m = mutation.put('visits', visit.id, { needs: '需要上门办理', createdAt: '2026-11-20T05:00:00.000Z', updatedAt: '2026-11-20T05:00:00.000Z' }, visit.rev)
    expect(stampsOf(apply(leader, m, visit))).toEqual({ updatedAt: now.toISOString(), createdAt: visit.data.createdAt })
  })

  it('an edit after the device’s own unsettled echo is stamped with the whole record but what it sent', () => {
    const visit = create('visits', visitFields())
    // The phone's two offline edits: it settles the record only after the second answer, from its stamps alone.
    const first = { ...written(apply(leader, mutation.put('visits', visit.id, { needs: 'A' }, visit.rev), visit)), echoOf: 'd-phone' }
    const second = apply(leader, mutation.put('visits', visit.id, { outcome: 'B' }, visit.rev), first)
    const { id: _id, rev: _rev, outcome: _sent, ...rest } = second.write!.data
    expect(stampsOf(second)).toEqual(rest)
    expect(rest).toMatchObject({ needs: 'A', createdBy: 'u-leader1', deviceId: 'd-phone' })
  })

  it('is not one when someone else changed the record since the base, nor a conflict, a delete or the office’s change', () => {
    const visit = create('visits', visitFields())
    const tablet = { ...written(apply(leaderTablet, mutation.put('visits', visit.id, { needs: 'A' }, visit.rev), visit)), echoOf: 'd-tablet' }
    const behind = apply(leader, mutation.put('visits', visit.id, { outcome: 'B' }, visit.rev), tablet)
    expect(behind.result).toEqual({ mutationId: expect.any(String), status: 'applied', rev: behind.write!.rev })
    expect(apply(leader, mutation.put('visits', visit.id, { needs: 'C' }, visit.rev), tablet).result.status).toBe('conflict')
    expect(apply(leader, mutation.delete('visits', visit.id, visit.rev), visit).result).not.toHaveProperty('stamps')
    const issue = create('issues', issueFields())
    expect(apply(office, mutation.status(issue.id, 'accepted'), issue).result).not.toHaveProperty('stamps')
  })
})

describe('office actions on an issue report', () => {
  it('move the status along the graph with an event, and refuse moves the graph does not allow', () => {
    const issue = create('issues', issueFields())
    const m = mutation.status(issue.id, 'accepted', '已派物业')
    const accepted = written(apply(office, m, issue))
    const report = IssueReport.parse(accepted.data)
    expect(report.status).toBe('accepted')
    expect(report.events).toEqual([
      { type: 'status', id: m.kind === 'issue.status' ? m.eventId : '', at: now.toISOString(), by: 'u-office1', from: 'submitted', to: 'accepted', note: '已派物业' },
    ])
    expect(rejection(apply(office, mutation.status(issue.id, 'closed'), accepted))).toBe('invalid_transition')
    expect(rejection(apply(leader, mutation.status(issue.id, 'in_progress'), accepted))).toBe('forbidden')
  })

  it('refuse a return or a resolution without a note, as invalid with the reason', () => {
    const issue = create('issues', issueFields())
    const unexplained = apply(office, mutation.status(issue.id, 'rejected', '   '), issue)
    expect(rejection(unexplained)).toBe('invalid')
    expect(unexplained.result).toMatchObject({ message: expect.stringMatching(/note/) })
    const started = [mutation.status(issue.id, 'accepted'), mutation.status(issue.id, 'in_progress')].reduce((r, m) => written(apply(office, m, r)), issue)
    expect(rejection(apply(office, mutation.status(issue.id, 'resolved'), started))).toBe('invalid')
    expect(IssueReport.parse(written(apply(office, mutation.status(issue.id, 'resolved', '窗户已换'), started)).data).status).toBe('resolved')
  })

  it('do not exist for office staff of another community', () => {
    const issue = create('issues', issueFields())
    expect(rejection(apply(otherOffice, mutation.status(issue.id, 'accepted'), issue))).toBe('not_found')
    expect(rejection(apply(otherOffice, mutation.comment(issue.id, '你好'), issue))).toBe('not_found')
  })

  it('comments come from anyone who sees the report, and an event id is used once', () => {
    const issue = create('issues', issueFields())
    const byNeighbour = written(apply(otherLeader, mutation.comment(issue.id, '我也看到了'), issue))
    expect(IssueReport.parse(byNeighbour.data).events).toMatchObject([{ type: 'comment', by: 'u-leader2', text: '我也看到了' }])
    expect(rejection(apply({ ...otherLeader, buildingIds: ['b-qiaohu-32'] }, mutation.comment(issue.id, '看不到'), issue))).toBe('not_found')
    const again = mutation.comment(issue.id, '再说一次')
    const once = written(apply(office, again, byNeighbour))
    expect(rejection(apply(office, { ...again, mutationId: uuidv7() }, once))).toBe('invalid')
  })

  it('assign to office staff of the community or to nobody', () => {
    const issue = create('issues', issueFields())
    const colleague = { ...office, userId: 'u-office2' }
    const assigned = written(apply(office, mutation.assign(issue.id, 'u-office2'), issue, colleague))
    expect(assigned.data.assignee).toBe('u-office2')
    expect(rejection(apply(office, mutation.assign(issue.id, 'u-leader2'), assigned, otherLeader))).toBe('invalid')
    expect(rejection(apply(office, mutation.assign(issue.id, 'u-office9'), assigned, otherOffice))).toBe('invalid')
    expect(rejection(apply(office, mutation.assign(issue.id, 'u-nobody'), assigned))).toBe('invalid')
    expect(rejection(apply(office, mutation.assign(issue.id, 'u-office2'), assigned, { ...colleague, disabled: true }))).toBe('invalid')
    expect(rejection(apply(leader, mutation.assign(issue.id, null), assigned))).toBe('forbidden')
    expect(written(apply(office, mutation.assign(issue.id, null), assigned)).data.assignee).toBeNull()
  })

  it('on a deleted report are refused as deleted', () => {
    const issue = create('issues', issueFields())
    const gone = written(apply(leader, mutation.delete('issues', issue.id, issue.rev), issue))
    expect(rejection(apply(office, mutation.status(issue.id, 'accepted'), gone))).toBe('deleted')
  })
})

describe('a returned report', () => {
  function returnedReport() {
    const issue = create('issues', issueFields())
    return written(apply(office, mutation.status(issue.id, 'rejected', '请写清楚是几楼'), issue))
  }

  it('is edited and resubmitted by its reporter: back to submitted, with their note as an event', () => {
    const report = returnedReport()
    const edited = written(apply(leader, mutation.put('issues', report.id, { location: '三楼楼道' }, report.rev), report))
    const m = mutation.resubmit(report.id, '已补上楼层')
    const again = written(apply(leader, m, edited))
    const data = IssueReport.parse(again.data)
    expect(data).toMatchObject({ status: 'submitted', location: '三楼楼道' })
    expect(data.events.at(-1)).toEqual({
      type: 'status',
      id: m.kind === 'issue.resubmit' ? m.eventId : '',
      at: now.toISOString(),
      by: 'u-leader1',
      from: 'rejected',
      to: 'submitted',
      note: '已补上楼层',
    })
    expect(again.fieldRevs.status?.rev).toBe(again.rev)
  })

  it('is resubmitted by its reporter only, and only while it stands returned', () => {
    const report = returnedReport()
    expect(rejection(apply(otherLeader, mutation.resubmit(report.id), report))).toBe('forbidden')
    expect(rejection(apply(office, mutation.resubmit(report.id), report))).toBe('forbidden')
    const submitted = create('issues', issueFields())
    expect(rejection(apply(leader, mutation.resubmit(submitted.id), submitted))).toBe('invalid_transition')
  })
})

describe('the reporter’s edit of a report', () => {
  it('is refused as locked once the office has taken the report on, and allowed while it waits or stands returned', () => {
    const issue = create('issues', issueFields())
    const edit = (current: StoredRecord) => apply(leader, mutation.put('issues', current.id, { location: '五楼' }, current.rev), current)
    expect(edit(issue).result.status).toBe('applied')
    const accepted = written(apply(office, mutation.status(issue.id, 'accepted'), issue))
    expect(rejection(edit(accepted))).toBe('locked')
    const rejectedReport = written(apply(office, mutation.status(issue.id, 'rejected', '不归社区管'), issue))
    expect(edit(rejectedReport).result.status).toBe('applied')
  })

  it('and their delete, likewise: a report the office works on does not vanish under it', () => {
    const issue = create('issues', issueFields())
    const remove = (current: StoredRecord) => apply(leader, mutation.delete('issues', current.id, current.rev), current)
    const accepted = written(apply(office, mutation.status(issue.id, 'accepted'), issue))
    expect(rejection(remove(accepted))).toBe('locked')
    const rejectedReport = written(apply(office, mutation.status(issue.id, 'rejected', '不归社区管'), issue))
    expect(remove(rejectedReport).result.status).toBe('applied')
    expect(remove(issue).result.status).toBe('applied')
  })
})

describe('the fields a put changes', () => {
  it('are exactly the domain’s leader fields, the set the device sends: any other field must come unchanged', () => {
    const canvass = create('canvasses', canvassFields())
    const records: Record<RecordTable, StoredRecord> = {
      visits: create('visits', visitFields()),
      issues: create('issues', issueFields()),
      inspections: create('inspections', inspectionFields()),
      canvasses: canvass,
      canvassAnswers: written(answer(leader, canvassAnswerFields(canvass.id), canvass)),
      mediations: create('mediations', mediationFields()),
      mentorNotes: create('mentorNotes', mentorNoteFields(leaderMentors.pairing!.id)),
    }
    for (const table of RECORD_TABLES) {
      const current = records[table]
      for (const field of Object.keys(RECORD_SCHEMAS[table].shape)) {
        // Stamped by the server: the device's copy gives way (see "createdAt of a new record").
        if (field === 'updatedAt' || field === 'createdAt') continue
        const { result } = apply(leader, mutation.put(table, current.id, { [field]: '变了' }, current.rev), current)
        const code = result.status === 'rejected' ? result.code : result.status
        // An answer is never changed at all (see "a canvass answer").
        if (table === 'canvassAnswers') {
          expect({ table, field, code }).toEqual({ table, field, code: 'locked' })
          continue
        }
        // A leader field takes the schema's say (the value is likely invalid); any other, and what a canvass is
        // about once opened and what a note is about, is immutable.
        const immutable = code === 'immutable_field'
        const fixed = table === 'canvasses' ? CANVASS_FIXED_FIELDS : table === 'mentorNotes' ? MENTOR_NOTE_FIXED_FIELDS : new Set()
        const owned = LEADER_FIELDS[table].has(field) && !fixed.has(field)
        expect({ table, field, immutable }).toEqual({ table, field, immutable: !owned })
      }
    }
  })
})

describe('publishing a template', () => {
  const template = demoTemplates[0]!
  const stored = (): StoredRecord => ({
    table: 'templates',
    id: `${community}/${template.id}@1`,
    communityId: community,
    buildingId: null,
    createdBy: null,
    rev: 1,
    deletedAt: null,
    data: template,
    fieldRevs: {},
  })

  it('stores a newer version as a community-wide template row', () => {
    const next = { ...template, version: 2, title: '楼道消防安全（新版）' }
    const write = written(apply(office, mutation.publish(next), stored()))
    expect(write).toMatchObject({ table: 'templates', id: `${community}/${template.id}@2`, communityId: community, buildingId: null, data: next })
  })

  it('refuses a version that is not newer, and leaders', () => {
    expect(rejection(apply(office, mutation.publish(template), stored()))).toBe('stale_template')
    expect(rejection(apply(leader, mutation.publish({ ...template, version: 2 }), stored()))).toBe('forbidden')
  })

  it('keys the version by the community, so that another community’s template of the same id is its own', () => {
    // Storage loads only the caller's community's versions: to another community this id is new.
    const write = written(apply(otherOffice, mutation.publish(template), undefined))
    expect(write).toMatchObject({ id: `c-elsewhere/${template.id}@1`, communityId: 'c-elsewhere' })
  })

  it('never gives two communities one key, whatever their ids hold, and the wire gets the version id back', () => {
    expect(templateKey('a/b', 'c', 1)).not.toBe(templateKey('a', 'b/c', 1))
    expect(templateWireId(templateKey('a/b', 'c/d@x', 2))).toBe(templateRowId('c/d@x', 2))
  })
})

describe('an inspection', () => {
  const item = template.items[0]!.id
  const answer: ItemAnswer = { result: 'fail', note: '', photos: [] }

  it('is refused when its template version does not exist', () => {
    const m = mutation.put('inspections', uuidv7(), inspectionFields({ templateId: 'no-such-template' }))
    expect(rejection(apply(leader, m))).toBe('invalid')
    const newer = mutation.put('inspections', uuidv7(), inspectionFields({ templateVersion: template.version + 1 }))
    expect(rejection(apply(leader, newer))).toBe('invalid')
  })

  it('is refused when an answer names no item of its template version, also on an edit', () => {
    const stray = mutation.put('inspections', uuidv7(), inspectionFields({ answers: { 'not-an-item': { result: 'pass', note: '', photos: [] } } }))
    expect(rejection(apply(leader, stray))).toBe('invalid')
    const inspection = create('inspections', inspectionFields({ answers: { [item]: { result: 'pass', note: '', photos: [] } } }))
    const edit = mutation.put('inspections', inspection.id, { answers: { [item]: answer, 'not-an-item': answer } }, inspection.rev)
    expect(rejection(apply(leader, edit, inspection))).toBe('invalid')
  })

  it('of about 1 MB is refused before it is stored, whatever it names', () => {
    const answers = Object.fromEntries(Array.from({ length: 700 }, (_, i) => [`item-${i}`, { ...answer, note: '楼'.repeat(500) }]))
    expect(rejection(apply(leader, mutation.put('inspections', uuidv7(), inspectionFields({ answers }))))).toBe('invalid')
  })

  it('with every item of its template answered is applied', () => {
    const answers = Object.fromEntries(template.items.map((i) => [i.id, { ...answer, note: '楼'.repeat(500), photos: [ownPhoto] }]))
    expect(apply(leader, mutation.put('inspections', uuidv7(), inspectionFields({ answers }))).result.status).toBe('applied')
  })
})

describe('the photos a record names', () => {
  it('may be those the author uploaded or can see, never another building’s', () => {
    expect(apply(leader, mutation.put('visits', uuidv7(), visitFields({ photos: [ownPhoto] }))).result.status).toBe('applied')
    expect(rejection(apply(leader, mutation.put('issues', uuidv7(), issueFields({ photos: [strangersPhoto] }))))).toBe('forbidden')
  })

  it('already on the record stay namable on an edit; a new foreign one is refused', () => {
    const visit = create('visits', visitFields({ photos: [ownPhoto] }))
    const kept = mutation.put('visits', visit.id, { photos: [ownPhoto], outcome: 'again' }, visit.rev)
    expect(apply(leader, kept, { ...visit, data: { ...visit.data, photos: [strangersPhoto, ownPhoto] } }).result.status).toBe('applied')
    const added = mutation.put('visits', visit.id, { photos: [ownPhoto, strangersPhoto] }, visit.rev)
    expect(rejection(apply(leader, added, visit))).toBe('forbidden')
  })
})

describe('a base revision', () => {
  it('newer than the record’s revision is refused, for a put and a delete, and nothing is written', () => {
    const visit = create('visits', visitFields())
    expect(rejection(apply(leaderTablet, mutation.put('visits', visit.id, { outcome: 'from the future' }, visit.rev + 5), visit))).toBe('invalid')
    expect(rejection(apply(leader, mutation.delete('visits', visit.id, visit.rev + 1), visit))).toBe('invalid')
  })

  it('at or below the record’s revision, or null from a device never answered, is taken as before', () => {
    const visit = create('visits', visitFields())
    expect(apply(leader, mutation.put('visits', visit.id, { outcome: 'seen' }, visit.rev), visit).result.status).toBe('applied')
    expect(apply(leader, mutation.put('visits', visit.id, { outcome: 'seen twice' }, null), visit).result.status).toBe('applied')
  })
})

describe('createdAt of a new record', () => {
  const at = (createdAt: string) => Visit.parse(written(apply(leader, mutation.put('visits', uuidv7(), { ...visitFields(), createdAt }))).data).createdAt

  it('is the device’s when it is days old: phones stay offline', () => {
    expect(at('2026-11-02T09:30:00.000Z')).toBe('2026-11-02T09:30:00.000Z')
  })

  it('is the server’s time when the device’s clock is far off, and the record is kept', () => {
    expect(at('1999-01-01T00:00:00.000Z')).toBe(now.toISOString())
    expect(at('2099-01-01T00:00:00.000Z')).toBe(now.toISOString())
    expect(at('2026-11-20T09:00:00.000Z')).toBe(now.toISOString())
  })
  it('stays the server’s when the phone sends the record whole again with its own clock’s time, and the edit goes through', () => {
    // Until the server acknowledges a record, every change of it goes whole (baseRev null), createdAt included.
    const id = uuidv7()
    const fields = { ...visitFields(), createdAt: '2099-01-01T00:00:00.000Z' }
    const stored = written(apply(leader, mutation.put('visits', id, fields)))
    const again = apply(leader, mutation.put('visits', id, { ...fields, needs: '还想问问电梯的事' }), stored)
    expect(again.result.status).toBe('applied')
    expect(Visit.parse(written(again).data)).toMatchObject({ createdAt: now.toISOString(), needs: '还想问问电梯的事' })
  })
})

describe('a canvass', () => {
  const [first, second] = demoHouseholds.filter((h) => h.buildingId === building)
  const otherBuildings = demoHouseholds.find((h) => h.buildingId === secondBuilding)!

  it('asks only households of its building, and of its stairwell when it names one', () => {
    const asking = (households: Array<{ id: string }>, entrance = '') =>
      apply(leader, mutation.put('canvasses', uuidv7(), canvassFields({ entrance, households: households.map((h) => ({ householdId: h.id, area: 60 })) })))
    expect(asking([first!, second!]).result.status).toBe('applied')
    expect(rejection(asking([first!, otherBuildings]))).toBe('invalid')
    expect(rejection(asking([first!, { id: 'no-such-household' }]))).toBe('invalid')
    expect(asking([secondStairwell], '2').result.status).toBe('applied')
    expect(rejection(asking([secondStairwell, first!], '2'))).toBe('invalid')
  })

  it('is opened by a leader of its building only', () => {
    expect(rejection(apply(leader, mutation.put('canvasses', uuidv7(), canvassFields({ buildingId: 'b-qiaohu-32' }))))).toBe('forbidden')
    expect(rejection(apply(office, mutation.put('canvasses', uuidv7(), canvassFields())))).toBe('forbidden')
  })

  it('keeps what it asks of whom and its rule once opened; its creator rewords it, moves its deadline and closes it', () => {
    const canvass = create('canvasses', canvassFields())
    const edit = (fields: Record<string, unknown>, by = leader) => apply(by, mutation.put('canvasses', canvass.id, fields, canvass.rev), canvass)
    expect(rejection(edit({ households: [{ householdId: first!.id, area: 60 }] }))).toBe('immutable_field')
    expect(rejection(edit({ entrance: '2' }))).toBe('immutable_field')
    expect(rejection(edit({ kind: 'fund' }))).toBe('immutable_field')
    expect(rejection(edit({ rule: { participation: null, consent: { num: 1, den: 2 }, consentOf: 'all', noObjection: false } }))).toBe('immutable_field')
    expect(rejection(edit({ buildingId: secondBuilding }))).toBe('immutable_field')
    const closedAt = '2026-11-20T07:00:00.000Z'
    const reworded = written(edit({ ...canvass.data, question: '是否同意加装电梯（费用按楼层分摊）？', deadline: '2026-12-01', closedAt }))
    expect(reworded.data).toMatchObject({ question: '是否同意加装电梯（费用按楼层分摊）？', deadline: '2026-12-01', closedAt, households: canvass.data.households })
    expect(rejection(edit({ question: '改一下' }, otherLeader))).toBe('forbidden')
    expect(rejection(edit({ question: '改一下' }, office))).toBe('forbidden')
  })
})

describe('a canvass answer', () => {
  const canvass = create('canvasses', canvassFields())
  const [first, second] = demoHouseholds.filter((h) => h.buildingId === building)
  const unasked = create('canvasses', canvassFields({ households: [{ householdId: second!.id, area: null }] }))

  it('is taken from any leader of the building, not only the canvass’s creator', () => {
    expect(answer(otherLeader, canvassAnswerFields(canvass.id), canvass).result.status).toBe('applied')
  })

  it('names a canvass that exists and that its leader sees, else not_found', () => {
    expect(rejection(answer(leader, canvassAnswerFields(canvass.id), undefined))).toBe('not_found')
    const elsewhere = { ...canvass, communityId: 'c-elsewhere' }
    expect(rejection(answer(leader, canvassAnswerFields(canvass.id), elsewhere))).toBe('not_found')
    const notAssigned = { ...canvass, buildingId: 'b-qiaohu-32' }
    expect(rejection(answer(leader, canvassAnswerFields(canvass.id), notAssigned))).toBe('not_found')
    const deleted = written(apply(leader, mutation.delete('canvasses', canvass.id, canvass.rev), canvass))
    expect(rejection(answer(leader, canvassAnswerFields(canvass.id), deleted))).toBe('not_found')
  })

  it('is of the canvass’s building and of a household it asks, else invalid', () => {
    // A flat the roster has since moved to another building: its answer is still the canvass's building's.
    const moved = demoHouseholds.find((h) => h.buildingId === secondBuilding)!
    const askingMoved = { ...canvass, data: { ...canvass.data, households: [{ householdId: moved.id, area: null }] } }
    expect(rejection(answer(leader, canvassAnswerFields(canvass.id, { buildingId: secondBuilding, householdId: moved.id }), askingMoved))).toBe('invalid')
    expect(rejection(answer(leader, canvassAnswerFields(unasked.id, { householdId: first!.id }), unasked))).toBe('invalid')
    expect(answer(leader, canvassAnswerFields(unasked.id, { householdId: second!.id }), unasked).result.status).toBe('applied')
  })

  it('given after the canvass closed is locked out; one given before, made offline and arriving late, counts', () => {
    const closed = { ...canvass, data: { ...canvass.data, closedAt: '2026-11-20T05:00:00.000Z' } }
    expect(rejection(answer(leader, canvassAnswerFields(canvass.id, { answeredAt: '2026-11-20T05:00:01.000Z' }), closed))).toBe('locked')
    expect(answer(leader, canvassAnswerFields(canvass.id, { answeredAt: '2026-11-20T05:00:00Z' }), closed).result.status).toBe('applied')
  })

  it('is never edited nor deleted, even by its own leader: a new answer is recorded instead', () => {
    const given = written(answer(leader, canvassAnswerFields(canvass.id), canvass))
    expect(rejection(apply(leader, mutation.put('canvassAnswers', given.id, { answer: 'object' }, given.rev), given))).toBe('locked')
    expect(rejection(apply(leader, mutation.put('canvassAnswers', given.id, { ...given.data }, given.rev), given))).toBe('locked')
    expect(rejection(apply(leader, mutation.delete('canvassAnswers', given.id, given.rev), given))).toBe('locked')
    // Someone else's is not theirs to change, whatever the record's rules.
    expect(rejection(apply(otherLeader, mutation.put('canvassAnswers', given.id, { answer: 'object' }, given.rev), given))).toBe('forbidden')
  })

  it('names as its signature only photos its leader may name', () => {
    expect(answer(leader, canvassAnswerFields(canvass.id, { signature: 'drawn', photos: [ownPhoto] }), canvass).result.status).toBe('applied')
    expect(rejection(answer(leader, canvassAnswerFields(canvass.id, { signature: 'drawn', photos: [strangersPhoto] }), canvass))).toBe('forbidden')
  })
})

describe('a mediation case', () => {
  const [first, second] = demoHouseholds.filter((h) => h.buildingId === building)
  const otherBuildings = demoHouseholds.find((h) => h.buildingId === secondBuilding)!
  const open = (fields: Record<string, unknown>, by = leader) => apply(by, mutation.put('mediations', uuidv7(), fields))

  it('names as parties only households of its building, or people by name', () => {
    expect(open(mediationFields()).result.status).toBe('applied')
    expect(open(mediationFields({ parties: [{ householdId: first!.id, name: '' }, { householdId: null, name: '隔壁单元的王阿姨' }] })).result.status).toBe('applied')
    expect(rejection(open(mediationFields({ parties: [{ householdId: first!.id, name: '' }, { householdId: otherBuildings.id, name: '' }] })))).toBe('invalid')
    expect(rejection(open(mediationFields({ parties: [{ householdId: first!.id, name: '' }, { householdId: 'no-such-household', name: '' }] })))).toBe('invalid')
  })

  it('has at least two parties, each a household or a name', () => {
    expect(rejection(open(mediationFields({ parties: [{ householdId: first!.id, name: '' }] })))).toBe('invalid')
    expect(rejection(open(mediationFields({ parties: [{ householdId: first!.id, name: '' }, { householdId: null, name: ' ' }] })))).toBe('invalid')
  })

  it('sets its outcome and the outcome’s time together', () => {
    const at = '2026-11-20T06:00:00.000Z'
    expect(rejection(open(mediationFields({ outcome: 'settled', outcomeAt: null })))).toBe('invalid')
    expect(rejection(open(mediationFields({ outcome: null, outcomeAt: at })))).toBe('invalid')
    const kept = create('mediations', mediationFields())
    expect(rejection(apply(leader, mutation.put('mediations', kept.id, { outcome: 'settled' }, kept.rev), kept))).toBe('invalid')
    expect(written(apply(leader, mutation.put('mediations', kept.id, { outcome: 'toJudicial', outcomeAt: at }, kept.rev), kept)).data).toMatchObject({ outcome: 'toJudicial', outcomeAt: at })
  })

  it('only gains sessions: one kept is never changed or dropped', () => {
    const session = mediationSession()
    const kept = create('mediations', mediationFields({ sessions: [session] }))
    const sessions = (list: unknown[]) => apply(leader, mutation.put('mediations', kept.id, { sessions: list }, kept.rev), kept)
    expect(sessions([session, mediationSession()]).result.status).toBe('applied')
    expect(rejection(sessions([]))).toBe('invalid')
    expect(rejection(sessions([{ ...session, notes: '改过的记录' }]))).toBe('invalid')
    expect(rejection(sessions([mediationSession(), session]))).toBe('invalid')
  })

  it('is opened by a leader of its building and changed by its creator only', () => {
    expect(rejection(open(mediationFields({ buildingId: 'b-qiaohu-32' })))).toBe('forbidden')
    expect(rejection(open(mediationFields(), office))).toBe('forbidden')
    const kept = create('mediations', mediationFields())
    const edit = (by: Principal) => apply(by, mutation.put('mediations', kept.id, { description: '改一下' }, kept.rev), kept)
    expect(rejection(edit(otherLeader))).toBe('forbidden')
    expect(rejection(edit(office))).toBe('forbidden')
    expect(edit(leader).result.status).toBe('applied')
    // A second household keeps to the building on an edit too.
    const moved = apply(leader, mutation.put('mediations', kept.id, { parties: [{ householdId: second!.id, name: '' }, { householdId: otherBuildings.id, name: '' }] }, kept.rev), kept)
    expect(rejection(moved)).toBe('invalid')
  })
})

describe('a mentor’s note', () => {
  /** Leads only the second building, and mentors the other leader, who leads the first. */
  const mentor: Principal = { userId: 'u-mentor', deviceId: 'd-mentor', role: 'leader', communityId: community, buildingIds: [secondBuilding!] }
  const pairing = mentorship({ mentorId: mentor.userId, menteeId: otherLeader.userId })
  const fields = (overrides: Parameters<typeof mentorNoteFields>[1] = {}) => mentorNoteFields(pairing.id, overrides)
  const write = (principal: Principal, m: Mutation, current?: StoredRecord, mentoring: Partial<Mentoring> = {}) =>
    applyMutation({ principal, mutation: m, current, rev: ++lastRev, now, places, templates, namablePhotos, mentoring: { ...leaderMentors, pairing, ...mentoring } })
  const note = (overrides = {}, mentoring: Partial<Mentoring> = {}, principal = mentor) => write(principal, mutation.put('mentorNotes', uuidv7(), fields(overrides)), undefined, mentoring)
  const ended = { pairing: { ...pairing, endedAt: '2026-11-20T07:00:00.000Z', endedBy: office.userId } }

  it('is written by the mentor of a pairing that lasts, in a building of the mentee’s, not the mentor’s own', () => {
    expect(otherLeader.buildingIds).toEqual([building])
    const stored = written(note())
    expect(stored).toMatchObject({ buildingId: building, createdBy: mentor.userId, data: { mentorshipId: pairing.id, subject: { kind: 'household' } } })
  })

  it('is refused to anyone but the pairing’s mentor, and for a pairing unknown or of another community', () => {
    expect(rejection(note({}, {}, otherLeader))).toBe('forbidden')
    expect(rejection(note({}, {}, leader))).toBe('forbidden')
    expect(rejection(note({}, {}, office))).toBe('forbidden')
    expect(rejection(note({}, { pairing: undefined }))).toBe('forbidden')
    expect(rejection(note({}, { pairing: { ...pairing, communityId: 'c-elsewhere' } }))).toBe('forbidden')
    expect(rejection(write(mentor, mutation.put('mentorNotes', uuidv7(), mentorNoteFields(uuidv7()))))).toBe('forbidden')
  })

  it('is refused as locked once the office has ended the pairing', () => {
    expect(rejection(note({}, ended))).toBe('locked')
  })

  it('is refused in a building the mentee does not lead, and about what is not in its building', () => {
    const elsewhere = demoHouseholds.find((h) => h.buildingId === secondBuilding)!
    // The mentor leads the second building; the mentee does not.
    expect(rejection(note({ buildingId: secondBuilding, subject: { kind: 'household', id: elsewhere.id } }, { subject: storedHousehold(elsewhere) }))).toBe('forbidden')
    expect(rejection(note({}, { subject: storedHousehold(elsewhere) }))).toBe('invalid')
    expect(rejection(note({}, { subject: undefined }))).toBe('invalid')
    expect(rejection(note({}, { subject: { ...storedHousehold(), deletedAt: '2026-11-19T00:00:00.000Z' } }))).toBe('invalid')
    // A visit of the building named as a household (or any record of another kind) is not the subject.
    expect(rejection(note({}, { subject: { ...storedHousehold(), table: 'visits' } }))).toBe('invalid')
  })

  it('is changed and deleted by its mentor alone, only while the pairing lasts, and keeps what it is about', () => {
    const stored = written(note())
    const edit = (text: string) => mutation.put('mentorNotes', stored.id, { text }, stored.rev)
    expect(write(mentor, edit('敲门后等一会儿'), stored).result.status).toBe('applied')
    expect(rejection(write(otherLeader, edit('我改一下'), stored))).toBe('forbidden')
    expect(rejection(write(mentor, edit('结束了还改'), stored, ended))).toBe('locked')
    expect(rejection(write(mentor, mutation.delete('mentorNotes', stored.id, stored.rev), stored, ended))).toBe('locked')
    expect(rejection(write(otherLeader, mutation.delete('mentorNotes', stored.id, stored.rev), stored))).toBe('forbidden')
    expect(rejection(write(mentor, mutation.put('mentorNotes', stored.id, { subject: { kind: 'issue', id: uuidv7() } }, stored.rev), stored))).toBe('immutable_field')
    // The mentee no longer leads the building: the note is no longer the mentor's to change.
    expect(rejection(write(mentor, edit('换楼了'), stored, { menteeBuildings: new Set() }))).toBe('forbidden')
    expect(write(mentor, mutation.delete('mentorNotes', stored.id, stored.rev), stored).result.status).toBe('applied')
  })
})
