import type { Household, Resident } from '@/domain'
import { matchHousehold } from '@/domain/search'
import type { DoorstepDatabase } from './database'

/*
 * The search of 楼栋, apart from ./queries.ts: it loads with the building list, not with the first screen.
 */

/** A household found by search, with the residents whose name or phone matched (none: its room or address did). */
export interface HouseholdHit {
  household: Household
  address: string
  residents: Resident[]
}

/**
 * The households that answer a search (see `matchHousehold`: room, address, a resident's name or phone), by
 * building and floor, at most `limit`, each with the residents that matched.
 */
export async function searchHouseholds(db: DoorstepDatabase, query: string, limit = 50): Promise<HouseholdHit[]> {
  const [buildings, households, residents] = await Promise.all([db.buildings.toArray(), db.households.toArray(), db.residents.toArray()])
  const address = new Map(buildings.map((b) => [b.id, b.address]))
  const living = new Map<string, Resident[]>()
  for (const r of residents) living.set(r.householdId, [...(living.get(r.householdId) ?? []), r])
  const hits: HouseholdHit[] = []
  for (const household of households) {
    const place = { address: address.get(household.buildingId) ?? '', household }
    const matched = matchHousehold(query, place, living.get(household.id) ?? [])
    if (matched) hits.push({ household, address: place.address, residents: matched })
  }
  hits.sort((a, b) => a.address.localeCompare(b.address, 'zh-CN') || a.household.floor - b.household.floor || a.household.unit.localeCompare(b.household.unit))
  return hits.slice(0, limit)
}
