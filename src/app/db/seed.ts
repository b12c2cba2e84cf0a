import { Building, ChecklistTemplate, Community, Grid, Household, Resident } from '@/domain'
import * as demo from '@/domain/demo'
import type { DoorstepDatabase } from './database'

/**
 * Fills an empty device with the demo community so the app is usable before its first sync. Runs once:
 * a device that has ever been seeded (or synced) is never seeded again, even if a table is emptied.
 * Loaded lazily by main.ts, so neither the demo data nor the schemas weigh on the first screen.
 */
export async function seedDemoIfEmpty(db: DoorstepDatabase, now = new Date()): Promise<boolean> {
  return db.transaction('rw', [db.meta, db.communities, db.grids, db.buildings, db.households, db.residents, db.templates], async () => {
    if (await db.meta.get('seededAt')) return false
    await db.communities.bulkPut([Community.parse(demo.demoCommunity)])
    await db.grids.bulkPut(demo.demoGrids.map((g) => Grid.parse(g)))
    await db.buildings.bulkPut(demo.demoBuildings.map((b) => Building.parse(b)))
    await db.households.bulkPut(demo.demoHouseholds.map((h) => Household.parse(h)))
    await db.residents.bulkPut(demo.demoResidents.map((r) => Resident.parse(r)))
    await db.templates.bulkPut(demo.demoTemplates.map((t) => ChecklistTemplate.parse(t)))
    await db.meta.put({ key: 'seededAt', value: now.toISOString() })
    return true
  })
}
