import {
  careHouseholds,
  EARNED_KINDS,
  monthRanking,
  monthSpan,
  pointsLedger,
  type Campaign,
  type Canvass,
  type CanvassAnswer,
  type Mediation,
  type Community,
  type EarnedKind,
  type Inspection,
  type IssueReport,
  type PointAdjustment,
  type PointsMonth,
  type PointsStanding,
  type RecordTable,
  type Visit,
} from '@/domain'
import type { Table } from '../exports/cells'
import type { InstantSpan, Storage } from '../storage/types'

/*
 * A month's points of a community's leaders (src/domain/points.ts): the ledger derived from the records as
 * they stand now, by the community's rules, every time it is asked. Nothing is stored but the office's
 * adjustments, so asking again gives the same, and a record that arrives late counts from then on.
 */

const PAGE = 1000

/** The community's records of a table that are not deleted (deleted ones earn nothing), page by page. */
async function recordsOf<T>(storage: Storage, communityId: string, table: RecordTable, within: (InstantSpan & { field: string }) | null): Promise<T[]> {
  const all: T[] = []
  for (let afterRev = 0; ; ) {
    const page = await storage.recordsPage(communityId, table, null, within, afterRev, PAGE)
    for (const { record } of page) all.push(record as T)
    if (page.length < PAGE) return all
    afterRev = page.at(-1)!.rev
  }
}

/** The month's ranking of the community's leaders, each one's breakdown, and the month's adjustments. */
export async function pointsMonth(storage: Storage, community: Community, month: string): Promise<PointsMonth> {
  const { from, to } = monthSpan(month)
  // Visits are most of the records and each earns on its own, so only the month's are read. The others earn
  // by what came first (a campaign task, a canvass household) or by a later event (a resolution): all are read.
  const [visits, issues, inspections, canvasses, canvassAnswers, mediations, roster, campaigns, adjustments, users] = await Promise.all([
    recordsOf<Visit>(storage, community.id, 'visits', { field: 'visitedAt', from, to }),
    recordsOf<IssueReport>(storage, community.id, 'issues', null),
    recordsOf<Inspection>(storage, community.id, 'inspections', null),
    recordsOf<Canvass>(storage, community.id, 'canvasses', null),
    recordsOf<CanvassAnswer>(storage, community.id, 'canvassAnswers', null),
    recordsOf<Mediation>(storage, community.id, 'mediations', null),
    storage.roster(community.id),
    storage.listReference(community.id, 'campaigns') as unknown as Promise<Campaign[]>,
    storage.listReference(community.id, 'pointAdjustments') as unknown as Promise<PointAdjustment[]>,
    storage.listUsers(community.id),
  ])
  const ledger = pointsLedger(community.settings.points, {
    visits,
    careHouseholds: careHouseholds(roster.residents, community.settings),
    issues,
    inspections,
    campaigns,
    canvasses,
    canvassAnswers,
    mediations,
    adjustments,
  })
  const standings = new Map(monthRanking(ledger, month).map((standing) => [standing.userId, standing]))
  const buildingNames = new Map(roster.buildings.map((b) => [b.id, b.name || b.address]))
  // Points recognise the leaders: office staff who filed a report or inspected are not ranked. A leader
  // whose account was disabled stays in the months it earned.
  const leaders = users.filter((u) => u.role === 'leader' && (!u.disabled || standings.has(u.id)))
  const unranked = leaders
    .map((u) => ({
      userId: u.id,
      displayName: u.displayName,
      buildings: u.buildingIds.flatMap((id) => buildingNames.get(id) ?? []),
      total: standings.get(u.id)?.total ?? 0,
      byKind: standings.get(u.id)?.byKind ?? {},
    }))
    .sort((a, b) => b.total - a.total || (a.userId < b.userId ? -1 : 1))
  const ranking: PointsStanding[] = unranked.map((standing) => ({ ...standing, rank: 1 + unranked.filter((other) => other.total > standing.total).length }))

  const ofMonth = adjustments.filter((a) => a.month === month).sort((a, b) => (a.at === b.at ? (a.id < b.id ? 1 : -1) : a.at < b.at ? 1 : -1))
  const people = Object.fromEntries(users.map((u) => [u.id, u.displayName]))
  // An admin who adjusted belongs to no community: named from its own account.
  for (const by of new Set(ofMonth.map((a) => a.by))) if (!(by in people)) people[by] = (await storage.getUser(by))?.displayName ?? ''
  return { month, rules: community.settings.points, ranking, adjustments: ofMonth, people }
}

/** The words of the recognition list for each kind of work, as the workspace says them (points messages, zh-CN). */
export const POINT_KIND_WORDS: Record<EarnedKind, string> = {
  visit: '走访一户',
  careVisit: '走访关爱对象',
  reportFiled: '上报诉求',
  reportResolved: '诉求办结',
  inspection: '完成巡查',
  campaignOnTime: '按时完成巡查任务',
  canvassReached: '表决入户',
  mediation: '调解成功',
}

/** 表彰名单: the leaders who earned points in the month, by rank, with how many of each kind of work they did. */
export function recognitionTable(points: PointsMonth): Table {
  return {
    title: `${points.month} 表彰名单`,
    columns: [
      { header: '排名', kind: 'number', width: 6 },
      { header: '楼长', kind: 'text' },
      { header: '负责楼栋', kind: 'text', width: 30 },
      { header: '积分', kind: 'number' },
      ...EARNED_KINDS.map((kind) => ({ header: `${POINT_KIND_WORDS[kind]}（次）`, kind: 'number' as const, width: 14 })),
      { header: '社区调整（分）', kind: 'number', width: 14 },
    ],
    rows: points.ranking
      .filter((standing) => standing.total > 0)
      .map((standing) => [
        standing.rank,
        standing.displayName,
        standing.buildings.join('、'),
        standing.total,
        ...EARNED_KINDS.map((kind) => standing.byKind[kind]?.count ?? 0),
        standing.byKind.adjustment?.points ?? 0,
      ]),
  }
}
