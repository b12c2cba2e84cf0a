import { describe, expect, it } from 'vitest'
import { chinaDay, chinaDayStart, DEFAULT_VISIT_INTERVALS, type CareTag, type VisitIntervals } from '@/domain'
import { buildWorklist, type WorklistResident } from '@/domain/leader-worklist'

/*
 * The leader's worklist rules: intervals per community and care tag, follow-up chains, and days counted in
 * Asia/Shanghai whatever zone the test runs in.
 */

interface TestVisit {
  id: string
  householdId: string
  visitedAt: string
  followUpOn: string | null
  followsVisitId?: string | null
  deletedAt?: string | null
}

const TODAY = '2026-12-07'
let seq = 0
/** A visit at noon Beijing time (04:00 UTC) of a China day. */
function visit(householdId: string, day: string, more: Partial<TestVisit> = {}): TestVisit {
  return { id: `v${++seq}`, householdId, visitedAt: `${day}T04:00:00.000Z`, followUpOn: null, ...more }
}
const household = (id: string, buildingId = 'b1') => ({ id, buildingId })
const resident = (householdId: string, careTags: CareTag[], movedOutAt: string | null = null): WorklistResident => ({ householdId, careTags, movedOutAt })

function worklist(input: { households: { id: string; buildingId: string }[]; residents?: WorklistResident[]; visits?: TestVisit[]; intervals?: (h: { buildingId: string }) => VisitIntervals; today?: string }) {
  return buildWorklist({
    households: input.households,
    residents: input.residents ?? [],
    visits: input.visits ?? [],
    intervals: input.intervals ?? (() => DEFAULT_VISIT_INTERVALS),
    today: input.today ?? TODAY,
  })
}
const due = (list: ReturnType<typeof worklist>) => list.dueHouseholds.map((row) => row.household.id)

describe('households due a visit', () => {
  it('are those whose last visit is the interval or more days ago, or never visited', () => {
    const list = worklist({
      households: [household('recent'), household('month'), household('never')],
      visits: [visit('recent', '2026-11-08'), visit('month', '2026-11-07')],
    })
    // 29 days ago is within 30; exactly 30 days ago is due today.
    expect(due(list)).toEqual(['never', 'month'])
    expect(list.dueHouseholds.find((r) => r.household.id === 'month')).toMatchObject({ lastVisitDay: '2026-11-07', overdueDays: 0, interval: 30 })
    expect(list.dueHouseholds.find((r) => r.household.id === 'never')).toMatchObject({ lastVisitDay: null, overdueDays: null })
  })

  it('take the shortest interval of their residents’ care tags, and list care households first', () => {
    const list = worklist({
      households: [household('plain'), household('alone'), household('disabled'), household('tenant')],
      residents: [resident('alone', ['elderly_alone', 'tenant']), resident('disabled', ['disabled']), resident('tenant', ['tenant', 'elderly'])],
      visits: [visit('plain', '2026-10-01'), visit('alone', '2026-11-29'), visit('disabled', '2026-11-20'), visit('tenant', '2026-11-20')],
    })
    // 独居老人 every 7 days (8 days ago: 1 day overdue); 残疾 every 14 (17 days ago: 3 days); tags without an interval change nothing.
    expect(due(list)).toEqual(['disabled', 'alone', 'plain'])
    expect(list.dueHouseholds.map((r) => [r.care, r.interval, r.overdueDays, r.careTags])).toEqual([
      [true, 14, 3, ['disabled']],
      [true, 7, 1, ['elderly_alone']],
      [false, 30, 37, []],
    ])
  })

  it('ignore the care tags of residents who moved out', () => {
    const list = worklist({
      households: [household('h')],
      residents: [resident('h', ['elderly_alone'], '2026-11-01T00:00:00.000Z'), resident('h', ['tenant'])],
      visits: [visit('h', '2026-11-29')],
    })
    expect(due(list)).toEqual([])
  })

  it('follow the settings of each household’s community', () => {
    const weekly: VisitIntervals = { visitIntervalDays: 7, careIntervalDays: {} }
    const list = worklist({
      households: [household('a', 'strict'), household('b', 'relaxed')],
      visits: [visit('a', '2026-11-29'), visit('b', '2026-11-29')],
      intervals: (h) => (h.buildingId === 'strict' ? weekly : DEFAULT_VISIT_INTERVALS),
    })
    expect(due(list)).toEqual(['a'])
  })

  it('count the newest visit that is not deleted and not dated after today', () => {
    const list = worklist({
      households: [household('deleted'), household('future')],
      visits: [
        visit('deleted', '2026-10-01'),
        visit('deleted', '2026-12-01', { deletedAt: '2026-12-02T00:00:00.000Z' }),
        visit('future', '2026-10-01'),
        visit('future', '2026-12-09'),
      ],
    })
    expect(list.dueHouseholds.map((r) => [r.household.id, r.lastVisitDay])).toEqual([
      ['deleted', '2026-10-01'],
      ['future', '2026-10-01'],
    ])
  })
})

