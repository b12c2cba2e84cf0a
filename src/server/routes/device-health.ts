import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { DeviceHealth, DeviceStanding, RefId, deviceFlags } from '@/domain'
import { principalOf } from '../auth/authenticate'
import { managedCommunity } from '../auth/community'
import type { ServerContext } from '../context'
import { errorResponses } from '../errors'

const CommunityParams = z.object({ id: RefId })

/**
 * Device health (src/domain/devices.ts): each phone reports how it stands at the end of a sync run, and the
 * office lists its community's devices with the reasons to call a leader.
 */
export const deviceHealthRoutes: FastifyPluginAsyncZod<{ ctx: ServerContext }> = async (app, { ctx }) => {
  app.post(
    '/sync/health',
    { schema: { tags: ['sync'], body: DeviceHealth, response: { 204: z.undefined(), ...errorResponses(400, 401) } } },
    async (request, reply) => {
      // Only ever the calling device's own report: the token says which device it is.
      await ctx.storage.reportDeviceHealth(principalOf(request).deviceId, request.body, ctx.clock().toISOString())
      return reply.code(204).send()
    },
  )

  app.get(
    '/communities/:id/devices',
    { schema: { tags: ['devices'], params: CommunityParams, response: { 200: z.array(DeviceStanding), ...errorResponses(400, 401, 403, 404) } } },
    async (request) => {
      const community = await managedCommunity(ctx, principalOf(request), request.params.id)
      const now = ctx.clock()
      return (await ctx.storage.communityDevices(community.id)).map(
        (device): DeviceStanding => ({
          deviceId: device.id,
          name: device.name,
          userId: device.userId,
          displayName: device.displayName,
          role: device.role,
          phone: device.phone,
          createdAt: device.createdAt,
          lastSeenAt: device.lastSeenAt,
          revokedAt: device.revokedAt,
          health: device.health,
          flags: deviceFlags({ ...device, oldestUnsentAt: device.health?.oldestUnsentAt ?? null }, now, community.settings.silentDeviceDays),
        }),
      )
    },
  )
}
