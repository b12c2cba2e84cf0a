import * as demo from '@/domain/demo'
import type { DoorstepDatabase } from './database'

/**
 * Fills an empty device with the demo community so the app is usable before its first sync. Runs once:
 * a device that has ever been seeded (or synced) is never seeded again, even if a table is emptied.
 * Loaded lazily by main.ts, so the demo data does not weigh on the first screen. The records go in as
 * src/domain/demo.ts types them, without the schemas (which would load zod on a first visit just for this):
 * tests/unit/domain/demo.test.ts holds them to what the schemas accept.
 */
export async function seedDemoIfEmpty(db: DoorstepDatabase, now = new Date()): Promise<boolean> {
  // Every start asks, and nearly always the answer is no: a read, not a readwrite transaction, which would hold
  // the first screen's reads of buildings and households behind it until it commits.
  if (await db.meta.get('seededAt')) return false
  return db.transaction('rw', [db.meta, db.communities, db.grids, db.buildings, db.households, db.residents, db.templates], async () => {
    if (await db.meta.get('seededAt')) return false
    await db.communities.bulkPut([demo.demoCommunity])
    await db.grids.bulkPut(demo.demoGrids)
    await db.buildings.bulkPut(demo.demoBuildings)
    await db.households.bulkPut(demo.demoHouseholds)
    await db.residents.bulkPut(demo.demoResidents)
    await db.templates.bulkPut(demo.demoTemplates)
    await db.meta.put({ key: 'seededAt', value: now.toISOString() })
    return true
  })
}
