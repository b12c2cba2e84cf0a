import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { DeviceInfo, DeviceRevocation, RefId } from '@/domain'
import { audit } from '../audit'
import { managedAccount } from '../auth/accounts'
import { principalOf } from '../auth/authenticate'
import type { ServerContext } from '../context'
import { errorResponses, HttpError } from '../errors'
import type { DeviceRecord, Principal, UserRecord } from '../storage/types'

const UserParams = z.object({ userId: RefId })
const DeviceParams = UserParams.extend({ deviceId: RefId })
/** `sign_out` by default: the gentler end, which still takes what the phone holds. */
const RevokeQuery = z.object({ mode: DeviceRevocation.default('sign_out') })

/** Who may see and revoke a user's devices (a lost phone): whoever may manage the account, and the user themselves. */
async function managedUser(ctx: ServerContext, principal: Principal, userId: string): Promise<UserRecord> {
  // The caller's own account exists: authenticate found it.
  return userId === principal.userId ? (await ctx.storage.getUser(userId))! : managedAccount(ctx.storage, principal, userId)
}

function deviceInfo({ id, userId, name, createdAt, lastSeenAt, revokedAt }: DeviceRecord, revocations: Map<string, DeviceRevocation>): DeviceInfo {
  return { id, userId, name, createdAt, lastSeenAt, revokedAt, revocation: revocations.get(id) ?? null }
}

/**
 * `GET /users/{userId}/devices` and `DELETE /users/{userId}/devices/{deviceId}?mode=sign_out|wipe` (behind
 * `authenticate`). The mode says how the phone ends at its next contact (see DeviceRevocation); a revoked
 * device may be revoked again with `wipe`.
 */
export const deviceRoutes: FastifyPluginAsyncZod<{ ctx: ServerContext }> = async (app, { ctx }) => {
  app.get(
    '/users/:userId/devices',
    { schema: { tags: ['devices'], params: UserParams, response: { 200: z.array(DeviceInfo), ...errorResponses(400, 401, 403, 404) } } },
    async (request) => {
      const user = await managedUser(ctx, principalOf(request), request.params.userId)
      const [devices, revocations] = await Promise.all([ctx.storage.listDevices(user.id), ctx.storage.deviceRevocations(user.id)])
      return devices.map((device) => deviceInfo(device, revocations))
    },
  )

  app.delete(
    '/users/:userId/devices/:deviceId',
    { schema: { tags: ['devices'], params: DeviceParams, querystring: RevokeQuery, response: { 204: z.undefined(), ...errorResponses(400, 401, 403, 404) } } },
    async (request, reply) => {
      const user = await managedUser(ctx, principalOf(request), request.params.userId)
      const devices = await ctx.storage.listDevices(user.id)
      if (!devices.some((d) => d.id === request.params.deviceId)) throw new HttpError(404, 'not_found', 'No such device.')
      await ctx.storage.revokeDeviceAs(request.params.deviceId, request.query.mode, ctx.clock().toISOString())
      await audit(ctx, request, {
        action: 'device.revoke',
        communityId: user.communityId,
        target: request.params.deviceId,
        detail: { mode: request.query.mode, account: user.id },
      })
      return reply.code(204).send()
    },
  )
}
