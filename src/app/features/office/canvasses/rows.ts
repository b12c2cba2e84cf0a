import { CANVASS_RULES, latestAnswers, type CanvassAnswer, type CanvassDetail, type CanvassPlace, type CanvassRule, type CanvassRuleName, type CanvassSummary } from '@/domain'

/** The list's filters: open or closed canvasses, one building's. */
export interface CanvassFilter {
  state: 'all' | 'open' | 'closed'
  buildingId: string | null
}

/** The canvasses the filter lets through, in the server's order (newest first). */
export function canvassRows(summaries: readonly CanvassSummary[], filter: CanvassFilter): CanvassSummary[] {
  return summaries.filter(
    ({ canvass }) =>
      (filter.state === 'all' || (filter.state === 'closed') === (canvass.closedAt !== null)) && (!filter.buildingId || canvass.buildingId === filter.buildingId),
  )
}

/** How many households in scope have an answer. */
export const answeredCount = (summary: Pick<CanvassSummary, 'tally'>) => summary.tally.scope.households - summary.tally.byAnswer.unasked.households

export interface HouseholdRow {
  householdId: string
  place: CanvassPlace | undefined
  area: number | null
  /** The answer that counts; null for a household not asked yet. */
  latest: CanvassAnswer | null
  /** Its earlier answers, newest first. */
  history: CanvassAnswer[]
}

const collator = new Intl.Collator('zh-CN', { numeric: true })

/** Places along the building as the grid reads them: stairwell, floor, room. */
function placeOrder(a: CanvassPlace | undefined, b: CanvassPlace | undefined): number {
  if (!a || !b) return a ? -1 : b ? 1 : 0
  return collator.compare(a.entrance, b.entrance) || a.floor - b.floor || collator.compare(a.unit, b.unit)
}

/** Each household in scope with its latest answer and its history, by stairwell, floor and room. */
export function householdRows(detail: Pick<CanvassDetail, 'canvass' | 'answers' | 'places'>): HouseholdRow[] {
  const latest = latestAnswers(detail.canvass, detail.answers)
  const places = new Map(detail.places.map((p) => [p.householdId, p]))
  const earlier = new Map<string, CanvassAnswer[]>()
  for (const answer of detail.answers) {
    const counted = latest.get(answer.householdId)
    if (!counted || answer.id === counted.id || answer.deletedAt || answer.canvassId !== detail.canvass.id) continue
    earlier.set(answer.householdId, [...(earlier.get(answer.householdId) ?? []), answer])
  }
  const newestFirst = (a: CanvassAnswer, b: CanvassAnswer) => b.answeredAt.localeCompare(a.answeredAt) || b.id.localeCompare(a.id)
  return detail.canvass.households
    .map((h) => ({
      householdId: h.householdId,
      place: places.get(h.householdId),
      area: h.area,
      latest: latest.get(h.householdId) ?? null,
      history: (earlier.get(h.householdId) ?? []).sort(newestFirst),
    }))
    .sort((a, b) => placeOrder(a.place, b.place))
}

/** A flat as people say it: its room, with the stairwell when the canvass spans several (2-302). */
export function roomLabel(place: Pick<CanvassPlace, 'entrance' | 'unit'> | undefined, stairwells: boolean, fallback: string): string {
  if (!place) return fallback
  return stairwells && place.entrance ? `${place.entrance}-${place.unit}` : place.unit
}

/** Which preset a canvass's rule is, or 'custom' for one set otherwise. */
export function ruleName(rule: CanvassRule): CanvassRuleName | 'custom' {
  const same = (a: CanvassRule, b: CanvassRule) =>
    a.consentOf === b.consentOf &&
    a.noObjection === b.noObjection &&
    a.consent.num === b.consent.num &&
    a.consent.den === b.consent.den &&
    a.participation?.num === b.participation?.num &&
    a.participation?.den === b.participation?.den
  return (Object.keys(CANVASS_RULES) as CanvassRuleName[]).find((name) => same(CANVASS_RULES[name], rule)) ?? 'custom'
}
