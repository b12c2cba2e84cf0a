import { z } from 'zod'
import { Id, Photos, RecordMeta, RefId, Timestamp, checkRecordBytes, requiredText, text } from './common'

export const ISSUE_CATEGORIES = [
  'repair',
  'safety_hazard',
  'sanitation',
  'dispute',
  'property_management',
  'elevator',
  'elderly_care',
  'policy_question',
  'other',
] as const
export const IssueCategory = z.enum(ISSUE_CATEGORIES)
export type IssueCategory = z.infer<typeof IssueCategory>

export const URGENCIES = ['low', 'normal', 'urgent'] as const
export const Urgency = z.enum(URGENCIES)
export type Urgency = z.infer<typeof Urgency>

export const ISSUE_STATUSES = ['submitted', 'accepted', 'in_progress', 'resolved', 'closed', 'rejected'] as const
export const IssueStatus = z.enum(ISSUE_STATUSES)
export type IssueStatus = z.infer<typeof IssueStatus>

/**
 * The office moves a report along this graph. `rejected` is reachable until work has started, and a
 * resolved report can be reopened if the resident says it is not fixed. The reporter's one move is apart
 * (`resubmit`): a returned report, fixed, goes back to the office.
 */
const TRANSITIONS: Record<IssueStatus, readonly IssueStatus[]> = {
  submitted: ['accepted', 'rejected'],
  accepted: ['in_progress', 'rejected'],
  in_progress: ['resolved'],
  resolved: ['closed', 'in_progress'],
  closed: [],
  rejected: [],
}

export function allowedTransitions(from: IssueStatus): readonly IssueStatus[] {
  return TRANSITIONS[from]
}

/**
 * Whether the reporter may still change the report's fields: while it waits for the office, and once the
 * office has returned it (to fix it and resubmit). Once the office has taken it on, its fields are what
 * the office works from; the reporter comments instead. The edit screen and the server both ask this.
 */
export function reporterMayEdit(status: IssueStatus): boolean {
  return status === 'submitted' || status === 'rejected'
}

/** What the office and the server own of a new report: it starts submitted, unassigned, with no events. */
export function newReportState(): Pick<IssueReport, 'status' | 'assignee' | 'events'> {
  return { status: 'submitted', assignee: null, events: [] }
}

/**
 * Moves the leader has to explain at the door: why the report was returned, or what was done about it.
 * The office's form asks for the note and the server refuses the move without one.
 */
export function noteRequired(to: IssueStatus): boolean {
  return to === 'rejected' || to === 'resolved'
}

const EventBase = z.object({ id: Id, at: Timestamp, by: RefId })
export const IssueEvent = z.discriminatedUnion('type', [
  EventBase.extend({
    type: z.literal('status'),
    from: IssueStatus,
    to: IssueStatus,
    note: text(500),
  }),
  EventBase.extend({ type: z.literal('comment'), text: requiredText(1000) }),
])
export type IssueEvent = z.infer<typeof IssueEvent>

/** Where a report came from when it was raised from a failed inspection item. */
export const InspectionSource = z.object({ inspectionId: Id, itemId: RefId })
export type InspectionSource = z.infer<typeof InspectionSource>
/** … or from a mediation case not settled (src/domain/mediation.ts). */
export const MediationSource = z.object({ mediationId: Id })
export const IssueSource = z.union([InspectionSource, MediationSource])
export type IssueSource = z.infer<typeof IssueSource>

/** The inspection item a report was raised from, if it was. */
export function inspectionSource(source: IssueSource | null): InspectionSource | null {
  return source && 'inspectionId' in source ? source : null
}

export const IssueFields = z.object({
  buildingId: RefId,
  householdId: RefId.nullable(),
  category: IssueCategory,
  /** Where in the building, e.g. 3楼楼道窗户. */
  location: requiredText(100),
  description: requiredText(2000),
  urgency: Urgency,
  photos: Photos,
  source: IssueSource.nullable(),
})
export type IssueFields = z.infer<typeof IssueFields>

export const IssueReport = z.object({
  ...RecordMeta.shape,
  ...IssueFields.shape,
  status: IssueStatus,
  /** The office staff member handling the report; set by the office only. */
  assignee: RefId.nullable().default(null),
  /** Append-only: status changes and comments, oldest first. */
  events: z.array(IssueEvent),
}).check(checkRecordBytes)
export type IssueReport = z.infer<typeof IssueReport>

export type TransitionResult =
  | { ok: true; report: IssueReport }
  | { ok: false; reason: 'invalid_transition'; from: IssueStatus; to: IssueStatus }

/** Moves a report to `to`, appending the status event; refuses any move the graph does not allow. */
export function transition(
  report: IssueReport,
  to: IssueStatus,
  change: { eventId: string; at: string; by: string; note?: string },
): TransitionResult {
  const from = report.status
  if (!TRANSITIONS[from].includes(to)) return { ok: false, reason: 'invalid_transition', from, to }
  const event: IssueEvent = { type: 'status', id: change.eventId, at: change.at, by: change.by, from, to, note: change.note ?? '' }
  return { ok: true, report: { ...report, status: to, updatedAt: change.at, events: [...report.events, event] } }
}

/**
 * The reporter sends a returned report back to the office (`rejected → submitted`), with a note on what
 * changed; refused from any other status. By whom is checked by the caller (the server: the reporter only).
 */
export function resubmit(report: IssueReport, change: { eventId: string; at: string; by: string; note?: string }): TransitionResult {
  if (report.status !== 'rejected') return { ok: false, reason: 'invalid_transition', from: report.status, to: 'submitted' }
  const event: IssueEvent = { type: 'status', id: change.eventId, at: change.at, by: change.by, from: 'rejected', to: 'submitted', note: change.note ?? '' }
  return { ok: true, report: { ...report, status: 'submitted', updatedAt: change.at, events: [...report.events, event] } }
}

/** The office's reason for returning the report, while it stands returned (the note of the last return). */
export function returnReason(report: Pick<IssueReport, 'status' | 'events'>): string | null {
  if (report.status !== 'rejected') return null
  const returns = report.events.filter((e) => e.type === 'status' && e.to === 'rejected')
  const last = returns[returns.length - 1]
  return last?.type === 'status' ? last.note : null
}

/** Appends a comment; comments never change or remove earlier events. */
export function addComment(
  report: IssueReport,
  comment: { eventId: string; at: string; by: string; text: string },
): IssueReport {
  const event: IssueEvent = { type: 'comment', id: comment.eventId, at: comment.at, by: comment.by, text: comment.text }
  return { ...report, updatedAt: comment.at, events: [...report.events, event] }
}
