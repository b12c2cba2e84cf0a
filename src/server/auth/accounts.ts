import type { Role } from '@/domain'
import { HttpError } from '../errors'
import type { Principal, Storage, UserRecord } from '../storage/types'

/**
 * The account an office or admin caller may manage (the office's account routes, a user's devices): an
 * admin any account of the server, office staff the leaders and colleagues of their own community, a leader
 * none. An account of another community is answered as unknown, so that the office cannot probe other
 * communities' accounts; an admin account is the admin's to manage (403 for office staff, since admins
 * belong to no community).
 */
export async function managedAccount(storage: Storage, principal: Principal, userId: string): Promise<UserRecord> {
  if (principal.role === 'leader') throw new HttpError(403, 'forbidden', 'Only office staff manage accounts.')
  const user = await storage.getUser(userId)
  if (!user) throw new HttpError(404, 'not_found', 'No such account.')
  if (principal.role === 'admin') return user
  if (user.role === 'admin') throw new HttpError(403, 'forbidden', 'Only an admin manages an admin account.')
  if (user.communityId !== principal.communityId) throw new HttpError(404, 'not_found', 'No such account.')
  return user
}

/**
 * Checks the buildings an account is to look after, for the office's routes and the admin CLI alike: only a
 * leader of a community has buildings (office staff and admins see the whole community), and each must be a
 * building of that community. Refuses (400, naming the first wrong building) before anything is changed.
 */
export async function checkBuildings(storage: Storage, account: { role: Role; communityId: string | null }, buildingIds: string[]): Promise<void> {
  if (account.role !== 'leader' || account.communityId === null) {
    throw new HttpError(400, 'bad_request', 'Only leaders have buildings: office staff and admins see the whole community.')
  }
  const known = new Set((await storage.listReference(account.communityId, 'buildings')).map((b) => b.id))
  const unknown = buildingIds.find((id) => !known.has(id))
  if (unknown !== undefined) throw new HttpError(400, 'bad_request', `No building ${JSON.stringify(unknown)} in this community.`)
}
