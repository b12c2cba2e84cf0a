import type { Campaign } from './campaigns'
import type { Canvass, CanvassAnswer } from './canvass'
import { chinaMonth } from './days'
import type { Resident } from './households'
import type { Inspection } from './inspections'
import type { IssueReport } from './issues'
import type { Mediation } from './mediation'
import type { PointAdjustment } from './points'
import type { Visit } from './visits'
import { householdCareTags, isCareHousehold, type VisitIntervals } from './worklist'

/*
 * The points ledger, derived from records (see ./points). Apart from the schemas so that screens need no zod.
 * Each entry is one piece of work, credited to the leader who recorded it, in the Asia/Shanghai month it was
 * done; deleted records earn nothing. The ledger is sorted, so that the same records in any order give the
 * same ledger, entry for entry.
 */

/** The kinds of work that earn points, each as many as the office's rules say (PointRules in ./points). */
export const EARNED_KINDS = ['visit', 'careVisit', 'reportFiled', 'reportResolved', 'inspection', 'campaignOnTime', 'canvassReached', 'mediation'] as const
export type EarnedKind = (typeof EARNED_KINDS)[number]
export type PointKind = EarnedKind | 'adjustment'

/** The points of each piece of work until the office sets its own. */
export const DEFAULT_POINT_RULES: Readonly<Record<EarnedKind, number>> = { visit: 1, careVisit: 2, reportFiled: 1, reportResolved: 2, inspection: 2, campaignOnTime: 3, canvassReached: 1, mediation: 3 }

export interface PointEntry {
  userId: string
  month: string
  kind: PointKind
  /** The record it is for (an adjustment's own id), so that a leader can see what earned what. */
  ref: string
  points: number
  at: string
}

type Gone = { deletedAt: string | null }

export interface PointSources {
  visits: Iterable<Pick<Visit, 'id' | 'createdBy' | 'visitedAt' | 'householdId'> & Gone>
  /** Households with someone who needs a closer eye (needsCare), whose visits earn `careVisit`. */
  careHouseholds: ReadonlySet<string>
  issues: Iterable<Pick<IssueReport, 'id' | 'createdBy' | 'createdAt' | 'status' | 'events'> & Gone>
  inspections: Iterable<Pick<Inspection, 'id' | 'createdBy' | 'completedAt' | 'buildingId' | 'campaignId'> & Gone>
  /** A task is a building the campaign names: a push may name any campaign on an inspection. */
  campaigns: Iterable<Pick<Campaign, 'id' | 'deadline' | 'buildingIds'>>
  /** The canvasses the answers belong to: an answer earns only for a canvass that stands, in its scope, as the tally counts it. */
  canvasses: Iterable<Pick<Canvass, 'id' | 'households'> & Gone>
  canvassAnswers: Iterable<Pick<CanvassAnswer, 'id' | 'createdBy' | 'canvassId' | 'householdId' | 'answer' | 'answeredAt'> & Gone>
  /** Mediation cases: one settled (调解成功) earns its creator `mediation`, at the outcome's time. */
  mediations: Iterable<Pick<Mediation, 'id' | 'createdBy' | 'outcome' | 'outcomeAt'> & Gone>
  adjustments: Iterable<PointAdjustment>
}

/** The households whose visits earn `careVisit` (PointSources.careHouseholds): those the community's care intervals single out. */
export function careHouseholds(residents: Iterable<Pick<Resident, 'householdId' | 'careTags' | 'movedOutAt'>>, intervals: VisitIntervals): Set<string> {
  const byHousehold = new Map<string, Array<Pick<Resident, 'careTags' | 'movedOutAt'>>>()
  for (const resident of residents) {
    const people = byHousehold.get(resident.householdId) ?? []
    people.push(resident)
    byHousehold.set(resident.householdId, people)
  }
  return new Set([...byHousehold].filter(([, people]) => isCareHousehold(householdCareTags(people), intervals)).map(([id]) => id))
}

