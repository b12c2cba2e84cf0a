import { describe, expect, it } from 'vitest'
import { CANVASS_RULES, tallyCanvass } from '@/domain'
import { createAppI18n } from '@/app/i18n'
import { shortfallLines, squareMetres, verdictKey, verdictOf } from '@/app/features/canvass/shortfall'
import shortfall from '@/app/features/canvass/shortfall-messages'
import { answersOf, canvass, canvassAnswer, households } from '../../fixtures/canvass'

const { t } = createAppI18n('zh-CN', [shortfall]).global
const ids = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `h${String(from + i).padStart(2, '0')}`)
const lines = (...args: Parameters<typeof tallyCanvass>) => shortfallLines(tallyCanvass(...args), t)

describe('what a canvass still needs, in words', () => {
  it('names households and area together, or the area alone once the households are enough', () => {
    expect(lines(canvass(), answersOf(ids(1, 7), 'agree'))).toEqual(['参与表决还差 1 户、80 ㎡'])
    const sized = canvass({ rule: CANVASS_RULES.elevator_no_objection, households: households(12).map((h, i) => ({ ...h, area: [60, 90, 120][Math.floor(i / 4)]! })) })
    expect(lines(sized, answersOf(ids(1, 8), 'agree'))).toEqual(['同意的面积还差 120 ㎡'])
    // 7 of 12 agree, 510 of 1080 m²: 2/3 is 8 households and 720 m².
    expect(lines(sized, [...answersOf(ids(1, 7), 'agree'), canvassAnswer('h12', 'object')])).toEqual(['还差 1 户同意、210 ㎡', '已有 1 户反对'])
  })

  it('says the households still needed and that the area share waits for the missing areas', () => {
    const partly = canvass({ households: [...households(11), { householdId: 'h12', area: null }] })
    expect(lines(partly, answersOf(ids(1, 7), 'agree'))).toEqual(['参与表决还差 1 户', '缺 1 户面积，面积比例暂无法确定'])
    expect(lines(partly, answersOf(ids(1, 8), 'agree'))).toEqual(['缺 1 户面积，面积比例暂无法确定'])
  })

  it('is empty once passed, and the result reads 通过, 未通过 or 待定', () => {
    expect(lines(canvass(), answersOf(ids(1, 8), 'agree'))).toEqual([])
    expect([true, false, null].map((passed) => t(verdictKey(verdictOf(passed, true))))).toEqual(['通过', '未通过', '待定'])
    // Open, answers may still come: not 未通过 yet.
    expect([true, false, null].map((passed) => t(verdictKey(verdictOf(passed, false))))).toEqual(['通过', '还没达到', '待定'])
    expect([156.3, 0.01, 800.08, 1200].map(squareMetres)).toEqual(['156.3', '0.01', '800.08', '1200'])
  })
})
