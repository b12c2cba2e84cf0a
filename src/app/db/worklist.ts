import type { Household, Visit } from '@/domain'
import { buildWorklist, inListOrder, type Worklist } from '@/domain/leader-worklist'
import { DEFAULT_VISIT_INTERVALS, type VisitIntervals } from '@/domain/worklist'
import type { DoorstepDatabase } from './database'

/** A household on the worklist, with its building's address (`address` + `unit` make the place a leader names). */
export type WorklistHousehold = Household & { address: string }

export type LeaderWorklist = Worklist<WorklistHousehold, Visit> & {
  /** The place of each household on this phone, by id, for the follow-up rows. */
  places: Map<string, { address: string; unit: string }>
}

/**
 * The leader's worklist over what this phone holds, in five bulk reads (each table once, by `getAll`), never
 * one request per household or visit: a live query over it re-runs on any change to those tables.
 */
export async function readWorklist(db: DoorstepDatabase, today: string): Promise<LeaderWorklist> {
  const [communities, buildings, households, residents, visits] = await Promise.all([
    db.communities.toArray(),
    db.buildings.toArray(),
    db.households.toArray(),
    db.residents.toArray(),
    db.visits.toArray(),
  ])
  // Communities pulled before they had settings, or a phone without its community, take the defaults.
  const intervalsOf = new Map<string, VisitIntervals>(communities.map((c) => [c.id, { ...DEFAULT_VISIT_INTERVALS, ...c.settings }]))
  const byId = new Map(buildings.map((b) => [b.id, b]))
  // Households that tie keep the order of the building list: by address, then floor and door.
  const listed = inListOrder(
    households.map((h): WorklistHousehold => ({ ...h, address: byId.get(h.buildingId)?.address ?? '' })),
    buildings,
  )
  const worklist = buildWorklist({
    households: listed,
    residents,
    visits,
    intervals: (h) => intervalsOf.get(byId.get(h.buildingId)?.communityId ?? '') ?? DEFAULT_VISIT_INTERVALS,
    today,
  })
  return { ...worklist, places: new Map(listed.map((h) => [h.id, { address: h.address, unit: h.unit }])) }
}
