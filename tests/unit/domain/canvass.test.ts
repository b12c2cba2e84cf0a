import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  ANSWER_CHOICES,
  CANVASS_RULES,
  CanvassFields,
  floorGrid,
  latestAnswers,
  tallyCanvass,
  type AnswerChoice,
  type CanvassCondition,
  type CanvassHousehold,
  type CanvassRule,
  type ConditionKey,
  type Share,
} from '@/domain'
import { answersOf, canvass, canvassAnswer, households } from '../../fixtures/canvass'

const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `h${String(from + i).padStart(2, '0')}`)
const condition = (tally: { conditions: CanvassCondition[] }, key: ConditionKey) => tally.conditions.find((c) => c.key === key)

const civilCode = canvass({ rule: CANVASS_RULES.civil_code_278 })
const elevator = canvass({ rule: CANVASS_RULES.elevator_no_objection })

describe('tallyCanvass under the Civil Code (2/3 take part, 3/4 of them agree)', () => {
  it('passes at exactly 8 of 12 households taking part and exactly 3/4 of them agreeing', () => {
    const tally = tallyCanvass(civilCode, [...answersOf(ids(1, 6), 'agree'), ...answersOf(ids(7, 8), 'object')])
    expect(tally.scope).toEqual({ households: 12, area: 960 })
    expect(tally.participants).toEqual({ households: 8, area: 640 })
    expect(tally.byAnswer).toEqual({
      agree: { households: 6, area: 480 },
      object: { households: 2, area: 160 },
      abstain: { households: 0, area: 0 },
      undecided: { households: 0, area: 0 },
      unreachable: { households: 0, area: 0 },
      unasked: { households: 4, area: 320 },
    })
    expect(tally.conditions).toEqual([
      { key: 'participation', met: true, missing: { households: 0, area: 0 } },
      { key: 'consent', met: true, missing: { households: 0, area: 0 } },
    ])
    expect(tally.passed).toBe(true)
  })

  it('does not pass at 7 of 12, and says one household (80 m²) is still to take part', () => {
    const tally = tallyCanvass(civilCode, [...answersOf(ids(1, 6), 'agree'), canvassAnswer('h07', 'object')])
    expect(condition(tally, 'participation')).toEqual({ key: 'participation', met: false, missing: { households: 1, area: 80 } })
    expect(condition(tally, 'consent')?.met).toBe(true)
    expect(tally.passed).toBe(false)
  })

  it('compares areas exactly in hundredths: exactly 2/3 of the area is reached, one hundredth less is not', () => {
    // 12 × 100.01 m² adds up to 1200.1200000000001 in floating point; 8 of them are exactly 2/3 of 1200.12.
    const odd = canvass({ households: households(12, 100.01) })
    const eight = answersOf(ids(1, 8), 'agree')
    const exact = tallyCanvass(odd, eight)
    expect(exact.scope.area).toBe(1200.12)
    expect(exact.participants.area).toBe(800.08)
    expect(condition(exact, 'participation')).toEqual({ key: 'participation', met: true, missing: { households: 0, area: 0 } })
    expect(exact.passed).toBe(true)

    const smaller = canvass({ households: households(12, 100.01).map((h) => (h.householdId === 'h08' ? { ...h, area: 100 } : h)) })
    const short = tallyCanvass(smaller, eight)
    // 800.07 of 1200.11 m²: 2/3 is 800.0733…, reached by households but not by area.
    expect(condition(short, 'participation')).toEqual({ key: 'participation', met: false, missing: { households: 0, area: 0.01 } })
    expect(short.passed).toBe(false)
  })

  it('counts a flat of two co-owners once: its latest answer speaks for it', () => {
    // The domain has no owners: one household per flat in scope (the schema refuses one listed twice), and
    // co-owners answer for the same household; the later answer is the flat's, the earlier stays as history.
    const answers = [
      canvassAnswer('h01', 'agree', { respondentName: '张伟', answeredAt: '2026-12-02T02:00:00.000Z' }),
      canvassAnswer('h01', 'object', { respondentName: '李娟', answeredAt: '2026-12-02T03:00:00.000Z' }),
    ]
    const tally = tallyCanvass(civilCode, answers)
    expect(tally.participants).toEqual({ households: 1, area: 80 })
    expect(tally.byAnswer.agree.households).toBe(0)
    expect(tally.byAnswer.object).toEqual({ households: 1, area: 80 })
    expect(latestAnswers(civilCode, answers).get('h01')?.respondentName).toBe('李娟')

    const twice = { ...civilCode, households: [...households(2), { householdId: 'h01', area: 80 }] }
    expect(CanvassFields.safeParse(twice).success).toBe(false)
  })

  it('with an area missing from the roster, still tells the households but not the area share', () => {
    const partly = canvass({ households: [...households(11), { householdId: 'h12', area: null }] })
    const enough = tallyCanvass(partly, answersOf(ids(1, 8), 'agree'))
    expect(enough.areaUnknown).toBe(1)
    expect(enough.scope).toEqual({ households: 12, area: null })
    expect(enough.byAnswer.unasked).toEqual({ households: 4, area: null })
    expect(enough.byAnswer.agree).toEqual({ households: 8, area: 640 })
    // Enough households took part, but 640 m² of an unknown total cannot be told.
    expect(condition(enough, 'participation')).toEqual({ key: 'participation', met: null, missing: { households: 0, area: null } })
    // Consent among participants needs only their areas, all known.
    expect(condition(enough, 'consent')).toEqual({ key: 'consent', met: true, missing: { households: 0, area: 0 } })
    expect(enough.passed).toBeNull()

    const few = tallyCanvass(partly, answersOf(ids(1, 7), 'agree'))
    expect(condition(few, 'participation')).toEqual({ key: 'participation', met: false, missing: { households: 1, area: null } })
    expect(few.passed).toBe(false)

    // The household without an area takes part: consent among participants cannot be told by area either.
    const itself = tallyCanvass(partly, [...answersOf(ids(5, 12), 'agree'), ...answersOf(ids(1, 3), 'object')])
    expect(condition(itself, 'consent')).toEqual({ key: 'consent', met: false, missing: { households: 1, area: null } })
  })

  it('counts abstentions as taking part but not agreeing', () => {
    const tally = tallyCanvass(civilCode, [...answersOf(ids(1, 6), 'agree'), ...answersOf(ids(7, 9), 'abstain')])
    expect(tally.byAnswer.abstain).toEqual({ households: 3, area: 240 })
    expect(condition(tally, 'participation')?.met).toBe(true)
    // 6 of 9 is short of 3/4; three of the three households not asked yet agreeing make 9 of 12.
    expect(condition(tally, 'consent')).toEqual({ key: 'consent', met: false, missing: { households: 3, area: 240 } })
    expect(tally.passed).toBe(false)
  })

  it('does not count 未表态 and 联系不上 as taking part', () => {
    const tally = tallyCanvass(civilCode, [...answersOf(ids(1, 6), 'agree'), canvassAnswer('h07', 'undecided'), canvassAnswer('h08', 'unreachable')])
    expect(tally.participants).toEqual({ households: 6, area: 480 })
    expect(tally.byAnswer.undecided).toEqual({ households: 1, area: 80 })
    expect(tally.byAnswer.unreachable).toEqual({ households: 1, area: 80 })
    expect(tally.byAnswer.unasked).toEqual({ households: 4, area: 320 })
    expect(condition(tally, 'participation')).toEqual({ key: 'participation', met: false, missing: { households: 2, area: 160 } })
    expect(condition(tally, 'consent')?.met).toBe(true)
  })

  it('when the households not asked yet are not enough, counts the answers that must change too', () => {
    // Everyone answered, 6 for and 6 against: 3 must change to reach 9 of 12.
    const split = tallyCanvass(civilCode, [...answersOf(ids(1, 6), 'agree'), ...answersOf(ids(7, 12), 'object')])
    expect(condition(split, 'consent')).toEqual({ key: 'consent', met: false, missing: { households: 3, area: 240 } })
    // 5 of 10 for, 2 not asked: both agreeing make 7 of 12, and 2 more must change to reach 9.
    const mixed = tallyCanvass(civilCode, [...answersOf(ids(1, 5), 'agree'), ...answersOf(ids(6, 10), 'object')])
    expect(condition(mixed, 'consent')).toEqual({ key: 'consent', met: false, missing: { households: 4, area: 320 } })
  })

  it('counts first from the households not asked yet, as the leader goes door to door', () => {
    // 5 of 8 for, 4 not asked: all 4 agreeing make 9 of 12. (One of the 3 against changing would make 6 of 8
    // too, but the leader's next step is the doors not knocked on yet.)
    const tally = tallyCanvass(civilCode, [...answersOf(ids(1, 5), 'agree'), ...answersOf(ids(6, 8), 'object')])
    expect(condition(tally, 'consent')).toEqual({ key: 'consent', met: false, missing: { households: 4, area: 320 } })
  })

  it('under a rule of everyone who took part agreeing, counts only the answers that must change', () => {
    // Households not asked yet agreeing cannot raise a share of 1/1: only the one against changing can.
    const unanimous = canvass({ rule: { participation: { num: 2, den: 3 }, consent: { num: 1, den: 1 }, consentOf: 'participants', noObjection: false } })
    const tally = tallyCanvass(unanimous, [...answersOf(ids(1, 8), 'agree'), canvassAnswer('h09', 'object')])
    expect(condition(tally, 'consent')).toEqual({ key: 'consent', met: false, missing: { households: 1, area: 80 } })
  })
})

