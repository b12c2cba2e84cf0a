import type { CareTag } from './households'
import { addDays, chinaDay, chinaDayStart, daysBetween } from './days'
import { FOLLOW_UP_AHEAD_DAYS, householdCareTags, householdStanding, isCareHousehold, openFollowUps, type FollowUpVisit, type VisitIntervals } from './worklist'

/*
 * The leader's worklist: the rules of ./worklist applied to what a phone holds (its households, their
 * residents' care tags and every visit to them). One pass over the visits, so that a leader with 20,000
 * visits gets it within a frame or two. Pure and zod-free: home shows its top on the first screen.
 */

/** What the worklist reads of a household: in the order the list should show households that tie. */
export interface WorklistHousehold {
  id: string
  buildingId: string
}

/** What the worklist reads of a resident. */
export interface WorklistResident {
  householdId: string
  careTags: readonly CareTag[]
  movedOutAt?: string | null
}

export interface WorklistInput<H extends WorklistHousehold, V extends FollowUpVisit> {
  households: readonly H[]
  residents: readonly WorklistResident[]
  /** Every visit to the households (deleted ones are skipped). */
  visits: readonly V[]
  /** The intervals of the community a household's building belongs to. */
  intervals: (household: H) => VisitIntervals
  /** The Asia/Shanghai day the list is for. */
  today: string
}

export interface FollowUpRow<V> {
  visit: V
  /** Days past its follow-up day: negative while it is still ahead, 0 on the day. */
  overdueDays: number
}

export interface DueHouseholdRow<H> {
  household: H
  /** Its residents' care tags that have their own interval (why it is due sooner), each once. */
  careTags: CareTag[]
  /** A care household: one of them at least. */
  care: boolean
  interval: number
  /** The Asia/Shanghai day of its last visit; null when nobody has visited it. */
  lastVisitDay: string | null
  /** Days past the day the visit was due; null when it was never visited. */
  overdueDays: number | null
}

export interface Worklist<H, V> {
  /** Open follow-ups due by `today` + FOLLOW_UP_AHEAD_DAYS, most overdue first. */
  followUps: FollowUpRow<V>[]
  /** Households not visited within their interval: care households first, then the most overdue (never visited first). */
  dueHouseholds: DueHouseholdRow<H>[]
  /** Follow-ups past their day, and due today. */
  overdue: number
  dueToday: number
}

const collator = new Intl.Collator('zh-CN')

/**
 * Households in the order the worklist keeps for those that tie: by their building's address, then floor and
 * door. The phone lists its own this way, the server a mentee's for their mentor.
 */
export function inListOrder<H extends { buildingId: string; floor: number; unit: string }>(households: readonly H[], buildings: readonly { id: string; address: string }[]): H[] {
  const order = new Map([...buildings].sort((a, b) => collator.compare(a.address, b.address)).map((b, i) => [b.id, i]))
  return [...households].sort((a, b) => (order.get(a.buildingId) ?? -1) - (order.get(b.buildingId) ?? -1) || a.floor - b.floor || a.unit.localeCompare(b.unit))
}

/** The day of each household's last visit on or before `today`, from the visits' timestamps. */
function lastVisitDays(visits: readonly FollowUpVisit[], today: string): Map<string, string> {
  // ISO timestamps compare as strings; only the newest of each household is turned into a China day.
  const latest = new Map<string, string>()
  // A visit dated after today (a phone's clock ahead) does not count yet; the next newest might.
  const tomorrow = Date.parse(chinaDayStart(addDays(today, 1)))
  for (const v of visits) {
    if (v.deletedAt) continue
    const seen = latest.get(v.householdId)
    if ((seen === undefined || v.visitedAt > seen) && Date.parse(v.visitedAt) < tomorrow) latest.set(v.householdId, v.visitedAt)
  }
  return new Map([...latest].map(([id, at]) => [id, chinaDay(at)]))
}

/** The leader's worklist on `today`: follow-ups to make and households due a visit. */
export function buildWorklist<H extends WorklistHousehold, V extends FollowUpVisit>(input: WorklistInput<H, V>): Worklist<H, V> {
  const { today } = input
  const ahead = addDays(today, FOLLOW_UP_AHEAD_DAYS)
  const followUps = openFollowUps(input.visits)
    .filter((v) => v.followUpOn! <= ahead)
    .map((visit) => ({ visit, overdueDays: daysBetween(visit.followUpOn!, today) }))
    .sort((a, b) => b.overdueDays - a.overdueDays)

  const residentsOf = new Map<string, WorklistResident[]>()
  for (const r of input.residents) {
    const list = residentsOf.get(r.householdId)
    if (list) list.push(r)
    else residentsOf.set(r.householdId, [r])
  }
  const last = lastVisitDays(input.visits, today)
  const dueHouseholds: DueHouseholdRow<H>[] = []
  for (const household of input.households) {
    const intervals = input.intervals(household)
    const careTags = householdCareTags(residentsOf.get(household.id) ?? []).filter((tag) => isCareHousehold([tag], intervals))
    const lastVisitDay = last.get(household.id) ?? null
    const standing = householdStanding(lastVisitDay, careTags, intervals, today)
    if (!standing.needsVisit) continue
    const overdueDays = standing.dueOn === null ? null : daysBetween(standing.dueOn, today)
    dueHouseholds.push({ household, careTags, care: careTags.length > 0, interval: standing.interval, lastVisitDay, overdueDays })
  }
  const rank = (row: DueHouseholdRow<H>) => row.overdueDays ?? Number.MAX_SAFE_INTEGER
  dueHouseholds.sort((a, b) => Number(b.care) - Number(a.care) || rank(b) - rank(a))

  let overdue = 0
  let dueToday = 0
  for (const row of followUps) {
    if (row.overdueDays > 0) overdue++
    else if (row.overdueDays === 0) dueToday++
  }
  return { followUps, dueHouseholds, overdue, dueToday }
}
