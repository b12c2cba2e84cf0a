import type { AnswerChoice, Canvass, CanvassAnswer, CanvassRule, Share } from './canvass'

/*
 * A canvass's figures, computed from its answers wherever they are shown: on the leader's phone as answers are
 * recorded, in the workspace, in the export. Apart from the schemas in ./canvass, so screens need no zod.
 *
 * Counting follows the Civil Code and its judicial interpretation: one flat is one owner (业主人数按专有部分
 * 计算) however many co-owners it has; areas are compared exactly, in hundredths of a square metre; a share
 * is reached at exactly that share (三分之二以上 includes 2/3).
 */

/** The answers of households that took part in the vote (参与表决): an abstention takes part, silence does not. */
export const PARTICIPATING: ReadonlySet<AnswerChoice> = new Set(['agree', 'object', 'abstain'])

/** Some households and their floor area in m² (null when one of them has no area on the roster). */
export interface Amount {
  households: number
  area: number | null
}

export type ConditionKey = 'participation' | 'consent' | 'noObjection'

export interface CanvassCondition {
  key: ConditionKey
  /** Reached by households and by area; null when it cannot be told because an area is missing. */
  met: boolean | null
  /**
   * What it still takes: households (and m²) still to take part, or still to agree; for noObjection the
   * households objecting. Counted from households that have not taken part yet, as the leader goes on door
   * to door; when they are not enough, from those who took part and must change their answer too. An area
   * of null: it cannot be told.
   */
  missing: Amount
}

export interface CanvassTally {
  scope: Amount
  /** Households in scope whose area the roster lacks: an area share cannot be told until it is filled in. */
  areaUnknown: number
  /** Per answer, by each household's latest; households never asked are `unasked`. */
  byAnswer: Record<AnswerChoice | 'unasked', Amount>
  participants: Amount
  conditions: CanvassCondition[]
  /** Every condition met; null when one cannot be told. */
  passed: boolean | null
  /** A fund's pledges and payments, in yuan, by each household's latest answer. */
  pledged: number
  paid: number
}

/**
 * Why a canvass does not take an answer, or null when it does: the answer must be about a household the canvass
 * asks, in its building, and given before it closed (one made offline may arrive after: it is too late all the
 * same, or it would change figures already settled). The phone checks it on saving, the server on every push.
 */
export function answerRefusal(
  canvass: Pick<Canvass, 'buildingId' | 'households' | 'closedAt'>,
  answer: Pick<CanvassAnswer, 'buildingId' | 'householdId' | 'answeredAt'>,
): 'otherBuilding' | 'notAsked' | 'closed' | null {
  if (canvass.buildingId !== answer.buildingId) return 'otherBuilding'
  if (!canvass.households.some((h) => h.householdId === answer.householdId)) return 'notAsked'
  if (canvass.closedAt !== null && Date.parse(answer.answeredAt) > Date.parse(canvass.closedAt)) return 'closed'
  return null
}

type Answerable = Pick<CanvassAnswer, 'id' | 'canvassId' | 'householdId' | 'answeredAt' | 'deletedAt'>

/** Whether `a` is a later answer than `b`: by when it was given, and by id (made in time order) at the same instant. */
function later(a: Answerable, b: Answerable): boolean {
  // Compared as instants: a timestamp may be written with or without its milliseconds.
  const [at, bAt] = [Date.parse(a.answeredAt), Date.parse(b.answeredAt)]
  return at === bAt ? a.id > b.id : at > bAt
}

/** Each household's latest answer to the canvass: the one that counts. Earlier ones are its history. */
export function latestAnswers<A extends Answerable>(canvass: Pick<Canvass, 'id' | 'households'>, answers: Iterable<A>): Map<string, A> {
  const inScope = new Set(canvass.households.map((h) => h.householdId))
  const latest = new Map<string, A>()
  for (const answer of answers) {
    if (answer.canvassId !== canvass.id || answer.deletedAt || !inScope.has(answer.householdId)) continue
    const known = latest.get(answer.householdId)
    if (!known || later(answer, known)) latest.set(answer.householdId, answer)
  }
  return latest
}

/** Areas in hundredths of a square metre, so that sums and shares are exact. */
const hundredths = (area: number) => Math.round(area * 100)

interface Sum {
  households: number
  hundredths: number
  unknown: number
}

const emptySum = (): Sum => ({ households: 0, hundredths: 0, unknown: 0 })
const amount = (sum: Sum): Amount => ({ households: sum.households, area: sum.unknown ? null : sum.hundredths / 100 })

/** The least whole number of units `x` with (have + x) × den ≥ total × num: what a share of `total` still needs. */
function shortOf(have: number, total: number, share: Share): number {
  return Math.max(0, Math.ceil((total * share.num - have * share.den) / share.den))
}

