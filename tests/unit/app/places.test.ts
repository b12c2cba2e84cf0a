import { afterEach, describe, expect, it, vi } from 'vitest'
import { queries } from '@/app/db/read'
import { householdPlaces } from '@/app/features/households/places'
import type { Building, Household } from '@/domain'

// The visits list names the place of each of its rows (src/app/features/visits/VisitList.vue), before they show.
describe('the places of a list’s households', () => {
  afterEach(() => vi.restoreAllMocks())

  it('have the buildings the list expects read beside the households, and a household’s other building after', async () => {
    // Dexie answers its own promise type; these stand in for it.
    let answerHouseholds!: (found: Household[]) => void
    const households = new Promise<Household[]>((resolve) => (answerHouseholds = resolve))
    vi.spyOn(queries, 'householdsById').mockReturnValue(households as ReturnType<typeof queries.householdsById>)
    const buildings = vi
      .spyOn(queries, 'buildingsById')
      .mockImplementation((ids) => Promise.resolve(ids.map((id) => ({ id, address: `${id} 路` }) as Building)) as ReturnType<typeof queries.buildingsById>)

    const places = householdPlaces(['h1', 'h2', 'h1'], ['b1', 'b1', 'b1'])
    expect(buildings).toHaveBeenCalledWith(['b1'])
    answerHouseholds([{ id: 'h1', buildingId: 'b1', unit: '101' }, { id: 'h2', buildingId: 'b2', unit: '202' }] as Household[])
    expect(await places).toEqual(
      new Map([
        ['h1', { address: 'b1 路', unit: '101' }],
        ['h2', { address: 'b2 路', unit: '202' }],
      ]),
    )
    expect(buildings).toHaveBeenLastCalledWith(['b2'])
  })
})