/** Every entry the rules give for the sources, in a stable order. Kinds worth 0 points give no entries. */
export function pointsLedger(rules: Readonly<Record<EarnedKind, number>>, sources: PointSources): PointEntry[] {
  const entries: PointEntry[] = []
  const credit = (userId: string, kind: EarnedKind, ref: string, at: string, points = rules[kind]) => {
    if (points > 0) entries.push({ userId, month: chinaMonth(at), kind, ref, points, at })
  }
  for (const visit of sources.visits) {
    if (visit.deletedAt) continue
    if (sources.careHouseholds.has(visit.householdId)) credit(visit.createdBy, 'careVisit', visit.id, visit.visitedAt)
    else credit(visit.createdBy, 'visit', visit.id, visit.visitedAt)
  }
  for (const issue of sources.issues) {
    if (issue.deletedAt) continue
    credit(issue.createdBy, 'reportFiled', issue.id, issue.createdAt)
    // A resolved report can be reopened: it earns while it stands resolved, from its latest resolution.
    const resolution = issue.events.filter((event) => event.type === 'status' && event.to === 'resolved').at(-1)
    if (resolution && (issue.status === 'resolved' || issue.status === 'closed')) credit(issue.createdBy, 'reportResolved', issue.id, resolution.at)
  }
  const campaigns = new Map([...sources.campaigns].map((campaign) => [campaign.id, campaign]))
  const firstForTask = new Map<string, { id: string; createdBy: string; completedAt: string; campaignId: string; buildingId: string }>()
  for (const inspection of sources.inspections) {
    if (inspection.deletedAt || !inspection.completedAt) continue
    credit(inspection.createdBy, 'inspection', inspection.id, inspection.completedAt)
    if (!inspection.campaignId) continue
    // A building's task is done once, by its first completed inspection.
    const task = `${inspection.campaignId} ${inspection.buildingId}`
    const known = firstForTask.get(task)
    const done = { id: inspection.id, createdBy: inspection.createdBy, completedAt: inspection.completedAt, campaignId: inspection.campaignId, buildingId: inspection.buildingId }
    if (!known || earlier(done.completedAt, done.id, known.completedAt, known.id)) firstForTask.set(task, done)
  }
  for (const done of firstForTask.values()) {
    const campaign = campaigns.get(done.campaignId)
    const onTime = campaign && campaign.buildingIds.includes(done.buildingId) && Date.parse(done.completedAt) <= Date.parse(campaign.deadline)
    if (onTime) credit(done.createdBy, 'campaignOnTime', done.id, done.completedAt)
  }
  // A deleted canvass (opened by mistake) earns nothing, nor does an answer for a household outside its scope.
  const inScope = new Set([...sources.canvasses].flatMap((canvass) => (canvass.deletedAt ? [] : canvass.households.map((h) => `${canvass.id} ${h.householdId}`))))
  const firstReach = new Map<string, { id: string; createdBy: string; answeredAt: string }>()
  for (const answer of sources.canvassAnswers) {
    const key = `${answer.canvassId} ${answer.householdId}`
    if (answer.deletedAt || answer.answer === 'unreachable' || !inScope.has(key)) continue
    const known = firstReach.get(key)
    if (!known || earlier(answer.answeredAt, answer.id, known.answeredAt, known.id)) firstReach.set(key, answer)
  }
  for (const reach of firstReach.values()) credit(reach.createdBy, 'canvassReached', reach.id, reach.answeredAt)
  for (const mediation of sources.mediations) {
    if (!mediation.deletedAt && mediation.outcome === 'settled' && mediation.outcomeAt) credit(mediation.createdBy, 'mediation', mediation.id, mediation.outcomeAt)
  }
  for (const adjustment of sources.adjustments) {
    entries.push({ userId: adjustment.userId, month: adjustment.month, kind: 'adjustment', ref: adjustment.id, points: adjustment.points, at: adjustment.at })
  }
  return entries.sort((a, b) => compare(a.at, b.at) || compare(a.kind, b.kind) || compare(a.ref, b.ref))
}

/** Whether (at, id) comes before (otherAt, otherId): ties in time go to the id made first. */
function earlier(at: string, id: string, otherAt: string, otherId: string): boolean {
  const [time, otherTime] = [Date.parse(at), Date.parse(otherAt)]
  return time === otherTime ? id < otherId : time < otherTime
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

export interface MonthPoints {
  userId: string
  total: number
  byKind: Partial<Record<PointKind, { count: number; points: number }>>
}

/** A month's points per leader, highest first (ties by user id, so that the ranking is stable). */
export function monthRanking(ledger: Iterable<PointEntry>, month: string): MonthPoints[] {
  const byUser = new Map<string, MonthPoints>()
  for (const entry of ledger) {
    if (entry.month !== month) continue
    const user = byUser.get(entry.userId) ?? { userId: entry.userId, total: 0, byKind: {} }
    const kind = (user.byKind[entry.kind] ??= { count: 0, points: 0 })
    kind.count += 1
    kind.points += entry.points
    user.total += entry.points
    byUser.set(entry.userId, user)
  }
  return [...byUser.values()].sort((a, b) => b.total - a.total || compare(a.userId, b.userId))
}
