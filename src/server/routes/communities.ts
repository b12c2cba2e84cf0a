import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { BuildingSummary, Community, CommunitySummary, DEFAULT_COMMUNITY_SETTINGS, FIRST_GRID_NAME, NewCommunity, RefId, uuidv7, type Building, type Household, type Resident } from '@/domain'
import { principalOf } from '../auth/authenticate'
import { managedCommunity } from '../auth/community'
import type { ServerContext } from '../context'
import { errorResponses, HttpError } from '../errors'
import type { Storage } from '../storage/types'

const CommunityParams = z.object({ id: RefId })

/** A community's buildings, and how many households and residents (not moved out) each has. */
async function peopleByBuilding(storage: Storage, communityId: string) {
  const buildings = (await storage.listReference(communityId, 'buildings')) as unknown as Building[]
  const households = (await storage.listReference(communityId, 'households')) as unknown as Household[]
  const residents = (await storage.listReference(communityId, 'residents')) as unknown as Resident[]
  const buildingOf = new Map(households.map((h) => [h.id, h.buildingId]))
  const count = (ids: Array<string | undefined>) => {
    const counts = new Map<string, number>()
    for (const id of ids) if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1)
    return counts
  }
  return {
    buildings,
    households: count(households.map((h) => h.buildingId)),
    residents: count(residents.filter((r) => !r.movedOutAt).map((r) => buildingOf.get(r.householdId))),
  }
}

const sum = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0)

/**
 * Communities (see src/domain/accounts.ts): an admin lists and creates the communities of the server, office
 * staff see their own; each community's buildings with their counts and their leaders.
 */
export const communityRoutes: FastifyPluginAsyncZod<{ ctx: ServerContext }> = async (app, { ctx }) => {
  app.get(
    '/communities',
    { schema: { tags: ['communities'], response: { 200: z.array(CommunitySummary), ...errorResponses(401, 403) } } },
    async (request) => {
      const principal = principalOf(request)
      if (principal.role === 'leader') throw new HttpError(403, 'forbidden', 'Only office staff set a community up.')
      const all = await ctx.storage.listCommunities()
      const communities = principal.role === 'admin' ? all : all.filter((c) => c.id === principal.communityId)
      const accounts = await ctx.storage.countUsers()
      return Promise.all(
        communities.map(async (community) => {
          const people = await peopleByBuilding(ctx.storage, community.id)
          return {
            ...community,
            buildings: people.buildings.length,
            households: sum(people.households),
            residents: sum(people.residents),
            accounts: accounts.get(community.id) ?? 0,
          }
        }),
      )
    },
  )

  app.post(
    '/communities',
    { schema: { tags: ['communities'], body: NewCommunity, response: { 201: Community, ...errorResponses(400, 401, 403) } } },
    async (request, reply) => {
      if (principalOf(request).role !== 'admin') throw new HttpError(403, 'forbidden', 'Only an admin creates a community.')
      const at = ctx.clock().getTime()
      const community: Community = { id: uuidv7(at), name: request.body.name, settings: DEFAULT_COMMUNITY_SETTINGS }
      await ctx.storage.putReference(community.id, 'communities', [community])
      await ctx.storage.putReference(community.id, 'grids', [{ id: uuidv7(at), communityId: community.id, name: FIRST_GRID_NAME }])
      return reply.code(201).send(community)
    },
  )

  app.get(
    '/communities/:id/buildings',
    { schema: { tags: ['communities'], params: CommunityParams, response: { 200: z.array(BuildingSummary), ...errorResponses(400, 401, 403, 404) } } },
    async (request) => {
      const community = await managedCommunity(ctx, principalOf(request), request.params.id)
      const people = await peopleByBuilding(ctx.storage, community.id)
      const leaders = (await ctx.storage.listUsers(community.id)).filter((u) => u.role === 'leader' && !u.disabled)
      return people.buildings.map((b) => ({
        id: b.id,
        gridId: b.gridId,
        address: b.address,
        name: b.name,
        households: people.households.get(b.id) ?? 0,
        residents: people.residents.get(b.id) ?? 0,
        leaders: leaders.filter((u) => u.buildingIds.includes(b.id)).map((u) => ({ id: u.id, displayName: u.displayName })),
      }))
    },
  )
}
