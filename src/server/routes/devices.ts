import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { DeviceInfo, RefId } from '@/domain'
import { principalOf } from '../auth/authenticate'
import type { ServerContext } from '../context'
import { errorResponses, HttpError } from '../errors'
import type { DeviceRecord, Principal, UserRecord } from '../storage/types'

const UserParams = z.object({ userId: RefId })
const DeviceParams = UserParams.extend({ deviceId: RefId })

/**
 * Who may see and revoke a user's devices (a lost phone): the user themselves, office staff for the leaders
 * and colleagues of their community, an admin for every account of the server. A user of another community
 * is answered as unknown, so that the office cannot probe other communities' accounts.
 */
async function managedUser(ctx: ServerContext, principal: Principal, userId: string): Promise<UserRecord> {
  const user = await ctx.storage.getUser(userId)
  if (user?.id === principal.userId || (user && principal.role === 'admin')) return user
  if (!user || (user.role !== 'admin' && user.communityId !== principal.communityId)) throw new HttpError(404, 'not_found', 'No such user.')
  if (principal.role !== 'office' || user.role === 'admin') throw new HttpError(403, 'forbidden', "You may not manage this user's devices.")
  return user
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
