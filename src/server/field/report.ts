import {
  buildingLabel,
  ISSUE_CATEGORIES,
  ISSUE_STATUSES,
  VISIT_PURPOSES,
  monthSpan,
  type ChecklistTemplate,
  type Community,
  type IssueCategory,
  type IssueEvent,
  type IssueStatus,
  type MonthlyReport,
  type VisitPurpose,
} from '@/domain'
import type { Storage } from '../storage/types'
import { coverageField, coverageTotal } from './coverage'

/*
 * The monthly report for the subdistrict: counted in SQL (../storage/field-storage.ts), labelled and put
 * together here. The route, the file exports and the CLI all call monthlyReport.
 */

const HOUR_MS = 60 * 60 * 1000

/** Zero for every key, then the counts given. */
function tally<K extends string>(keys: readonly K[], rows: Array<{ key: string; count: number }>): Record<K, number> {
  const out = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>
  for (const { key, count } of rows) if (key in out) out[key as K] += count
  return out
}

/** The middle value (the mean of the two middle ones for an even count), rounded to a tenth; null for none. */
export function median(values: number[]): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  const value = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
  return Math.round(value * 10) / 10
}

/** Hours from a report's making to its first move to `to`; null when it never got there. */
function hoursTo(createdAt: string, events: IssueEvent[], to: IssueStatus): number | null {
  const event = events.find((e) => e.type === 'status' && e.to === to)
  return event ? Math.max(0, Date.parse(event.at) - Date.parse(createdAt)) / HOUR_MS : null
}

const present = <T>(value: T | null): value is T => value !== null

export async function monthlyReport(storage: Storage, community: Community, month: string, today: string): Promise<MonthlyReport> {
  const span = monthSpan(month)
  const [field, visits, issues, timelines, inspections, failedItems, templates] = await Promise.all([
    coverageField(storage, community, month, today),
    storage.monthVisitCounts(community.id, span),
    storage.monthIssueCounts(community.id, span),
    storage.monthIssueTimelines(community.id, span),
    storage.monthInspectionCounts(community.id, span),
    storage.monthFailedItems(community.id, span),
    storage.listReference(community.id, 'templates') as unknown as Promise<ChecklistTemplate[]>,
  ])
  // A template is titled, and its items labelled, as its newest version words them (an item keeps its id across versions).
  const newestFirst = [...templates].sort((a, b) => b.version - a.version)
  const title = (id: string) => newestFirst.find((t) => t.id === id)?.title ?? id
  const label = (id: string, itemId: string) =>
    newestFirst.flatMap((t) => (t.id === id ? t.items : [])).find((item) => item.id === itemId)?.label ?? itemId


  const visitsOfBuilding = new Map<string, number>()
  for (const row of visits) visitsOfBuilding.set(row.buildingId, (visitsOfBuilding.get(row.buildingId) ?? 0) + row.count)
  const care = field.households.filter((h) => h.care)

  return {
    month,
    asOf: field.asOf,
    visits: {
      total: visits.reduce((sum, row) => sum + row.count, 0),
      byPurpose: tally<VisitPurpose>(VISIT_PURPOSES, visits.map((row) => ({ key: row.purpose, count: row.count }))),
      byBuilding: field.buildings.map((b) => ({ buildingId: b.id, label: buildingLabel(b), count: visitsOfBuilding.get(b.id) ?? 0 })),
      careHouseholdsReached: care.filter((h) => h.visitedInMonth).length,
      careHouseholds: care.length,
    },
    issues: {
      opened: issues.reduce((sum, row) => sum + row.count, 0),
      byCategory: tally<IssueCategory>(ISSUE_CATEGORIES, issues.map((row) => ({ key: row.category, count: row.count }))),
      byStatus: tally<IssueStatus>(ISSUE_STATUSES, issues.map((row) => ({ key: row.status, count: row.count }))),
      medianHoursToAccept: median(timelines.map((t) => hoursTo(t.createdAt, t.events, 'accepted')).filter(present)),
      medianHoursToResolve: median(timelines.map((t) => hoursTo(t.createdAt, t.events, 'resolved')).filter(present)),
    },
    inspections: {
      total: inspections.reduce((sum, row) => sum + row.count, 0),
      byTemplate: inspections.map((row) => ({ ...row, title: title(row.templateId) })).sort((a, b) => b.count - a.count || a.title.localeCompare(b.title, 'zh-CN')),
      failedItems: failedItems.map((row) => ({ ...row, label: label(row.templateId, row.itemId) })).sort((a, b) => b.count - a.count || a.label.localeCompare(b.label, 'zh-CN')),
    },
    coverage: coverageTotal(field),
  }
}