describe('tallyCanvass under the elevator rule (2/3 of all agree, no one objects)', () => {
  it('passes at exactly 8 of 12 agreeing with no one against, whatever the others said', () => {
    const tally = tallyCanvass(elevator, [...answersOf(ids(1, 8), 'agree'), canvassAnswer('h09', 'abstain'), canvassAnswer('h10', 'unreachable')])
    expect(tally.conditions).toEqual([
      { key: 'consent', met: true, missing: { households: 0, area: 0 } },
      { key: 'noObjection', met: true, missing: { households: 0, area: 0 } },
    ])
    expect(tally.passed).toBe(true)
  })

  it('counts consent of all households, and the households against for noObjection', () => {
    const tally = tallyCanvass(elevator, [...answersOf(ids(1, 7), 'agree'), ...answersOf(ids(8, 9), 'object')])
    expect(condition(tally, 'consent')).toEqual({ key: 'consent', met: false, missing: { households: 1, area: 80 } })
    expect(condition(tally, 'noObjection')).toEqual({ key: 'noObjection', met: false, missing: { households: 2, area: 0 } })
    expect(tally.passed).toBe(false)
  })

  it('fails on one household against, and passes once its latest answer agrees', () => {
    const answers = [...answersOf(ids(1, 11), 'agree'), canvassAnswer('h12', 'object', { answeredAt: '2026-12-02T02:00:00.000Z' })]
    expect(tallyCanvass(elevator, answers).passed).toBe(false)
    const changed = [...answers, canvassAnswer('h12', 'agree', { answeredAt: '2026-12-03T02:00:00.000Z' })]
    expect(tallyCanvass(elevator, changed).passed).toBe(true)
  })

  it('is reached by households but not by area when the small flats agree', () => {
    const sized = canvass({ rule: CANVASS_RULES.elevator_no_objection, households: households(12).map((h, i) => ({ ...h, area: [60, 90, 120][Math.floor(i / 4)]! })) })
    // 8 of 12 households, 600 of 1080 m²: 2/3 of the area is 720.
    const tally = tallyCanvass(sized, answersOf(ids(1, 8), 'agree'))
    expect(condition(tally, 'consent')).toEqual({ key: 'consent', met: false, missing: { households: 0, area: 120 } })
  })

  it('cannot tell consent by area while an area in scope is missing', () => {
    const partly = canvass({ rule: CANVASS_RULES.elevator_no_objection, households: [...households(11), { householdId: 'h12', area: null }] })
    const tally = tallyCanvass(partly, answersOf(ids(1, 8), 'agree'))
    expect(condition(tally, 'consent')).toEqual({ key: 'consent', met: null, missing: { households: 0, area: null } })
    expect(tally.passed).toBeNull()
    // An objection fails it whatever the area.
    expect(tallyCanvass(partly, [...answersOf(ids(1, 8), 'agree'), canvassAnswer('h09', 'object')]).passed).toBe(false)
  })
})

