import type { Writable } from 'node:stream'
import { floorGrid, latestAnswers, tallyCanvass, type AnswerChoice, type Amount, type CanvassCondition, type CanvassDetail, type CanvassRule, type Respondent, type Share } from '@/domain'
import type { Cell, Column, Table } from './cells'
import { writeXlsx } from './write'

/*
 * A canvass's result for filing (表决结果统计表): what was asked, by which rule, and the result at the top; then
 * every household in scope as the building stands (floorGrid: top floor first), with its latest answer and who
 * recorded it; then the figures. The signatures go apart, as image files (signatureFiles).
 */

export const ANSWER_WORDS: Record<AnswerChoice | 'unasked', string> = {
  agree: '同意',
  object: '反对',
  abstain: '弃权',
  undecided: '未表态',
  unreachable: '联系不上',
  unasked: '未登记',
}

const RESPONDENT_WORDS: Record<Respondent, string> = { owner: '本人', proxy: '代签', link: '链接' }

const DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九']

/** 1–100 as written in a law's shares: 三, 十二, 二十, 一百. */
function numeral(n: number): string {
  if (n === 100) return '一百'
  if (n < 10) return DIGITS[n]!
  const tens = Math.floor(n / 10)
  return `${tens === 1 ? '' : DIGITS[tens]}十${n % 10 ? DIGITS[n % 10] : ''}`
}

const share = (s: Share) => `${numeral(s.den)}分之${numeral(s.num)}以上`

/** A rule as the office reads it out: 参与表决… 且 …同意, 且无人反对. */
export function ruleWords(rule: CanvassRule): string {
  const parts: string[] = []
  if (rule.participation) parts.push(`参与表决的业主人数和面积均占${share(rule.participation)}`)
  parts.push(`${rule.consentOf === 'participants' ? '参与表决的' : '全体'}业主人数和面积均${share(rule.consent)}同意`)
  if (rule.noObjection) parts.push('无人反对')
  return parts.join('，且')
}

const area = (a: number | null) => (a === null ? '面积不全' : `${a} ㎡`)
const amount = (a: Amount) => `${a.households} 户，${area(a.area)}`

const CONDITION_WORDS: Record<CanvassCondition['key'], string> = { participation: '参与表决', consent: '同意', noObjection: '无人反对' }

function conditionWords(c: CanvassCondition): string {
  if (c.met === true) return '已达到'
  if (c.met === null) return '有住户缺面积，暂不能判断'
  if (c.key === 'noObjection') return `有 ${c.missing.households} 户反对`
  return `还差 ${c.missing.households} 户${c.missing.area === null ? '' : `、${c.missing.area} ㎡`}`
}

function resultWords(passed: boolean | null, closed: boolean): string {
  if (passed === null) return '有住户缺面积，暂不能判断'
  if (closed) return passed ? '通过' : '未通过'
  return passed ? '已达到通过条件（表决还没结束）' : '还没达到通过条件（表决还没结束）'
}

/** A stairwell as households say it: 1单元 (empty for a building of one). */
export const stairwell = (entrance: string) => (entrance === '' || entrance.endsWith('单元') ? entrance : `${entrance}单元`)

/**
 * The result sheet. `names` are the recorders' display names; `onFile` the photos whose bytes the server has: a
 * signature is on file when its answer is signed and its first photo (the drawn signature, or the signed form) is.
 */