/**
 * What consent among participants still needs, in units (households or hundredths): new agreements from those
 * who have not taken part (each adds to both sides of the share), then, when they run out, changed answers
 * (each adds to the agreeing side only). Under a share of 1/1 new agreements raise nothing: changes only.
 */
function shortAmongParticipants(agree: number, participants: number, outside: number, share: Share): number {
  if (agree * share.den >= participants * share.num) return 0
  const slack = share.den - share.num
  if (slack === 0) return shortOf(agree, participants, share)
  const fromOutside = Math.ceil((participants * share.num - agree * share.den) / slack)
  if (fromOutside <= outside) return fromOutside
  return outside + shortOf(agree + outside, participants + outside, share)
}

/** A canvass's figures from its answers (any order, any duplicates: only each household's latest counts). */
export function tallyCanvass(canvass: Pick<Canvass, 'id' | 'households' | 'rule'>, answers: Iterable<CanvassAnswer>): CanvassTally {
  const latest = latestAnswers(canvass, answers)
  const sums: Record<AnswerChoice | 'unasked', Sum> = {
    agree: emptySum(),
    object: emptySum(),
    abstain: emptySum(),
    undecided: emptySum(),
    unreachable: emptySum(),
    unasked: emptySum(),
  }
  const scope = emptySum()
  const participants = emptySum()
  let pledged = 0
  let paid = 0
  for (const household of canvass.households) {
    const answer = latest.get(household.householdId)
    const choice = answer?.answer ?? 'unasked'
    const into = choice !== 'unasked' && PARTICIPATING.has(choice) ? [sums[choice], scope, participants] : [sums[choice], scope]
    for (const sum of into) {
      sum.households += 1
      if (household.area === null) sum.unknown += 1
      else sum.hundredths += hundredths(household.area)
    }
    // In fen, so that sums of yuan stay exact.
    pledged += Math.round((answer?.pledged ?? 0) * 100)
    paid += Math.round((answer?.paid ?? 0) * 100)
  }
  const conditions = conditionsOf(canvass.rule, scope, participants, sums.agree, sums.object)
  const passed = conditions.some((c) => c.met === false) ? false : conditions.every((c) => c.met === true) ? true : null
  return {
    scope: amount(scope),
    areaUnknown: scope.unknown,
    byAnswer: Object.fromEntries(Object.entries(sums).map(([choice, sum]) => [choice, amount(sum)])) as CanvassTally['byAnswer'],
    participants: amount(participants),
    conditions,
    passed,
    pledged: pledged / 100,
    paid: paid / 100,
  }
}

function conditionsOf(rule: CanvassRule, scope: Sum, participants: Sum, agree: Sum, object: Sum): CanvassCondition[] {
  const conditions: CanvassCondition[] = []
  const condition = (key: ConditionKey, households: number, area: number | null): CanvassCondition => ({
    key,
    met: households > 0 ? false : area === null ? null : area === 0,
    missing: { households, area: area === null ? null : area / 100 },
  })
  if (rule.participation) {
    const share = rule.participation
    conditions.push(
      condition('participation', shortOf(participants.households, scope.households, share), scope.unknown ? null : shortOf(participants.hundredths, scope.hundredths, share)),
    )
  }
  if (rule.consentOf === 'all') {
    conditions.push(
      condition('consent', shortOf(agree.households, scope.households, rule.consent), scope.unknown ? null : shortOf(agree.hundredths, scope.hundredths, rule.consent)),
    )
  } else {
    const outside = { households: scope.households - participants.households, hundredths: scope.hundredths - participants.hundredths }
    conditions.push(
      condition(
        'consent',
        shortAmongParticipants(agree.households, participants.households, outside.households, rule.consent),
        // Among participants, only their areas must be known; the area still to come is counted from known areas.
        participants.unknown ? null : shortAmongParticipants(agree.hundredths, participants.hundredths, outside.hundredths, rule.consent),
      ),
    )
  }
  if (rule.noObjection) conditions.push(condition('noObjection', object.households, 0))
  return conditions
}

export interface GridRow<P> {
  floor: number
  rooms: P[]
}

/**
 * A building's flats as its floor-by-room grid: the top floor first, as the building stands, and along each
 * floor the rooms by stairwell and number (2单元 after 1单元, 1002 after 902).
 */
export function floorGrid<P extends { entrance: string; unit: string; floor: number }>(places: readonly P[]): GridRow<P>[] {
  const byNumber = (a: string, b: string) => a.localeCompare(b, 'zh-CN', { numeric: true })
  const floors = new Map<number, P[]>()
  for (const place of places) floors.set(place.floor, [...(floors.get(place.floor) ?? []), place])
  return [...floors]
    .sort(([a], [b]) => b - a)
    .map(([floor, rooms]) => ({ floor, rooms: rooms.sort((a, b) => byNumber(a.entrance, b.entrance) || byNumber(a.unit, b.unit)) }))
}
