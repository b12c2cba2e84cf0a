import { z } from 'zod'
import { Day, RefId, Timestamp } from './common'
import { Role } from './households'

/*
 * The audit (issue 10): who in the office read residents' data, exported it or imported a roster, and what
 * the office did to accounts and devices. An event names ids and counts only, never a resident's name,
 * phone number or address: the audit must not become one more copy of what it guards.
 *
 *   GET /audit?communityId&actorId&action&from&to&page&pageSize   → AuditPage     admins only
 */

export const AUDIT_ACTIONS = [
  /** The office's device received residents (its sync pull: what the workspace lists and searches). */
  'residents.read',
  /** The office's device received households, or the workspace listed a building's households (coverage). */
  'households.read',
  /** The office's device received the leaders' visits (what was said and needed at each door). */
  'visits.read',
  /** The office's device received issue reports (some name a household). */
  'issues.read',
  /** The office's device received canvass answers (who answered for each household, their signature). */
  'canvassAnswers.read',
  /** The office's device received mediation cases (the parties, what the quarrel is about, what was said). */
  'mediations.read',
  'export.visits',
  'export.issues',
  'export.inspections',
  'report.download',
  'roster.import',
  'roster.export',
  'account.create',
  'account.change',
  'account.password_reset',
  'account.buildings',
  'device.revoke',
  /** A leader's phone got its recovery key back with the account's password (a forgotten PIN; target: the device). */
  'device.recovery_key',
  /** A leader's unsent work the office imported from a rescue file, applied as that leader's (target: the leader). */
  'rescue.import',
  /** The office opened a consent canvass of a building, or closed one (target: the community; detail: the canvass). */
  'canvass.open',
  'canvass.close',
  /** A canvass's 表决结果统计表, and its signatures as images (each household's answer, who gave it). */
  'export.canvass',
  'export.signatures',
  /** The office changed the community's settings (detail: the fields changed, and the point rules when they changed). */
  'settings.change',
  /** The office adjusted a leader's points of a month (target: the leader; detail: month, points, reason). */
  'points.adjust',
  /** The office listed its pairings of leaders (老带新), paired two, or ended a pairing (target: the mentee; detail: the pairing). */
  'mentorships.read',
  'mentorship.start',
  'mentorship.end',
  /** A mentor's phone fetched its copy of a mentee's worklist and open reports (GET /mentorships/mine). */
  'mentee.read',
] as const
export const AuditAction = z.enum(AUDIT_ACTIONS)
export type AuditAction = z.infer<typeof AuditAction>

/** Facts about the action that are not about residents: filters, a file's kind, a revocation's mode, changed field names. */
export const AuditDetail = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]))
export type AuditDetail = z.infer<typeof AuditDetail>

export const AuditEvent = z.object({
  id: RefId,
  at: Timestamp,
  actorId: RefId,
  /** The actor's name as it stands now (an office worker's, never a resident's); null when the account is gone. */
  actorName: z.string().nullable(),
  actorRole: Role,
  /** The community whose data or accounts the action touched. */
  communityId: RefId.nullable(),
  action: AuditAction,
  /** The id acted on: a community, an account or a device. */
  target: RefId.nullable(),
  /**
   * What the target is called now, looked up when listed (the table keeps the id): a community's name, an
   * account's, or a device's with its account's (`演示楼长 · 手机`); null when it is none of these any more.
   */
  targetName: z.string().nullable(),
  /** How many records were read, exported or imported; null where the action moves none. */
  rows: z.number().int().nonnegative().nullable(),
  detail: AuditDetail,
})
export type AuditEvent = z.infer<typeof AuditEvent>

export const AUDIT_PAGE_MAX = 200

export const AuditQuery = z.object({
  communityId: RefId.optional(),
  actorId: RefId.optional(),
  action: AuditAction.optional(),
  /** China days, inclusive. */
  from: Day.optional(),
  to: Day.optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(AUDIT_PAGE_MAX).default(50),
})
export type AuditQuery = z.infer<typeof AuditQuery>

/** Newest first. */
export const AuditPage = z.object({ total: z.number().int().nonnegative(), events: z.array(AuditEvent) })
export type AuditPage = z.infer<typeof AuditPage>
