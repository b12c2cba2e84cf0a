import type { Community } from '@/domain'
import type { ServerContext } from '../context'
import { HttpError } from '../errors'
import type { Principal } from '../storage/types'

/**
 * The community a set-up route works on, when the caller may manage it: an admin any community of this
 * server (a subdistrict's), office staff their own. Another community is answered as unknown, so that
 * nobody learns which ids exist; a leader manages none.
 */
export async function managedCommunity(ctx: ServerContext, principal: Principal, communityId: string): Promise<Community> {
  if (principal.role === 'leader') throw new HttpError(403, 'forbidden', 'Only office staff set a community up.')
  const community = principal.role === 'admin' || principal.communityId === communityId ? await ctx.storage.getCommunity(communityId) : undefined
  if (!community) throw new HttpError(404, 'not_found', 'No such community.')
  return community
}
