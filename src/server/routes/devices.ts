import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { DeviceInfo, RefId } from '@/domain'
import { managedAccount } from '../auth/accounts'
import { principalOf } from '../auth/authenticate'
import type { ServerContext } from '../context'
import { errorResponses, HttpError } from '../errors'
import type { DeviceRecord, Principal, UserRecord } from '../storage/types'

const UserParams = z.object({ userId: RefId })
const DeviceParams = UserParams.extend({ deviceId: RefId })

/** Who may see and revoke a user's devices (a lost phone): whoever may manage the account, and the user themselves. */
async function managedUser(ctx: ServerContext, principal: Principal, userId: string): Promise<UserRecord> {
  // The caller's own account exists: authenticate found it.
  return userId === principal.userId ? (await ctx.storage.getUser(userId))! : managedAccount(ctx.storage, principal, userId)
}

function deviceInfo({ id, userId, name, createdAt, lastSeenAt, revokedAt }: DeviceRecord): DeviceInfo {
  return { id, userId, name, createdAt, lastSeenAt, revokedAt }
}

/** `GET /users/{userId}/devices` and `DELETE /users/{userId}/devices/{deviceId}` (behind `authenticate`). */
export const deviceRoutes: FastifyPluginAsyncZod<{ ctx: ServerContext }> = async (app, { ctx }) => {
  app.get(
    '/users/:userId/devices',
    { schema: { tags: ['devices'], params: UserParams, response: { 200: z.array(DeviceInfo), ...errorResponses(400, 401, 403, 404) } } },
    async (request) => {
      const user = await managedUser(ctx, principalOf(request), request.params.userId)
      return (await ctx.storage.listDevices(user.id)).map(deviceInfo)
    },
  )

  app.delete(
    '/users/:userId/devices/:deviceId',
    { schema: { tags: ['devices'], params: DeviceParams, response: { 204: z.undefined(), ...errorResponses(400, 401, 403, 404) } } },
    async (request, reply) => {
      const user = await managedUser(ctx, principalOf(request), request.params.userId)
      const devices = await ctx.storage.listDevices(user.id)
      if (!devices.some((d) => d.id === request.params.deviceId)) throw new HttpError(404, 'not_found', 'No such device.')
      await ctx.storage.revokeDevice(request.params.deviceId, ctx.clock().toISOString())
      return reply.code(204).send()
    },
  )
}
