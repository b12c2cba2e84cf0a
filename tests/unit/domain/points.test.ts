import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  DEFAULT_POINT_RULES,
  monthRanking,
  NewPointAdjustment,
  pointsLedger,
  PointRules,
  type EarnedKind,
  type IssueEvent,
  type IssueStatus,
  type MediationOutcome,
  type PointAdjustment,
  type PointSources,
} from '@/domain'

/*
 * Volunteer points (积分制): every entry is derived from records, and the same records in any order give the
 * same ledger. Timestamps are UTC; a China month starts at 16:00 UTC on the day before its first.
 */

const RULES: Record<EarnedKind, number> = { visit: 1, careVisit: 3, reportFiled: 2, reportResolved: 4, inspection: 5, campaignOnTime: 6, canvassReached: 7, mediation: 8 }

type Sources = { [K in keyof PointSources]: K extends 'careHouseholds' ? Set<string> : PointSources[K] extends Iterable<infer T> ? T[] : never }

function none(): Sources {
  return { visits: [], careHouseholds: new Set(), issues: [], inspections: [], campaigns: [], canvasses: [], canvassAnswers: [], mediations: [], adjustments: [] }
}

const visit = (id: string, createdBy: string, visitedAt: string, householdId = 'h1', deletedAt: string | null = null) => ({ id, createdBy, visitedAt, householdId, deletedAt })
const status = (at: string, from: IssueStatus, to: IssueStatus): IssueEvent => ({ type: 'status', id: `e-${at}-${to}`, at, by: 'office-1', from, to, note: '' })
const issue = (id: string, createdBy: string, createdAt: string, statusNow: IssueStatus, events: IssueEvent[] = [], deletedAt: string | null = null) => ({
  id,
  createdBy,
  createdAt,
  status: statusNow,
  events,
  deletedAt,
})
const inspection = (id: string, createdBy: string, completedAt: string | null, buildingId = 'b1', campaignId: string | null = null, deletedAt: string | null = null) => ({
  id,
  createdBy,
  completedAt,
  buildingId,
  campaignId,
  deletedAt,
})
const canvass = (id: string, households: string[], deletedAt: string | null = null) => ({ id, households: households.map((householdId) => ({ householdId, area: 80 })), deletedAt })
type Choice = 'agree' | 'object' | 'abstain' | 'undecided' | 'unreachable'
const answer = (id: string, createdBy: string, householdId: string, choice: Choice, answeredAt: string, canvassId = 'cv1', deletedAt: string | null = null) => ({
  id,
  createdBy,
  canvassId,
  householdId,
  answer: choice,
  answeredAt,
  deletedAt,
})
const adjustment = (id: string, userId: string, month: string, points: number): PointAdjustment => ({ id, userId, month, points, reason: '协助疫苗接种登记', by: 'office-1', at: '2026-12-01T02:00:00.000Z' })

const brief = (sources: Sources, rules = RULES) => pointsLedger(rules, sources).map((e) => `${e.userId} ${e.month} ${e.kind} ${e.ref} ${e.points}`)

