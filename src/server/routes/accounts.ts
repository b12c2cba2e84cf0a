import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { Account, AccountChange, BuildingAssignment, IssuedPassword, NewAccount, RefId, uuidv7 } from '@/domain'
import { audit } from '../audit'
import { checkBuildings, managedAccount } from '../auth/accounts'
import { principalOf } from '../auth/authenticate'
import { managedCommunity } from '../auth/community'
import { hashPassword, oneTimePassword } from '../auth/passwords'
import type { ServerContext } from '../context'
import { errorResponses, HttpError } from '../errors'
import type { Storage, UserRecord } from '../storage/types'

const CommunityParams = z.object({ id: RefId })
const UserParams = z.object({ userId: RefId })

/** The account as the office sees it, with the last time any of its devices reached the server. */
async function accountOf(storage: Storage, user: UserRecord): Promise<Account> {
  const seen = (await storage.listDevices(user.id)).flatMap((d) => (d.lastSeenAt ? [d.lastSeenAt] : [])).sort()
  const { id, username, displayName, role, communityId, buildingIds, disabled, mustChangePassword, phone } = user
  return { id, username, displayName, role, communityId, buildingIds, disabled, mustChangePassword, phone, lastSeenAt: seen.at(-1) ?? null }
}

/**
 * The office's accounts (see src/domain/accounts.ts): list, create with a one-time password, rename,
 * disable, reset the password, assign buildings. Every write is checked whole before anything is stored.
 */
export const accountRoutes: FastifyPluginAsyncZod<{ ctx: ServerContext }> = async (app, { ctx }) => {
  app.get(
    '/communities/:id/accounts',
    { schema: { tags: ['accounts'], params: CommunityParams, response: { 200: z.array(Account), ...errorResponses(400, 401, 403, 404) } } },
    async (request) => {
      const community = await managedCommunity(ctx, principalOf(request), request.params.id)
      const users = await ctx.storage.listUsers(community.id)
      return Promise.all(users.map((user) => accountOf(ctx.storage, user)))
    },
  )

  app.post(
    '/communities/:id/accounts',
    {
      schema: {
        tags: ['accounts'],
        params: CommunityParams,
        body: NewAccount,
        response: { 201: IssuedPassword, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request)
      const community = await managedCommunity(ctx, principal, request.params.id)
      const { username, displayName, role, phone, buildingIds } = request.body
      if (role === 'admin' && principal.role !== 'admin') throw new HttpError(403, 'forbidden', 'Only an admin creates an admin account.')
      if (buildingIds.length > 0) await checkBuildings(ctx.storage, { role, communityId: community.id }, buildingIds)
      if (await ctx.storage.findUserByUsername(username)) throw new HttpError(409, 'conflict', `The username ${JSON.stringify(username)} is taken.`)
      const password = oneTimePassword()
      const user = await ctx.storage.createUser({
        id: uuidv7(ctx.clock().getTime()),
        username,
        displayName,
        role,
        phone,
        // An admin works across the communities of the server, whichever one it was created from.
        communityId: role === 'admin' ? null : community.id,
        buildingIds,
        passwordHash: await hashPassword(password),
        mustChangePassword: true,
      })
      await audit(ctx, request, { action: 'account.create', communityId: community.id, target: user.id, detail: { role, buildings: buildingIds.length } })
      return reply.code(201).send({ account: await accountOf(ctx.storage, user), password })
    },
  )

  app.patch(
    '/accounts/:userId',
    { schema: { tags: ['accounts'], params: UserParams, body: AccountChange, response: { 200: Account, ...errorResponses(400, 401, 403, 404) } } },
    async (request) => {
      const principal = principalOf(request)
      const user = await managedAccount(ctx.storage, principal, request.params.userId)
      // Nobody locks themselves out: another office account or an admin disables this one if need be.
      if (request.body.disabled && user.id === principal.userId) throw new HttpError(403, 'forbidden', 'You cannot disable your own account.')
      await ctx.storage.updateUser(user.id, { ...request.body, by: principal.userId })
      // The names of the fields changed, not their values; whether the account was disabled or enabled is worth saying.
      const detail = { fields: Object.keys(request.body).sort(), ...(request.body.disabled !== undefined && { disabled: request.body.disabled }) }
      await audit(ctx, request, { action: 'account.change', communityId: user.communityId, target: user.id, detail })
      return accountOf(ctx.storage, (await ctx.storage.getUser(user.id))!)
    },
  )

  app.post(
    '/accounts/:userId/password',
    { schema: { tags: ['accounts'], params: UserParams, response: { 200: IssuedPassword, ...errorResponses(400, 401, 403, 404) } } },
    async (request) => {
      const user = await managedAccount(ctx.storage, principalOf(request), request.params.userId)
      const password = oneTimePassword()
      // The account's phones stay signed in (a forgotten password is no lost phone) but are held at the
      // password change, which needs this one-time password: whoever has the phone but not the password is stuck.
      await ctx.storage.updateUser(user.id, { password: { hash: await hashPassword(password), mustChange: true } })
      await audit(ctx, request, { action: 'account.password_reset', communityId: user.communityId, target: user.id })
      return { account: await accountOf(ctx.storage, (await ctx.storage.getUser(user.id))!), password }
    },
  )

  app.put(
    '/accounts/:userId/buildings',
    {
      schema: { tags: ['accounts'], params: UserParams, body: BuildingAssignment, response: { 200: Account, ...errorResponses(400, 401, 403, 404) } },
    },
    async (request) => {
      const user = await managedAccount(ctx.storage, principalOf(request), request.params.userId)
      await checkBuildings(ctx.storage, user, request.body.buildingIds)
      // The leader's next pull has a new scope: their phone drops the buildings taken away (docs/sync-protocol.md).
      await ctx.storage.assignBuildings(user.id, request.body.buildingIds)
      await audit(ctx, request, { action: 'account.buildings', communityId: user.communityId, target: user.id, detail: { buildingIds: request.body.buildingIds } })
      return accountOf(ctx.storage, (await ctx.storage.getUser(user.id))!)
    },
  )
}
