import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { LoginRequest, LoginResponse, uuidv7 } from '@/domain'
import { principalOf } from '../auth/authenticate'
import { verifyPassword } from '../auth/passwords'
import { newToken } from '../auth/tokens'
import type { ServerContext } from '../context'
import { errorResponses, HttpError } from '../errors'

/** One answer for every failed sign-in, so that nobody can tell which usernames exist or are disabled. */
const WRONG = 'Wrong username or password.'

/**
 * `POST /auth/login`: a new device token for a username and password, throttled per account and per address,
 * with what the user's earlier devices of the same name made (for a phone whose data the browser cleared).
 */
export const loginRoutes: FastifyPluginAsyncZod<{ ctx: ServerContext }> = async (app, { ctx }) => {
  const { account, address } = ctx.throttle
  app.post(
    '/auth/login',
    { schema: { tags: ['auth'], security: [], body: LoginRequest, response: { 200: LoginResponse, ...errorResponses(400, 401, 429) } } },
    async (request) => {
      const { username, password, deviceName } = request.body
      const accountKey = username.toLowerCase()
      const now = ctx.clock()
      const at = now.getTime()
      const wait = Math.max(account.retryAfter(accountKey, at), address.retryAfter(request.ip, at))
      if (wait > 0) {
        throw new HttpError(429, 'too_many_requests', 'Too many sign-in attempts. Try again later.', {
          'Retry-After': String(Math.ceil(wait / 1000)),
        })
      }
      account.record(accountKey, at)
      address.record(request.ip, at)
      const user = await ctx.storage.findUserByUsername(username)
      const valid = await verifyPassword(password, user?.passwordHash)
      if (!user || !valid || user.disabled) throw new HttpError(401, 'unauthorized', WRONG)
      account.clear(accountKey)
      address.forgive(request.ip, at)
      // Asked before the new device exists: its own answer lists only the devices that came before it.
      const earlier = await ctx.storage.devicesWithRecords(user.id, deviceName)
      const { token, hash } = newToken()
      const device = await ctx.storage.createDevice({ id: uuidv7(at), userId: user.id, name: deviceName, tokenHash: hash, at: now.toISOString() })
      const { id, displayName, role, communityId, buildingIds } = user
      return {
        token,
        deviceId: device.id,
        user: { id, username: user.username, displayName, role, communityId, buildingIds },
        earlierDevices: earlier.map((d) => ({ id: d.id, name: d.name, createdAt: d.createdAt, lastSeenAt: d.lastSeenAt, records: d.records })),
      }
    },
  )
}

/** `POST /auth/logout` (behind `authenticate`): revokes the calling device's token. */
export const logoutRoutes: FastifyPluginAsyncZod<{ ctx: ServerContext }> = async (app, { ctx }) => {
  app.post(
    '/auth/logout',
    { schema: { tags: ['auth'], response: { 204: z.undefined(), ...errorResponses(401) } } },
    async (request, reply) => {
      await ctx.storage.revokeDevice(principalOf(request).deviceId, ctx.clock().toISOString())
      return reply.code(204).send()
    },
  )
}
