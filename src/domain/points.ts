import { z } from 'zod'
import { Id, RefId, requiredText, Timestamp } from './common'
import { MONTH_PATTERN } from './days'
import { DEFAULT_POINT_RULES, EARNED_KINDS } from './points-ledger'

/*
 * Volunteer points (积分制): the subdistrict recognises its leaders' work. Points are never typed: they are
 * derived from the records themselves (./points-ledger), by rules the office sets for its community. The
 * office may adjust a leader's month, always with a reason, and the adjustment is kept and audited like any
 * office action. The same records and rules always give the same ledger, on the phone and on the server.
 */

const Points = z.number().int().min(0).max(100)

/** Points per piece of work, as the office sets them (CommunitySettings.points). */
export const PointRules = z.object({
  visit: Points.default(DEFAULT_POINT_RULES.visit),
  /** A visit to a household with someone who needs a closer eye (needsCare): instead of `visit`. */
  careVisit: Points.default(DEFAULT_POINT_RULES.careVisit),
  reportFiled: Points.default(DEFAULT_POINT_RULES.reportFiled),
  /** Given to the reporter when the office resolves the report. */
  reportResolved: Points.default(DEFAULT_POINT_RULES.reportResolved),
  inspection: Points.default(DEFAULT_POINT_RULES.inspection),
  /** A campaign's inspection of a building, completed by the deadline: on top of `inspection`. */
  campaignOnTime: Points.default(DEFAULT_POINT_RULES.campaignOnTime),
  /** A household of a canvass reached (any answer but 联系不上), once per canvass and household. */
  canvassReached: Points.default(DEFAULT_POINT_RULES.canvassReached),
  /** A mediation case settled (调解成功), to the leader who mediated it. */
  mediation: Points.default(DEFAULT_POINT_RULES.mediation),
})
export type PointRules = z.infer<typeof PointRules>

/** The office's correction of a leader's month: never without a reason. */
export const NewPointAdjustment = z.object({
  userId: RefId,
  month: z.string().regex(MONTH_PATTERN),
  points: z
    .number()
    .int()
    .min(-1000)
    .max(1000)
    .refine((points) => points !== 0, { params: { key: 'nonZero' } }),
  reason: requiredText(200),
})
export type NewPointAdjustment = z.infer<typeof NewPointAdjustment>

export const PointAdjustment = NewPointAdjustment.extend({ id: Id, by: RefId, at: Timestamp })
export type PointAdjustment = z.infer<typeof PointAdjustment>

export * from './points-ledger'

/*
 * The office's side, online in the workspace (leaders' phones compute their own points from what they hold,
 * and pull their adjustments as the reference table `pointAdjustments`, each leader only its own):
 *   GET  /communities/:id/points?month=YYYY-MM              → PointsMonth   the month's ranking, each leader's breakdown
 *   GET  /communities/:id/points/export.xlsx?month=YYYY-MM  表彰名单: 排名, 楼长, 负责楼栋, 积分, the breakdown per kind
 *   POST /communities/:id/points/adjustments               NewPointAdjustment → PointAdjustment (201), audited with its reason
 * The rules are CommunitySettings.points, changed with PATCH /communities/:id/settings. Office staff of the
 * community (and admins) only.
 */

const Count = z.number().int().nonnegative()
const KindPoints = z.object({ count: Count, points: z.number().int() })

/** One leader's month: rank 1 for the most points, the same rank for the same points (1, 1, 3). */
export const PointsStanding = z.object({
  userId: RefId,
  displayName: z.string(),
  /** The names of the buildings the leader looks after now. */
  buildings: z.array(z.string()),
  rank: z.number().int().min(1),
  total: z.number().int(),
  byKind: z.partialRecord(z.enum([...EARNED_KINDS, 'adjustment']), KindPoints),
})
export type PointsStanding = z.infer<typeof PointsStanding>

export const PointsMonth = z.object({
  month: z.string().regex(MONTH_PATTERN),
  rules: PointRules,
  /** Every leader of the community, active or with points that month, highest first. */
  ranking: z.array(PointsStanding),
  /** The adjustments of the month, newest first. */
  adjustments: z.array(PointAdjustment),
  /** Display names of the leaders and of the office staff who made the adjustments, by user id. */
  people: z.record(z.string(), z.string()),
})
export type PointsMonth = z.infer<typeof PointsMonth>
