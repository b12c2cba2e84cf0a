import { queries } from '@/app/db/read'

/** Where a household is, as a leader names it: the building's address and the unit on the door. */
export interface Place {
  address: string
  unit: string
}

/** `南门路115号之二 302`: address and unit are data, so no message is needed to join them. */
export const placeLabel = (place: Place | undefined) => (place ? `${place.address} ${place.unit}` : '')

/**
 * The place of each household, for lists of visits and follow-ups. Reads through `queries` only, so a
 * live query that calls it re-runs when a building or household changes; one transaction per table, not one
 * per household (a list's first page names dozens). `expectedBuildingIds`, the buildings the caller knows the
 * households to be in (a visit names its household's), are read beside the households rather than after them,
 * one round trip to IndexedDB fewer before a list's rows; a household found in another building has it read after.
 */
export async function householdPlaces(householdIds: string[], expectedBuildingIds: string[] = []): Promise<Map<string, Place>> {
  const [households, buildings] = await Promise.all([queries.householdsById([...new Set(householdIds)]), buildingsById(expectedBuildingIds)])
  const missing = households.flatMap((h) => (h && !buildings.has(h.buildingId) ? [h.buildingId] : []))
  for (const [id, building] of await buildingsById(missing)) buildings.set(id, building)
  const places = new Map<string, Place>()
  for (const household of households) {
    const building = household && buildings.get(household.buildingId)
    if (household && building) places.set(household.id, { address: building.address, unit: household.unit })
  }
  return places
}

async function buildingsById(ids: string[]) {
  const unique = [...new Set(ids)]
  const found = unique.length ? await queries.buildingsById(unique) : []
  return new Map(found.flatMap((b) => (b ? [[b.id, b] as const] : [])))
}
