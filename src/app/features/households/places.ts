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
 * per household (a list's first page names dozens).
 */
export async function householdPlaces(householdIds: string[]): Promise<Map<string, Place>> {
  const households = await queries.householdsById([...new Set(householdIds)])
  const buildingIds = [...new Set(households.flatMap((h) => (h ? [h.buildingId] : [])))]
  const buildings = new Map((await queries.buildingsById(buildingIds)).flatMap((b) => (b ? [[b.id, b] as const] : [])))
  const places = new Map<string, Place>()
  for (const household of households) {
    const building = household && buildings.get(household.buildingId)
    if (household && building) places.set(household.id, { address: building.address, unit: household.unit })
  }
  return places
}