describe('the points ledger, on worked examples', () => {
  it('credits a visit to a household with someone who needs a closer eye as a care visit, instead of a visit', () => {
    const sources = { ...none(), careHouseholds: new Set(['h-care']), visits: [visit('v1', 'lee', '2026-11-03T02:00:00.000Z'), visit('v2', 'lee', '2026-11-04T02:00:00.000Z', 'h-care')] }
    expect(brief(sources)).toEqual(['lee 2026-11 visit v1 1', 'lee 2026-11 careVisit v2 3'])
  })

  it('credits the report to the reporter when filed, and its resolution only while it stands resolved, from the latest resolution', () => {
    const filed = '2026-10-30T01:00:00.000Z'
    const resolvedThenReopened = issue('r1', 'lee', filed, 'in_progress', [status('2026-10-31T01:00:00.000Z', 'in_progress', 'resolved'), status('2026-11-02T01:00:00.000Z', 'resolved', 'in_progress')])
    const resolvedAgain = issue('r2', 'lee', filed, 'closed', [
      status('2026-10-31T01:00:00.000Z', 'in_progress', 'resolved'),
      status('2026-11-02T01:00:00.000Z', 'resolved', 'in_progress'),
      status('2026-11-05T01:00:00.000Z', 'in_progress', 'resolved'),
      status('2026-11-06T01:00:00.000Z', 'resolved', 'closed'),
    ])
    expect(brief({ ...none(), issues: [resolvedThenReopened, resolvedAgain] })).toEqual([
      'lee 2026-10 reportFiled r1 2',
      'lee 2026-10 reportFiled r2 2',
      // The second resolution's month, not the first's: the first was undone.
      'lee 2026-11 reportResolved r2 4',
    ])
  })

  it('counts a campaign task done once, by its first completed inspection, on time or not at all', () => {
    const deadline = '2026-11-10T10:00:00.000Z'
    const sources = {
      ...none(),
      campaigns: [{ id: 'c1', deadline, buildingIds: ['b1', 'b2', 'b3', 'b4'] }],
      inspections: [
        // Zhang completes b1 first and on time; Lee's later one earns the inspection only.
        inspection('i2', 'lee', '2026-11-09T08:00:00.000Z', 'b1', 'c1'),
        inspection('i1', 'zhang', '2026-11-08T08:00:00.000Z', 'b1', 'c1'),
        // b2 is done after the deadline: no bonus, though its inspection counts.
        inspection('i3', 'lee', '2026-11-10T10:00:01.000Z', 'b2', 'c1'),
        // Exactly at the deadline is on time.
        inspection('i4', 'lee', deadline, 'b3', 'c1'),
        // Started, not completed: nothing yet.
        inspection('i5', 'lee', null, 'b4', 'c1'),
        // A building the campaign does not name: an inspection, no task.
        inspection('i6', 'lee', '2026-11-08T09:00:00.000Z', 'b9', 'c1'),
      ],
    }
    expect(brief(sources)).toEqual([
      'zhang 2026-11 campaignOnTime i1 6',
      'zhang 2026-11 inspection i1 5',
      'lee 2026-11 inspection i6 5',
      'lee 2026-11 inspection i2 5',
      'lee 2026-11 campaignOnTime i4 6',
      'lee 2026-11 inspection i4 5',
      'lee 2026-11 inspection i3 5',
    ])
  })

  it('gives a campaign task to its first completed inspection even when that one was late and a deleted one was earlier', () => {
    const sources = {
      ...none(),
      campaigns: [{ id: 'c1', deadline: '2026-11-10T10:00:00.000Z', buildingIds: ['b1'] }],
      inspections: [inspection('i1', 'zhang', '2026-11-08T08:00:00.000Z', 'b1', 'c1', '2026-11-09T00:00:00.000Z'), inspection('i2', 'lee', '2026-11-11T08:00:00.000Z', 'b1', 'c1')],
    }
    expect(brief(sources)).toEqual(['lee 2026-11 inspection i2 5'])
  })

  it('counts a canvass household reached once, by whoever reached it first; 联系不上 is not reached', () => {
    const sources = {
      ...none(),
      canvasses: [canvass('cv1', ['h1', 'h2', 'h3'])],
      canvassAnswers: [
        answer('a1', 'lee', 'h1', 'unreachable', '2026-11-01T02:00:00.000Z'),
        answer('a2', 'zhang', 'h1', 'agree', '2026-11-02T02:00:00.000Z'),
        // Asked again: the household was reached already.
        answer('a3', 'lee', 'h1', 'object', '2026-11-03T02:00:00.000Z'),
        answer('a4', 'lee', 'h2', 'undecided', '2026-11-03T03:00:00.000Z'),
        answer('a5', 'lee', 'h3', 'unreachable', '2026-11-03T04:00:00.000Z'),
      ],
    }
    expect(brief(sources)).toEqual(['zhang 2026-11 canvassReached a2 7', 'lee 2026-11 canvassReached a4 7'])
  })

  it('credits a settled mediation case to its creator at the outcome’s time, and nothing for one referred on, open or deleted', () => {
    const mediation = (id: string, outcome: MediationOutcome | null, outcomeAt: string | null, deletedAt: string | null = null) => ({ id, createdBy: 'lee', outcome, outcomeAt, deletedAt })
    const sources = {
      ...none(),
      mediations: [
        mediation('m1', 'settled', '2026-11-30T16:00:00.000Z'),
        mediation('m2', 'toJudicial', '2026-11-03T02:00:00.000Z'),
        mediation('m3', null, null),
        mediation('m4', 'settled', '2026-11-03T02:00:00.000Z', '2026-11-04T00:00:00.000Z'),
      ],
    }
    expect(brief(sources)).toEqual(['lee 2026-12 mediation m1 8'])
  })

  it('gives nothing for deleted records, answers of a deleted canvass or outside its households', () => {
    const gone = '2026-11-20T00:00:00.000Z'
    const sources = {
      ...none(),
      visits: [visit('v1', 'lee', '2026-11-03T02:00:00.000Z', 'h1', gone)],
      issues: [issue('r1', 'lee', '2026-11-03T02:00:00.000Z', 'submitted', [], gone)],
      inspections: [inspection('i1', 'lee', '2026-11-03T02:00:00.000Z', 'b1', null, gone)],
      canvasses: [canvass('cv1', ['h1']), canvass('cv2', ['h1'], gone)],
      canvassAnswers: [
        answer('a1', 'lee', 'h1', 'agree', '2026-11-03T02:00:00.000Z', 'cv1', gone),
        answer('a2', 'lee', 'h1', 'agree', '2026-11-03T02:00:00.000Z', 'cv2'),
        answer('a3', 'lee', 'h9', 'agree', '2026-11-03T02:00:00.000Z', 'cv1'),
        answer('a4', 'lee', 'h1', 'agree', '2026-11-03T02:00:00.000Z', 'cv-unknown'),
      ],
    }
    expect(brief(sources)).toEqual([])
  })

  it('puts work in its China month: 16:00 UTC on the last day of a month is the next month', () => {
    const sources = { ...none(), visits: [visit('v1', 'lee', '2026-11-30T15:59:59.999Z'), visit('v2', 'lee', '2026-11-30T16:00:00.000Z')] }
    expect(brief(sources)).toEqual(['lee 2026-11 visit v1 1', 'lee 2026-12 visit v2 1'])
    expect(monthRanking(pointsLedger(RULES, sources), '2026-12')).toEqual([{ userId: 'lee', total: 1, byKind: { visit: { count: 1, points: 1 } } }])
  })

  it('gives no entry for a kind worth 0, and a care visit worth 0 is not counted as a plain visit', () => {
    const rules = { ...RULES, careVisit: 0, reportFiled: 0 }
    const sources = { ...none(), careHouseholds: new Set(['h-care']), visits: [visit('v1', 'lee', '2026-11-03T02:00:00.000Z', 'h-care')], issues: [issue('r1', 'lee', '2026-11-03T02:00:00.000Z', 'submitted')] }
    expect(brief(sources, rules)).toEqual([])
  })

  it('keeps the office’s adjustments in their month, minus as well as plus', () => {
    const sources = { ...none(), visits: [visit('v1', 'lee', '2026-11-03T02:00:00.000Z')], adjustments: [adjustment('adj1', 'lee', '2026-11', 10), adjustment('adj2', 'lee', '2026-11', -3)] }
    expect(monthRanking(pointsLedger(RULES, sources), '2026-11')).toEqual([
      { userId: 'lee', total: 8, byKind: { visit: { count: 1, points: 1 }, adjustment: { count: 2, points: 7 } } },
    ])
  })

  it('ranks highest first, ties by user id', () => {
    const sources = { ...none(), visits: [visit('v1', 'zhang', '2026-11-03T02:00:00.000Z'), visit('v2', 'lee', '2026-11-03T02:00:00.000Z'), visit('v3', 'wang', '2026-11-04T02:00:00.000Z'), visit('v4', 'wang', '2026-11-05T02:00:00.000Z')] }
    expect(monthRanking(pointsLedger(RULES, sources), '2026-11').map((m) => `${m.userId} ${m.total}`)).toEqual(['wang 2', 'lee 1', 'zhang 1'])
  })
})