describe('each household’s latest answer', () => {
  it('wins by when it was given, then by id at the same instant', () => {
    const earlierButNewerId = canvassAnswer('h01', 'agree', { answeredAt: '2026-12-02T02:00:00.000Z' })
    const laterButOlderId = { ...canvassAnswer('h01', 'object', { answeredAt: '2026-12-02T03:00:00.000Z' }), id: '019ae001-0000-7000-8000-000000000000' }
    expect(latestAnswers(civilCode, [earlierButNewerId, laterButOlderId]).get('h01')?.answer).toBe('object')
    expect(latestAnswers(civilCode, [laterButOlderId, earlierButNewerId]).get('h01')?.answer).toBe('object')

    const first = canvassAnswer('h02', 'object')
    const second = canvassAnswer('h02', 'agree')
    expect(second.id > first.id && second.answeredAt === first.answeredAt).toBe(true)
    expect(latestAnswers(civilCode, [second, first]).get('h02')?.answer).toBe('agree')
  })

  it('ignores answers to another canvass, of households out of scope, and deleted ones', () => {
    const counted = canvassAnswer('h01', 'agree', { answeredAt: '2026-12-02T02:00:00.000Z' })
    const others = [
      canvassAnswer('h02', 'object', { canvassId: '019ae000-0000-7000-8000-000000000099' }),
      canvassAnswer('h99', 'object'),
      canvassAnswer('h01', 'object', { answeredAt: '2026-12-02T03:00:00.000Z', deletedAt: '2026-12-02T04:00:00.000Z' }),
    ]
    expect([...latestAnswers(civilCode, [counted, ...others]).values()]).toEqual([counted])
    const tally = tallyCanvass(civilCode, [counted, ...others])
    expect(tally.byAnswer.agree.households).toBe(1)
    expect(tally.byAnswer.object.households).toBe(0)
    expect(tally.byAnswer.unasked.households).toBe(11)
  })
})

