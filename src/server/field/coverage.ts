import {
  addDays,
  buildingLabel,
  chinaDay,
  chinaDayStart,
  householdCareTags,
  householdStanding,
  isCareHousehold,
  monthAsOf,
  monthSpan,
  openFollowUps,
  type Building,
  type Community,
  type Coverage,
  type CoverageHousehold,
  type CoverageRow,
  type FollowUpVisit,
  type Household,
  type Resident,
} from '@/domain'
import type { Storage, UserRecord } from '../storage/types'

/*
 * Coverage of a community for a month: who has been visited, and who needs a visit on the as-of day. SQL
 * gives per household its last visit and its visits in the month, and the visits that set or close a
 * follow-up; the rules are the domain's (./worklist), the same the leaders' phones apply to the same records.
 */

/** The community's households with their figures, and what the rows are made of. */
export interface CoverageField {
  month: string
  asOf: string
  community: Community
  buildings: Building[]
  /** Active leaders of the community. */
  leaders: UserRecord[]
  households: Array<CoverageHousehold & { care: boolean }>
}

export async function coverageField(storage: Storage, community: Community, month: string, today: string): Promise<CoverageField> {
  const asOf = monthAsOf(month, today)
  const span = monthSpan(month)
  // Visits up to the end of the as-of day: a past month is seen as it stood on its last day.
  const before = chinaDayStart(addDays(asOf, 1))
  const [buildings, households, residents, users, visits, followUps] = await Promise.all([
    storage.listReference(community.id, 'buildings') as unknown as Promise<Building[]>,
    storage.listReference(community.id, 'households') as unknown as Promise<Household[]>,
    storage.listReference(community.id, 'residents') as unknown as Promise<Resident[]>,
    storage.listUsers(community.id),
    storage.visitsByHousehold(community.id, before, span),
    storage.followUpRows(community.id, before),
  ])
  const settings = community.settings
  const buildingIds = new Set(buildings.map((b) => b.id))
  const residentsOf = new Map<string, Resident[]>()
  for (const r of residents) {
    const people = residentsOf.get(r.householdId)
    if (people) people.push(r)
    else residentsOf.set(r.householdId, [r])
  }
  const visitsOf = new Map(visits.map((v) => [v.householdId, v]))

  // openFollowUps reads of a household's other visits only the latest time and which visits they follow:
  // the last visit stands in for those that neither set nor close a follow-up.
  const lastVisits: FollowUpVisit[] = visits.map((v) => ({ id: `last:${v.householdId}`, householdId: v.householdId, visitedAt: v.lastVisitedAt, followUpOn: null }))
  const overdue = new Map<string, number>()
  for (const v of openFollowUps([...followUps, ...lastVisits])) {
    if (v.followUpOn && v.followUpOn < asOf) overdue.set(v.householdId, (overdue.get(v.householdId) ?? 0) + 1)
  }

  return {
    month,
    asOf,
    community,
    buildings,
    leaders: users.filter((u) => u.role === 'leader' && !u.disabled),
    households: households
      .filter((h) => buildingIds.has(h.buildingId))
      .map((h) => {
        const people = residentsOf.get(h.id) ?? []
        const careTags = householdCareTags(people)
        const visit = visitsOf.get(h.id)
        const lastVisitDay = visit ? chinaDay(visit.lastVisitedAt) : null
        const standing = householdStanding(lastVisitDay, careTags, settings, asOf)
        return {
          householdId: h.id,
          buildingId: h.buildingId,
          entrance: h.entrance,
          unit: h.unit,
          residents: people.filter((r) => !r.movedOutAt).map((r) => r.name),
          careTags,
          lastVisitDay,
          dueOn: standing.dueOn,
          needsVisit: standing.needsVisit,
          visitedInMonth: (visit?.visitsInMonth ?? 0) > 0,
          followUpsOverdue: overdue.get(h.id) ?? 0,
          care: isCareHousehold(careTags, settings),
        }
      }),
  }
}

function row(id: string, label: string, households: CoverageField['households'], leaders: CoverageRow['leaders']): CoverageRow {
  const count = (keep: (h: CoverageField['households'][number]) => boolean) => households.filter(keep).length
  const visited = count((h) => h.visitedInMonth)
  return {
    id,
    label,
    households: households.length,
    visited,
    coverage: households.length ? visited / households.length : 0,
    careHouseholds: count((h) => h.care),
    careOverdue: count((h) => h.care && h.needsVisit),
    householdsOverdue: count((h) => h.needsVisit),
    followUpsOverdue: households.reduce((sum, h) => sum + h.followUpsOverdue, 0),
    leaders,
  }
}

/** The community's total row. */
export function coverageTotal(field: CoverageField): CoverageRow {
  return row(field.community.id, field.community.name, field.households, [])
}

/** The households of one building, or of one leader's buildings. */
export function householdsOf(field: CoverageField, scope: { buildingId: string } | { leaderId: string }): CoverageField['households'] {
  if ('buildingId' in scope) return field.households.filter((h) => h.buildingId === scope.buildingId)
  const buildings = new Set(field.leaders.find((l) => l.id === scope.leaderId)?.buildingIds)
  return field.households.filter((h) => buildings.has(h.buildingId))
}

function coverageOf(field: CoverageField): Coverage {
  return {
    month: field.month,
    asOf: field.asOf,
    total: coverageTotal(field),
    byBuilding: field.buildings.map((b) =>
      row(
        b.id,
        buildingLabel(b),
        householdsOf(field, { buildingId: b.id }),
        field.leaders.filter((l) => l.buildingIds.includes(b.id)).map((l) => ({ id: l.id, displayName: l.displayName })),
      ),
    ),
    byLeader: field.leaders.map((l) => row(l.id, l.displayName, householdsOf(field, { leaderId: l.id }), [])),
  }
}

/** GET /communities/:id/coverage: the month's figures per building, per leader and in total. */
export async function communityCoverage(storage: Storage, community: Community, month: string, today: string): Promise<Coverage> {
  return coverageOf(await coverageField(storage, community, month, today))
}
