import { z } from 'zod'
import { CareTag } from './households'
import { IssueCategory, IssueStatus } from './issues'
import { RefId } from './common'
import { VisitPurpose } from './visits'
import { MONTH_PATTERN } from './days'

/*
 * What the office reads of the field for a month: coverage (who has been visited) and the monthly report
 * for the subdistrict. The server aggregates in SQL on both engines and then applies the same rules as the
 * phones (./worklist), so the figures agree with the leaders' worklists. Standing figures (overdue) are taken
 * on the month's last day, or today while it runs (monthAsOf in ./days).
 *
 *   GET /communities/:id/coverage?month=YYYY-MM                          → Coverage
 *   GET /communities/:id/coverage/households?month=&buildingId=|leaderId= → CoverageHousehold[]
 *   GET /communities/:id/report?month=YYYY-MM                             → MonthlyReport
 *   GET /communities/:id/report.xlsx?month= and report.csv?month=         the same, as a file
 *   GET /communities/:id/exports/{visits|issues|inspections}.{xlsx|csv}?from=&to=&buildingId=…
 */

export const Month = z.string().regex(MONTH_PATTERN)

const Count = z.number().int().nonnegative()

/** One building's, or one leader's, figures (a leader's are those of the buildings assigned to them). */
export const CoverageRow = z.object({
  /** The building's or the leader's id. */
  id: RefId,
  label: z.string(),
  households: Count,
  /** Households with a visit in the month. */
  visited: Count,
  /** visited / households, 0..1; 0 for no households. */
  coverage: z.number().min(0).max(1),
  careHouseholds: Count,
  /** Care households that need a visit on the as-of day. */
  careOverdue: Count,
  /** Households (care or not) that need a visit on the as-of day. */
  householdsOverdue: Count,
  /** Follow-ups open and due before the as-of day. */
  followUpsOverdue: Count,
  /** For a building: its leaders (none: nobody has volunteered yet). For a leader: empty. */
  leaders: z.array(z.object({ id: RefId, displayName: z.string() })),
})
export type CoverageRow = z.infer<typeof CoverageRow>

export const Coverage = z.object({
  month: Month,
  asOf: z.iso.date(),
  total: CoverageRow,
  byBuilding: z.array(CoverageRow),
  byLeader: z.array(CoverageRow),
})
export type Coverage = z.infer<typeof Coverage>

export const CoverageHousehold = z.object({
  householdId: RefId,
  buildingId: RefId,
  entrance: z.string(),
  unit: z.string(),
  /** Residents not moved out, by name. */
  residents: z.array(z.string()),
  careTags: z.array(CareTag),
  lastVisitDay: z.iso.date().nullable(),
  dueOn: z.iso.date().nullable(),
  needsVisit: z.boolean(),
  visitedInMonth: z.boolean(),
  followUpsOverdue: Count,
})
export type CoverageHousehold = z.infer<typeof CoverageHousehold>

export const MonthlyReport = z.object({
  month: Month,
  asOf: z.iso.date(),
  visits: z.object({
    total: Count,
    byPurpose: z.record(VisitPurpose, Count),
    byBuilding: z.array(z.object({ buildingId: RefId, label: z.string(), count: Count })),
    /** Care households with at least one visit in the month. */
    careHouseholdsReached: Count,
    careHouseholds: Count,
  }),
  issues: z.object({
    /** Reports made in the month. */
    opened: Count,
    byCategory: z.record(IssueCategory, Count),
    /** Where the month's reports stand now. */
    byStatus: z.record(IssueStatus, Count),
    /** Medians over the month's reports that got there; null when none did. */
    medianHoursToAccept: z.number().nonnegative().nullable(),
    medianHoursToResolve: z.number().nonnegative().nullable(),
  }),
  inspections: z.object({
    total: Count,
    byTemplate: z.array(z.object({ templateId: RefId, title: z.string(), count: Count, failed: Count })),
    failedItems: z.array(z.object({ templateId: RefId, itemId: RefId, label: z.string(), count: Count })),
  }),
  coverage: CoverageRow,
})
export type MonthlyReport = z.infer<typeof MonthlyReport>
