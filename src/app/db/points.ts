import { chinaMonth } from '@/domain/days'
import { careHouseholds, DEFAULT_POINT_RULES, monthRanking, pointsLedger, type MonthPoints } from '@/domain/points-ledger'
import type { PointAdjustment } from '@/domain'
import { DEFAULT_VISIT_INTERVALS } from '@/domain/worklist'
import type { DoorstepDatabase } from './database'

/** 我的积分: the signed-in leader's months, newest first, and the office's adjustments of them. */
export interface MyPoints {
  /** This month (in China) first, then each earlier month with points, as far back as the phone keeps records. */
  months: Array<{ month: string } & MonthPoints>
  adjustments: PointAdjustment[]
}

/**
 * The signed-in leader's points, counted on the phone by the same ledger the office's ranking uses, over the
 * records the phone holds (its buildings': other leaders' work there decides who reached a household or did a
 * campaign task first) and the adjustments pulled for this leader. Records not yet synced count here at once;
 * the office counts them once they arrive. Null before sign-in.
 */
export async function readMyPoints(db: DoorstepDatabase, now = new Date()): Promise<MyPoints | null> {
  const userId = (await db.meta.get('userId'))?.value
  if (!userId) return null
  const [communities, residents, visits, issues, inspections, campaigns, canvasses, canvassAnswers, mediations, adjustments] = await Promise.all([
    db.communities.toArray(),
    db.residents.toArray(),
    db.visits.toArray(),
    db.issues.toArray(),
    db.inspections.toArray(),
    db.campaigns.toArray(),
    db.canvasses.toArray(),
    db.canvassAnswers.toArray(),
    db.mediations.toArray(),
    db.pointAdjustments.toArray(),
  ])
  // A leader's phone holds its own community only; one pulled before the rules existed takes the defaults.
  const settings = communities[0]?.settings
  const rules = { ...DEFAULT_POINT_RULES, ...settings?.points }
  const mine = adjustments.filter((a) => a.userId === userId)
  const ledger = pointsLedger(rules, {
    visits,
    careHouseholds: careHouseholds(residents, settings ?? DEFAULT_VISIT_INTERVALS),
    issues,
    inspections,
    campaigns,
    canvasses,
    canvassAnswers,
    mediations,
    adjustments: mine,
  }).filter((entry) => entry.userId === userId)
  const thisMonth = chinaMonth(now)
  const months = [...new Set([thisMonth, ...ledger.map((entry) => entry.month)])].filter((m) => m <= thisMonth).sort().reverse()
  return {
    months: months.map((month) => ({ month, ...(monthRanking(ledger, month)[0] ?? { userId, total: 0, byKind: {} }) })),
    adjustments: mine.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0)),
  }
}
