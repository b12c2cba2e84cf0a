import { ISSUE_STATUSES, URGENCIES, type IssueReport, type IssueStatus, type Urgency } from '@/domain'

/*
 * The office's triage board over the community's reports: narrowed by building, urgency and status, in the
 * order the office works them. Pure, so the board and its tests share one rule.
 */

export interface TriageFilter {
  status?: IssueStatus
  buildingId?: string
  urgency?: Urgency
}

export const TRIAGE_ORDERS = ['urgent', 'newest'] as const
export type TriageOrder = (typeof TRIAGE_ORDERS)[number]

const URGENCY_RANK = Object.fromEntries(URGENCIES.map((u, i) => [u, i])) as Record<Urgency, number>

const newestFirst = (a: IssueReport, b: IssueReport) => b.createdAt.localeCompare(a.createdAt)
const mostUrgentFirst = (a: IssueReport, b: IssueReport) => URGENCY_RANK[b.urgency] - URGENCY_RANK[a.urgency] || newestFirst(a, b)

function matches(r: IssueReport, filter: TriageFilter): boolean {
  return (
    !r.deletedAt &&
    (!filter.status || r.status === filter.status) &&
    (!filter.buildingId || r.buildingId === filter.buildingId) &&
    (!filter.urgency || r.urgency === filter.urgency)
  )
}

/** Reports that pass the filter: `urgent` puts the most urgent first, then the newest; `newest` by time only. */
export function triage(issues: readonly IssueReport[], filter: TriageFilter, order: TriageOrder): IssueReport[] {
  return issues.filter((r) => matches(r, filter)).sort(order === 'urgent' ? mostUrgentFirst : newestFirst)
}

/** How many reports each status holds among those the building and urgency filters let through. */
export function countByStatus(issues: readonly IssueReport[], filter: Omit<TriageFilter, 'status'>): Record<IssueStatus, number> {
  const counts = Object.fromEntries(ISSUE_STATUSES.map((s) => [s, 0])) as Record<IssueStatus, number>
  for (const r of issues) if (matches(r, { ...filter, status: undefined })) counts[r.status]++
  return counts
}
