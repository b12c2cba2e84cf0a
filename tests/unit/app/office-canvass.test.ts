import { describe, expect, it } from 'vitest'
import { CANVASS_RULES } from '@/domain'
import { blankOpenForm, openRequest } from '@/app/features/office/canvasses/open'
import { householdRows, ruleName } from '@/app/features/office/canvasses/rows'
import { canvass, canvassAnswer, households } from '../../fixtures/canvass'

const NOW = new Date('2026-12-06T20:00:00.000Z') // 7 December in Beijing

describe('the 发起表决 form', () => {
  const filled = { ...blankOpenForm(), buildingId: 'b-nanmen-115-2', question: '  是否同意加装电梯？ ' }

  it('asks for a building and a question, and takes today in Beijing as the earliest deadline', () => {
    expect(openRequest(blankOpenForm(), NOW)).toEqual({ problems: { buildingId: 'building', question: 'question' } })
    expect(openRequest({ ...filled, question: '问'.repeat(201) }, NOW)).toEqual({ problems: { question: 'questionLong' } })
    expect(openRequest({ ...filled, deadline: '2026-12-06' }, NOW)).toEqual({ problems: { deadline: 'pastDeadline' } })
    expect(openRequest({ ...filled, deadline: '2027-02-30' }, NOW)).toEqual({ problems: { deadline: 'deadline' } })
    expect(openRequest({ ...filled, deadline: '2026-12-07', rule: 'elevator_no_objection' }, NOW)).toEqual({
      request: { buildingId: 'b-nanmen-115-2', entrance: '', kind: 'vote', question: '是否同意加装电梯？', note: '', rule: CANVASS_RULES.elevator_no_objection, deadline: '2026-12-07', target: null },
    })
  })

  it('takes a fund’s target in yuan to the fen, and none for a vote', () => {
    const fund = { ...filled, kind: 'fund' as const }
    for (const target of ['', '0', '12.345', '-5', '1e3', '３６００', '100000001']) expect(openRequest({ ...fund, target }, NOW)).toEqual({ problems: { target: 'target' } })
    expect(openRequest({ ...fund, target: ' 3600.5 ' }, NOW)).toMatchObject({ request: { kind: 'fund', target: 3600.5 } })
    expect(openRequest({ ...filled, target: '3600' }, NOW)).toMatchObject({ request: { kind: 'vote', target: null } })
  })
})

describe('a canvass’s households', () => {
  it('show each household’s latest answer and, newest first, only its own earlier answers to this canvass', () => {
    const c = canvass({ households: households(2) })
    const first = canvassAnswer('h01', 'object', { answeredAt: '2026-12-01T02:00:00.000Z' })
    const second = canvassAnswer('h01', 'abstain', { answeredAt: '2026-12-02T02:00:00.000Z' })
    const latest = canvassAnswer('h01', 'agree', { answeredAt: '2026-12-03T02:00:00.000Z' })
    const deleted = canvassAnswer('h01', 'object', { answeredAt: '2026-12-02T05:00:00.000Z', deletedAt: '2026-12-02T06:00:00.000Z' })
    const elsewhere = canvassAnswer('h01', 'object', { canvassId: '019ae000-0000-7000-8000-000000000099' })
    const places = [
      { householdId: 'h02', entrance: '1', unit: '101', floor: 1 },
      { householdId: 'h01', entrance: '1', unit: '902', floor: 9 },
    ]
    const rows = householdRows({ canvass: c, answers: [second, elsewhere, latest, deleted, first], places })
    expect(rows.map((r) => [r.householdId, r.latest?.id ?? null, r.history.map((a) => a.id)])).toEqual([
      ['h02', null, []],
      ['h01', latest.id, [second.id, first.id]],
    ])
  })
})

describe('ruleName', () => {
  it('names the presets and calls any other rule custom', () => {
    expect(ruleName({ ...CANVASS_RULES.civil_code_278 })).toBe('civil_code_278')
    expect(ruleName(CANVASS_RULES.elevator_no_objection)).toBe('elevator_no_objection')
    expect(ruleName({ ...CANVASS_RULES.elevator_no_objection, noObjection: false })).toBe('custom')
    expect(ruleName({ ...CANVASS_RULES.civil_code_278, participation: null, consentOf: 'all' })).toBe('custom')
  })
})