describe('days', () => {
  it('are Asia/Shanghai days: a visit at 23:30 UTC is on the next China day', () => {
    const late = { ...visit('h', '2026-11-30'), visitedAt: '2026-11-30T23:30:00.000Z' }
    expect(chinaDay(late.visitedAt)).toBe('2026-12-01')
    const list = worklist({ households: [household('h')], residents: [resident('h', ['elderly_alone'])], visits: [late] })
    // Visited on 1 December in Beijing: due on the 8th, not on the 7th as the UTC day would make it.
    expect(due(list)).toEqual([])
    expect(due(worklist({ households: [household('h')], residents: [resident('h', ['elderly_alone'])], visits: [late], today: '2026-12-08' }))).toEqual(['h'])
  })

  it('start at midnight in Beijing, 16:00 UTC the day before', () => {
    expect(chinaDayStart('2026-12-01')).toBe('2026-11-30T16:00:00.000Z')
    // A visit in the first minute of tomorrow in Beijing is a future visit and does not count yet.
    const tomorrow = { ...visit('h', TODAY), visitedAt: '2026-12-07T16:00:00.000Z' }
    expect(worklist({ households: [household('h')], visits: [tomorrow] }).dueHouseholds[0]?.lastVisitDay).toBeNull()
  })
})

describe('follow-ups on the worklist', () => {
  it('are open ones due by 7 days ahead, most overdue first, with overdue and today counted', () => {
    const visits = [
      visit('a', '2026-11-20', { followUpOn: '2026-12-05' }),
      visit('b', '2026-11-20', { followUpOn: TODAY }),
      visit('c', '2026-11-20', { followUpOn: '2026-12-14' }),
      visit('d', '2026-11-20', { followUpOn: '2026-12-15' }),
    ]
    const list = worklist({ households: [], visits })
    expect(list.followUps.map((r) => [r.visit.householdId, r.overdueDays])).toEqual([
      ['a', 2],
      ['b', 0],
      ['c', -7],
    ])
    expect([list.overdue, list.dueToday]).toEqual([1, 1])
  })

  it('close when a visit follows them, and when the household is visited again', () => {
    const origin = visit('a', '2026-11-20', { followUpOn: '2026-12-01' })
    const other = visit('b', '2026-11-20', { followUpOn: '2026-12-01' })
    // The follow-up of `a` is recorded with a time earlier than the origin's (a phone's clock behind): the link closes it all the same.
    const followUp = { ...visit('a', '2026-11-19'), followsVisitId: origin.id }
    const again = visit('b', '2026-12-02')
    expect(worklist({ households: [], visits: [origin, other] }).followUps.map((r) => r.visit.id)).toEqual([origin.id, other.id])
    expect(worklist({ households: [], visits: [origin, other, followUp, again] }).followUps).toEqual([])
  })

  it('open again when the visit that closed them is deleted, and a follow-up can ask for its own follow-up', () => {
    const origin = visit('a', '2026-11-20', { followUpOn: '2026-12-01' })
    const followUp = visit('a', '2026-12-02', { followsVisitId: origin.id, followUpOn: '2026-12-06', deletedAt: '2026-12-03T00:00:00.000Z' })
    expect(worklist({ households: [], visits: [origin, followUp] }).followUps.map((r) => r.visit.id)).toEqual([origin.id])
    const kept = { ...followUp, deletedAt: null }
    expect(worklist({ households: [], visits: [origin, kept] }).followUps.map((r) => r.visit.id)).toEqual([kept.id])
  })
})