export function canvassTable(detail: CanvassDetail, onFile: ReadonlySet<string>): Table {
  const { canvass, answers, people } = detail
  const tally = tallyCanvass(canvass, answers)
  const latest = latestAnswers(canvass, answers)
  const fund = canvass.kind === 'fund'
  const inScope = new Map(canvass.households.map((h) => [h.householdId, h]))
  // A household the roster no longer lists keeps its row, under its id.
  const known = new Set(detail.places.map((p) => p.householdId))
  const places = [...detail.places.filter((p) => inScope.has(p.householdId)), ...canvass.households.filter((h) => !known.has(h.householdId)).map((h) => ({ householdId: h.householdId, entrance: '', unit: h.householdId, floor: 0 }))]
  const columns: Column[] = [
    { header: '单元', kind: 'text', width: 8 },
    { header: '房号', kind: 'text', width: 8 },
    { header: '楼层', kind: 'number', width: 6 },
    { header: '面积（㎡）', kind: 'number' },
    { header: '表态', kind: 'text', width: 10 },
    { header: '代签/本人/链接', kind: 'text', width: 14 },
    { header: '答复人', kind: 'text', width: 12 },
    { header: '登记人', kind: 'text', width: 12 },
    { header: '登记时间', kind: 'datetime' },
    { header: '签名是否在档', kind: 'text', width: 12 },
    ...(fund ? ([{ header: '认捐（元）', kind: 'number' }, { header: '已缴（元）', kind: 'number' }] satisfies Column[]) : []),
  ]
  const rows = floorGrid(places).flatMap(({ rooms }) =>
    rooms.map((place): Cell[] => {
      const answer = latest.get(place.householdId)
      const signed = answer?.signature ? (onFile.has(answer.photos[0] ?? '') ? '在档' : '缺照片') : '无'
      return [
        stairwell(place.entrance),
        place.unit,
        place.floor,
        inScope.get(place.householdId)!.area,
        ANSWER_WORDS[answer?.answer ?? 'unasked'],
        answer ? RESPONDENT_WORDS[answer.respondent] : null,
        answer?.respondentName ?? null,
        answer ? (people[answer.createdBy] ?? answer.createdBy) : null,
        answer?.answeredAt ?? null,
        answer ? signed : null,
        ...(fund ? [answer?.pledged ?? null, answer?.paid ?? null] : []),
      ]
    }),
  )
  const heading = [
    [`${detail.building}${stairwell(canvass.entrance)} 表决结果统计表`],
    ['事项', canvass.question],
    ['表决规则', ruleWords(canvass.rule)],
    ['结果', resultWords(tally.passed, canvass.closedAt !== null)],
    ...(canvass.deadline ? [['截止日期', canvass.deadline]] : []),
    [],
  ]
  const footing = [
    [],
    ['统计'],
    ['总户数', amount(tally.scope)],
    ...(['agree', 'object', 'abstain', 'undecided', 'unreachable', 'unasked'] as const).map((choice) => [ANSWER_WORDS[choice], amount(tally.byAnswer[choice])]),
    ['参与表决', amount(tally.participants)],
    ...tally.conditions.map((c) => [`${CONDITION_WORDS[c.key]}条件`, conditionWords(c)]),
    ...(fund ? [['认捐合计', `${tally.pledged} 元`], ['已缴合计', `${tally.paid} 元`], ...(canvass.target === null ? [] : [['目标', `${canvass.target} 元`]])] : []),
  ]
  return { title: '表决结果统计表', columns, rows, heading, footing }
}

/** The result as an .xlsx workbook. */
export function writeCanvassXlsx(detail: CanvassDetail, onFile: ReadonlySet<string>, out: Writable): Promise<void> {
  return writeXlsx([canvassTable(detail, onFile)], out)
}

/** The photo of each household's latest signed answer, and the name it is filed under: 1单元-302-同意. */
export function signatureFiles(detail: CanvassDetail): Array<{ sha256: string; name: string }> {
  const latest = latestAnswers(detail.canvass, detail.answers)
  const places = new Map(detail.places.map((p) => [p.householdId, p]))
  return [...latest.values()].flatMap((answer) => {
    const photo = answer.signature ? answer.photos[0] : undefined
    if (!photo) return []
    const place = places.get(answer.householdId)
    const flat = place ? [stairwell(place.entrance), place.unit].filter(Boolean).join('-') : answer.householdId
    // A room written with a slash (302/303) must not open a folder in the zip.
    return [{ sha256: photo, name: `${flat}-${ANSWER_WORDS[answer.answer]}`.replace(/[\\/:*?"<>|]/g, '_') }]
  })
}