describe('the rules and adjustments the office sets', () => {
  it('takes the defaults for kinds left out, and refuses points below 0 or fractions', () => {
    expect(PointRules.parse({ visit: 5 })).toEqual({ ...DEFAULT_POINT_RULES, visit: 5 })
    expect(PointRules.safeParse({ visit: -1 }).success).toBe(false)
    expect(PointRules.safeParse({ visit: 1.5 }).success).toBe(false)
  })

  it('refuses an adjustment of 0 points, without a reason, or of a malformed month', () => {
    const good = { userId: 'lee', month: '2026-11', points: -2, reason: '走访记录重复' }
    expect(NewPointAdjustment.safeParse(good).success).toBe(true)
    expect(NewPointAdjustment.safeParse({ ...good, points: 0 }).success).toBe(false)
    expect(NewPointAdjustment.safeParse({ ...good, reason: '  ' }).success).toBe(false)
    expect(NewPointAdjustment.safeParse({ ...good, month: '2026-13' }).success).toBe(false)
  })
})

describe('the points ledger, whatever order the records come in', () => {
  const users = ['lee', 'wang', 'zhang']
  const households = ['h1', 'h2', 'h3']
  // A few instants around a month's end, so that months, ties in time and deadlines all come up.
  const instant = fc.constantFrom('2026-10-31T15:00:00.000Z', '2026-10-31T16:00:00.000Z', '2026-11-15T04:00:00.000Z', '2026-11-30T16:00:00.000Z', '2026-12-01T00:00:00.000Z')
  const deleted = fc.option(fc.constant('2026-12-02T00:00:00.000Z'), { freq: 4 })
  const user = fc.constantFrom(...users)
  const household = fc.constantFrom(...households)
  const withIds = <T>(prefix: string, items: T[]) => items.map((item, i) => ({ ...item, id: `${prefix}${i}` }))

  const sources = fc
    .record({
      visits: fc.array(fc.record({ createdBy: user, visitedAt: instant, householdId: household, deletedAt: deleted }), { maxLength: 12 }),
      care: fc.subarray(households),
      issues: fc.array(
        fc.record({
          createdBy: user,
          createdAt: instant,
          resolvedAt: fc.option(instant),
          reopened: fc.boolean(),
          deletedAt: deleted,
        }),
        { maxLength: 6 },
      ),
      inspections: fc.array(
        fc.record({ createdBy: user, completedAt: fc.option(instant, { freq: 4 }), buildingId: fc.constantFrom('b1', 'b2'), campaignId: fc.option(fc.constantFrom('c1', 'c2')), deletedAt: deleted }),
        { maxLength: 10 },
      ),
      deadlines: fc.tuple(instant, instant),
      canvassDeleted: fc.boolean(),
      answers: fc.array(
        fc.record({ createdBy: user, householdId: household, answer: fc.constantFrom<Choice>('agree', 'object', 'abstain', 'undecided', 'unreachable'), answeredAt: instant, canvassId: fc.constantFrom('cv1', 'cv2'), deletedAt: deleted }),
        { maxLength: 10 },
      ),
      mediations: fc.array(fc.record({ createdBy: user, outcome: fc.constantFrom<MediationOutcome | null>(null, 'settled', 'toCommunity'), outcomeAt: instant, deletedAt: deleted }), { maxLength: 4 }),
      adjustments: fc.array(fc.record({ userId: user, month: fc.constantFrom('2026-10', '2026-11', '2026-12'), points: fc.integer({ min: -20, max: 20 }).filter((p) => p !== 0) }), { maxLength: 4 }),
      rules: fc.record({
        visit: fc.integer({ min: 0, max: 5 }),
        careVisit: fc.integer({ min: 0, max: 5 }),
        reportFiled: fc.integer({ min: 0, max: 5 }),
        reportResolved: fc.integer({ min: 0, max: 5 }),
        inspection: fc.integer({ min: 0, max: 5 }),
        campaignOnTime: fc.integer({ min: 0, max: 5 }),
        canvassReached: fc.integer({ min: 0, max: 5 }),
        mediation: fc.integer({ min: 0, max: 5 }),
      }),
    })
    .map((drawn) => ({
      rules: drawn.rules,
      sources: {
        visits: withIds('v', drawn.visits),
        careHouseholds: new Set(drawn.care),
        issues: withIds('r', drawn.issues).map(({ resolvedAt, reopened, ...rest }) => {
          const events = resolvedAt ? [status(resolvedAt, 'in_progress', 'resolved'), ...(reopened ? [status(resolvedAt, 'resolved', 'in_progress')] : [])] : []
          return { ...rest, status: (resolvedAt && !reopened ? 'resolved' : 'in_progress') as IssueStatus, events }
        }),
        inspections: withIds('i', drawn.inspections),
        campaigns: [
          { id: 'c1', deadline: drawn.deadlines[0], buildingIds: ['b1', 'b2'] },
          { id: 'c2', deadline: drawn.deadlines[1], buildingIds: ['b1'] },
        ],
        canvasses: [canvass('cv1', households), canvass('cv2', ['h1', 'h2'], drawn.canvassDeleted ? '2026-12-02T00:00:00.000Z' : null)],
        canvassAnswers: withIds('a', drawn.answers),
        mediations: withIds('m', drawn.mediations),
        adjustments: withIds('adj', drawn.adjustments).map((a) => ({ ...a, reason: '补录', by: 'office-1', at: '2026-12-01T02:00:00.000Z' })),
      } satisfies Sources,
    }))

  /** The same sources, each list in the order the permutation drawn for it says. */
  function shuffled(s: Sources, seeds: number[][]): Sources {
    const order = <T>(items: T[], seed: number[]) =>
      items
        .map((item, i) => ({ item, key: seed[i % Math.max(seed.length, 1)] ?? 0, i }))
        .sort((a, b) => a.key - b.key || b.i - a.i)
        .map((x) => x.item)
    return {
      visits: order(s.visits, seeds[0]!),
      careHouseholds: new Set(order([...s.careHouseholds], seeds[1]!)),
      issues: order(s.issues, seeds[2]!),
      inspections: order(s.inspections, seeds[3]!),
      campaigns: order(s.campaigns, seeds[4]!),
      canvasses: order(s.canvasses, seeds[5]!),
      canvassAnswers: order(s.canvassAnswers, seeds[6]!),
      adjustments: order(s.adjustments, seeds[7]!),
      mediations: order(s.mediations, seeds[8]!),
    }
  }

  it('gives the same ledger entry for entry, and the ranking totals add up the month’s entries', () => {
    const seeds = fc.array(fc.array(fc.integer(), { maxLength: 12 }), { minLength: 9, maxLength: 9 })
    fc.assert(
      fc.property(sources, seeds, ({ rules, sources }, seed) => {
        const ledger = pointsLedger(rules, sources)
        expect(pointsLedger(rules, shuffled(sources, seed))).toEqual(ledger)
        for (const month of ['2026-10', '2026-11', '2026-12']) {
          const ranking = monthRanking(ledger, month)
          const ofMonth = ledger.filter((e) => e.month === month)
          for (const standing of ranking) {
            const mine = ofMonth.filter((e) => e.userId === standing.userId)
            expect(standing.total).toBe(mine.reduce((sum, e) => sum + e.points, 0))
            expect(Object.values(standing.byKind).reduce((sum, k) => sum + k.count, 0)).toBe(mine.length)
          }
          expect(new Set(ranking.map((r) => r.userId))).toEqual(new Set(ofMonth.map((e) => e.userId)))
        }
      }),
      { numRuns: 300 },
    )
  })
})
