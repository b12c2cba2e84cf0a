import { describe, expect, it } from 'vitest'
import { CANVASS_RULES, type CanvassAnswer, type CanvassDetail } from '@/domain'
import { canvassTable, ruleWords, signatureFiles } from '@/server/exports/canvass'
import { canvassAnswerFields, canvassFields } from '../../fixtures/canvass'

const meta = { createdAt: '2026-11-20T03:00:00.000Z', updatedAt: '2026-11-20T03:00:00.000Z', createdBy: 'u-leader1', deviceId: 'd-1', rev: 1, deletedAt: null, conflicts: [] }

describe('the result sheet', () => {
  it('reads a rule out as the law writes its shares', () => {
    expect(ruleWords(CANVASS_RULES.civil_code_278)).toBe('参与表决的业主人数和面积均占三分之二以上，且参与表决的业主人数和面积均四分之三以上同意')
    expect(ruleWords(CANVASS_RULES.elevator_no_objection)).toBe('全体业主人数和面积均三分之二以上同意，且无人反对')
    expect(ruleWords({ participation: null, consent: { num: 7, den: 12 }, consentOf: 'all', noObjection: false })).toBe('全体业主人数和面积均十二分之七以上同意')
    expect(ruleWords({ participation: null, consent: { num: 51, den: 100 }, consentOf: 'all', noObjection: false })).toBe('全体业主人数和面积均一百分之五十一以上同意')
  })
})

describe('a fund’s sheet', () => {
  it('has each household’s pledge and payment, and the totals against the target below', () => {
    const canvass = { ...canvassFields({ kind: 'fund', target: 1200, households: [{ householdId: 'h1', area: 60 }, { householdId: 'h2', area: 60 }] }), ...meta, id: '019a0000-0000-7000-8000-000000000001' }
    const paid = { ...canvassAnswerFields(canvass.id, { householdId: 'h1', pledged: 300, paid: 150.5 }), ...meta, id: '019a0000-0000-7000-8000-000000000002' }
    const places = [
      { householdId: 'h1', entrance: '', unit: '101', floor: 1 },
      { householdId: 'h2', entrance: '', unit: '201', floor: 2 },
    ]
    const table = canvassTable({ canvass, building: '南门路117号', answers: [paid], places, people: { 'u-leader1': '演示楼长' } }, new Set())
    expect(table.columns.slice(-2).map((c) => c.header)).toEqual(['认捐（元）', '已缴（元）'])
    expect((table.rows as unknown[][]).map((row) => [row[1], row[4], ...row.slice(-2)])).toEqual([
      ['201', '未登记', null, null],
      ['101', '同意', 300, 150.5],
    ])
    expect(table.footing).toEqual(expect.arrayContaining([['认捐合计', '300 元'], ['已缴合计', '150.5 元'], ['目标', '1200 元']]))
  })
})

describe('the signature files', () => {
  it('are the latest signed answer’s first photo of each household, named by stairwell, flat and answer', () => {
    const canvass = { ...canvassFields({ entrance: '1', households: [{ householdId: 'h1', area: 60 }, { householdId: 'h2', area: 60 }, { householdId: 'h3', area: null }] }), ...meta, id: '019a0000-0000-7000-8000-000000000001' }
    const answer = (id: string, fields: Parameters<typeof canvassAnswerFields>[1]): CanvassAnswer => ({ ...canvassAnswerFields(canvass.id, fields), ...meta, id })
    const detail: CanvassDetail = {
      canvass,
      building: '南门路115号之二',
      answers: [
        answer('019a0000-0000-7000-8000-000000000002', { householdId: 'h1', answer: 'agree', signature: 'drawn', photos: ['a'.repeat(64)], answeredAt: '2026-11-20T03:00:00.000Z' }),
        answer('019a0000-0000-7000-8000-000000000003', { householdId: 'h1', answer: 'object', signature: 'paper', photos: ['b'.repeat(64), 'c'.repeat(64)], answeredAt: '2026-11-20T04:00:00.000Z' }),
        answer('019a0000-0000-7000-8000-000000000004', { householdId: 'h2', answer: 'agree', signature: null }),
        answer('019a0000-0000-7000-8000-000000000005', { householdId: 'h3', answer: 'abstain', signature: 'drawn', photos: ['d'.repeat(64)] }),
      ],
      places: [
        { householdId: 'h1', entrance: '1', unit: '302', floor: 3 },
        { householdId: 'h3', entrance: '1', unit: '401/402', floor: 4 },
      ],
      people: {},
    }
    expect(signatureFiles(detail)).toEqual([
      { sha256: 'b'.repeat(64), name: '1单元-302-反对' },
      { sha256: 'd'.repeat(64), name: '1单元-401_402-弃权' },
    ])
  })
})
