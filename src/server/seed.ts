import { demoBuildings, demoCommunity, demoGrids, demoHouseholds, demoResidents, demoTemplates } from '@/domain/demo'
import { hashPassword } from './auth/passwords'
import type { NewUser, Storage } from './storage/types'

/** The password of both demo accounts; printed at start-up in demo mode. */
export const DEMO_PASSWORD = 'doorstep-demo'

/** The demo accounts: a leader with some of the buildings (not all, so that scope shows) and the community office. */
export const DEMO_USERS: ReadonlyArray<Omit<NewUser, 'passwordHash'>> = [
  {
    id: 'u-leader1',
    username: 'leader1',
    displayName: '演示楼长',
    role: 'leader',
    communityId: demoCommunity.id,
    buildingIds: demoBuildings.slice(0, 2).map((b) => b.id),
  },
  {
    id: 'u-office1',
    username: 'office1',
    displayName: '演示社区工作人员',
    role: 'office',
    communityId: demoCommunity.id,
    buildingIds: [],
  },
]

/** Fills an empty database with the demo community's reference data and the demo accounts. */
export async function seedDemo(storage: Storage): Promise<void> {
  const community = demoCommunity.id
  // Households before residents: a resident's building is found through its household.
  await storage.putReference(community, 'communities', [demoCommunity])
  await storage.putReference(community, 'grids', demoGrids)
  await storage.putReference(community, 'buildings', demoBuildings)
  await storage.putReference(community, 'households', demoHouseholds)
  await storage.putReference(community, 'residents', demoResidents)
  await storage.putReference(community, 'templates', demoTemplates)
  const passwordHash = await hashPassword(DEMO_PASSWORD)
  for (const user of DEMO_USERS) await storage.createUser({ ...user, passwordHash })
}