describe('a fund’s totals', () => {
  it('adds the latest pledges and payments in yuan exactly', () => {
    const fund = canvass({ kind: 'fund', target: 1200 })
    const tally = tallyCanvass(fund, [
      canvassAnswer('h01', 'agree', { pledged: 0.1, paid: 0.1 }),
      canvassAnswer('h02', 'agree', { pledged: 0.2, paid: 0.2 }),
      canvassAnswer('h03', 'agree', { pledged: 100, paid: 0, answeredAt: '2026-12-02T02:00:00.000Z' }),
      canvassAnswer('h03', 'agree', { pledged: 150.5, paid: 50.25, answeredAt: '2026-12-03T02:00:00.000Z' }),
      canvassAnswer('h99', 'agree', { pledged: 1000, paid: 1000 }),
      canvassAnswer('h04', 'agree', { pledged: 1000, paid: 1000, deletedAt: '2026-12-03T02:00:00.000Z' }),
    ])
    expect(tally.pledged).toBe(150.8)
    expect(tally.paid).toBe(50.55)
    expect(tallyCanvass(fund, [canvassAnswer('h01', 'agree', { pledged: 0.1 }), canvassAnswer('h02', 'agree', { pledged: 0.2 })]).pledged).toBe(0.3)
  })
})

describe('floorGrid', () => {
  it('puts the top floor first and the rooms along a floor by stairwell, then number', () => {
    const places = [
      { householdId: 'a', entrance: '2', unit: '101', floor: 1 },
      { householdId: 'b', entrance: '1', unit: '1002', floor: 10 },
      { householdId: 'c', entrance: '1', unit: '102', floor: 1 },
      { householdId: 'd', entrance: '10', unit: '101', floor: 1 },
      { householdId: 'e', entrance: '1', unit: '101', floor: 1 },
      { householdId: 'f', entrance: '1', unit: '902', floor: 9 },
      { householdId: 'g', entrance: '1', unit: '1001', floor: 10 },
    ]
    const before = places.map((p) => p.householdId)
    expect(floorGrid(places).map((row) => [row.floor, row.rooms.map((p) => p.householdId)])).toEqual([
      [10, ['g', 'b']],
      [9, ['f']],
      [1, ['e', 'c', 'a', 'd']],
    ])
    expect(places.map((p) => p.householdId)).toEqual(before)
    expect(floorGrid([])).toEqual([])
  })
})

