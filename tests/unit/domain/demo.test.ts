import { describe, expect, it } from 'vitest'
import type { ZodType } from 'zod'
import { Building, ChecklistTemplate, Community, Grid, Household, Resident } from '@/domain'
import { demoBuildings, demoCommunity, demoGrids, demoHouseholds, demoResidents, demoTemplates } from '@/domain/demo'

// The phone writes the demo as it is (src/app/db/seed.ts), without parsing it: each record must be what its
// schema accepts, with nothing the schema would add or strip.
describe('the demo community', () => {
  it.each<[string, ZodType, unknown[]]>([
    ['community', Community, [demoCommunity]],
    ['grids', Grid, demoGrids],
    ['buildings', Building, demoBuildings],
    ['households', Household, demoHouseholds],
    ['residents', Resident, demoResidents],
    ['checklist templates', ChecklistTemplate, demoTemplates],
  ])('%s are records their schema accepts unchanged', (_name, schema, records) => {
    expect(records.length).toBeGreaterThan(0)
    for (const record of records) expect(schema.parse(record)).toStrictEqual(record)
  })
})
