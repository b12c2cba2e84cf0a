import type { CareTag } from './households'
import { addDays } from './days'

/*
 * Who needs a visit, the rules the leader's worklist (on the phone, over IndexedDB) and the office's
 * coverage (on the server, over SQL aggregates) both apply, so that the two always show the same figures.
 * Days are Asia/Shanghai days (./days). Pure and zod-free: home uses them on the first screen.
 */

/** How often a community wants its households visited: a community setting (see CommunitySettings). */
export interface VisitIntervals {
  /** Every household, in days. */
  visitIntervalDays: number
  /** Shorter intervals for households with one of these care tags; the tags listed here make a care household. */
  careIntervalDays: Partial<Record<CareTag, number>>
}

export const DEFAULT_VISIT_INTERVALS: VisitIntervals = {
  visitIntervalDays: 30,
  careIntervalDays: { elderly_alone: 7, disabled: 14, low_income: 30 },
}

/** After this many days without reaching the server a phone is called silent, unless the community sets another. */
export const DEFAULT_SILENT_DEVICE_DAYS = 3

/** The worklist shows follow-ups due up to this many days ahead. */
export const FOLLOW_UP_AHEAD_DAYS = 7

/** A household's interval: the shortest of the community's and those of its residents' care tags. */
export function householdInterval(careTags: Iterable<CareTag>, intervals: VisitIntervals): number {
  let days = intervals.visitIntervalDays
  for (const tag of careTags) days = Math.min(days, intervals.careIntervalDays[tag] ?? days)
  return days
}

/** A household the community watches more closely: one of its residents has a care tag with its own interval. */
export function isCareHousehold(careTags: Iterable<CareTag>, intervals: VisitIntervals): boolean {
  for (const tag of careTags) if (intervals.careIntervalDays[tag] !== undefined) return true
  return false
}

/** A household's care tags: those of its residents who have not moved out, each once. */
export function householdCareTags(residents: Iterable<{ careTags: readonly CareTag[]; movedOutAt?: string | null }>): CareTag[] {
  const tags = new Set<CareTag>()
  for (const r of residents) if (!r.movedOutAt) for (const tag of r.careTags) tags.add(tag)
  return [...tags]
}

export interface HouseholdStanding {
  interval: number
  /** The day the next visit is due; null when the household was never visited (due from the start). */
  dueOn: string | null
  /** Not visited within its interval on `asOf`: never visited, or due on or before it. */
  needsVisit: boolean
}

/** Where a household stands on `asOf`, given the day of its last visit on or before it (null: never). */
export function householdStanding(lastVisitDay: string | null, careTags: Iterable<CareTag>, intervals: VisitIntervals, asOf: string): HouseholdStanding {
  const interval = householdInterval(careTags, intervals)
  const dueOn = lastVisitDay === null ? null : addDays(lastVisitDay, interval)
  return { interval, dueOn, needsVisit: dueOn === null || dueOn <= asOf }
}

/** What the follow-up rules read of a visit. */
export interface FollowUpVisit {
  id: string
  householdId: string
  visitedAt: string
  followUpOn: string | null
  followsVisitId?: string | null
  deletedAt?: string | null
}

/**
 * The visits whose follow-up is still open: a follow-up day, not deleted, and neither a later visit to the
 * household (the leader has been back) nor a visit that names it as the one it follows. Linear in the
 * visits given, which must include every visit of their households (deleted ones are skipped).
 */
export function openFollowUps<V extends FollowUpVisit>(visits: readonly V[]): V[] {
  const latest = new Map<string, string>()
  const followed = new Set<string>()
  for (const v of visits) {
    if (v.deletedAt) continue
    const seen = latest.get(v.householdId)
    if (seen === undefined || v.visitedAt > seen) latest.set(v.householdId, v.visitedAt)
    if (v.followsVisitId) followed.add(v.followsVisitId)
  }
  return visits.filter((v) => v.followUpOn && !v.deletedAt && !followed.has(v.id) && latest.get(v.householdId) === v.visitedAt)
}