// Properties, over any rule the schema allows and any answers.

const share: fc.Arbitrary<Share> = fc.integer({ min: 1, max: 12 }).chain((den) => fc.record({ num: fc.integer({ min: 1, max: den }), den: fc.constant(den) }))
const rule: fc.Arbitrary<CanvassRule> = fc.oneof(
  fc.constantFrom<CanvassRule>(CANVASS_RULES.civil_code_278, CANVASS_RULES.elevator_no_objection),
  fc.record({ participation: share, consent: share, consentOf: fc.constantFrom('participants' as const, 'all' as const), noObjection: fc.boolean() }),
  fc.record({ participation: fc.constant(null), consent: share, consentOf: fc.constant('all' as const), noObjection: fc.boolean() }),
)
const area = fc.oneof({ arbitrary: fc.constantFrom(60, 72.5, 89.99, 100.01, 120.33, 0.01), weight: 5 }, { arbitrary: fc.constant(null), weight: 1 })
const scope: fc.Arbitrary<CanvassHousehold[]> = fc.array(area, { minLength: 1, maxLength: 15 }).map((areas) => areas.map((a, i) => ({ householdId: `h${i}`, area: a })))
const stamp = fc.constantFrom('2026-12-02T02:00:00.000Z', '2026-12-02T03:00:00.000Z', '2026-12-03T01:00:00.000Z')
/** True one time in ten. */
const rarely = fc.nat(9).map((n) => n === 0)
const answerDraft = fc.record({
  household: fc.nat(16), // a few beyond the scope
  answer: fc.constantFrom<AnswerChoice>(...ANSWER_CHOICES),
  answeredAt: stamp,
  deleted: rarely,
  elsewhere: rarely,
})
const world = fc.record({ rule, households: scope, drafts: fc.array(answerDraft, { maxLength: 40 }) }).map(({ rule, households, drafts }) => ({
  canvass: canvass({ rule, households }),
  answers: drafts.map((d, i) => ({
    ...canvassAnswer(`h${d.household}`, d.answer, { answeredAt: d.answeredAt }),
    id: `019ae001-0000-7000-8000-${String(i).padStart(12, '0')}`,
    deletedAt: d.deleted ? '2026-12-04T00:00:00.000Z' : null,
    canvassId: d.elsewhere ? '019ae000-0000-7000-8000-000000000099' : '019ae000-0000-7000-8000-000000000001',
  })),
}))

/** A share reached by whole numbers, the oracle for `missing`: have/total ≥ num/den. */
const reached = (have: number, total: number, s: Share) => have * s.den >= total * s.num

describe('tallyCanvass, for any answers', () => {
  it('never depends on the order answers arrive in, nor on duplicates', () => {
    fc.assert(
      fc.property(
        world.chain((w) => fc.record({ w: fc.constant(w), order: fc.shuffledSubarray(w.answers, { minLength: w.answers.length }), extra: fc.subarray(w.answers) })),
        ({ w, order, extra }) => {
          expect(tallyCanvass(w.canvass, [...order, ...extra])).toEqual(tallyCanvass(w.canvass, w.answers))
        },
      ),
    )
  })

  it('never turns passed from true, nor a condition from met to unmet, when a household’s latest answer becomes agree', () => {
    // True of every rule, noObjection included: an agreement adds to those taking part and agreeing, and can
    // only take a household out of those objecting. A condition met may become untellable though: consent
    // among participants is met with none, and a first participant without an area on the roster hides the
    // area share; passed cannot, for a rule that counts participants has a quorum, untellable then already.
    fc.assert(
      fc.property(world, fc.nat(), ({ canvass, answers }, pick) => {
        const householdId = canvass.households[pick % canvass.households.length]!.householdId
        const before = tallyCanvass(canvass, answers)
        const after = tallyCanvass(canvass, [...answers, canvassAnswer(householdId, 'agree', { answeredAt: '2026-12-05T00:00:00.000Z' })])
        for (const [i, c] of before.conditions.entries()) if (c.met === true) expect(after.conditions[i]!.met).not.toBe(false)
        if (before.passed === true) expect(after.passed).toBe(true)
      }),
    )
  })

  it('misses nothing exactly when a condition is reached, by households and by area', () => {
    fc.assert(
      fc.property(world, ({ canvass, answers }) => {
        const tally = tallyCanvass(canvass, answers)
        const latest = latestAnswers(canvass, answers)
        const sums = { scope: [0, 0], participants: [0, 0], agree: [0, 0] }
        for (const h of canvass.households) {
          const choice = latest.get(h.householdId)?.answer
          const into = [sums.scope, ...(choice === 'agree' || choice === 'object' || choice === 'abstain' ? [sums.participants] : []), ...(choice === 'agree' ? [sums.agree] : [])]
          for (const s of into) {
            s[0]! += 1
            s[1]! += Math.round((h.area ?? 0) * 100)
          }
        }
        const objecting = [...latest.values()].filter((a) => a.answer === 'object').length
        const { participation, consent, consentOf } = canvass.rule
        const base = consentOf === 'all' ? sums.scope : sums.participants
        const expected: Record<ConditionKey, [boolean, boolean]> = {
          participation: participation ? [reached(sums.participants[0]!, sums.scope[0]!, participation), reached(sums.participants[1]!, sums.scope[1]!, participation)] : [true, true],
          consent: [reached(sums.agree[0]!, base[0]!, consent), reached(sums.agree[1]!, base[1]!, consent)],
          noObjection: [objecting === 0, true],
        }
        for (const c of tally.conditions) {
          const [byHouseholds, byArea] = expected[c.key]
          expect(c.missing.households === 0).toBe(byHouseholds)
          if (c.missing.area !== null) expect(c.missing.area === 0).toBe(byArea)
          expect(c.met).toBe(!byHouseholds ? false : c.missing.area === null ? null : byArea)
        }
      }),
    )
  })

  it('is met once the missing households take part or agree, in the order it counts them, and not with one fewer', () => {
    // Taking part, and agreeing among all households: every household counts alike, `missing` is the fewest.
    fc.assert(
      fc.property(world, ({ canvass, answers }) => {
        const tally = tallyCanvass(canvass, answers)
        const latest = latestAnswers(canvass, answers)
        const later = (list: string[], answer: AnswerChoice) => [...answers, ...list.map((id) => canvassAnswer(id, answer, { answeredAt: '2026-12-05T00:00:00.000Z' }))]
        const households = canvass.households.map((h) => h.householdId)
        const check = (key: ConditionKey, candidates: string[], answer: AnswerChoice) => {
          const need = condition(tally, key)!.missing.households
          expect(condition(tallyCanvass(canvass, later(candidates.slice(0, need), answer)), key)!.missing.households).toBe(0)
          if (need > 0) expect(condition(tallyCanvass(canvass, later(candidates.slice(0, need - 1), answer)), key)!.missing.households).toBeGreaterThan(0)
        }
        const silent = households.filter((id) => !['agree', 'object', 'abstain'].includes(latest.get(id)?.answer ?? ''))
        const against = households.filter((id) => ['object', 'abstain'].includes(latest.get(id)?.answer ?? ''))
        if (canvass.rule.participation) check('participation', silent, 'abstain')
        if (canvass.rule.consentOf === 'all') check('consent', [...silent, ...against], 'agree')
        // Among participants: the households not taking part yet first, then changed answers; under 1/1 only the
        // changes, since new agreements cannot raise that share.
        else check('consent', canvass.rule.consent.num === canvass.rule.consent.den ? against : [...silent, ...against], 'agree')
      }),
    )
  })
})
