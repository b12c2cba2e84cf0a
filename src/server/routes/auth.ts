import rateLimit from '@fastify/rate-limit'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { LoginRequest, LoginResponse, uuidv7 } from '@/domain'
import { principalOf } from '../auth/authenticate'
import { databaseRateLimitStore } from '../auth/rate-limit'
import { verifyPassword } from '../auth/passwords'
import { newToken } from '../auth/tokens'
import type { ServerContext, WindowLimit } from '../context'
import { errorResponses, HttpError } from '../errors'

const limitOf = ({ max, windowMs }: WindowLimit) => ({ max, timeWindow: windowMs })

/** One answer for every failed sign-in, so that nobody can tell which usernames exist or are disabled. */
const WRONG = 'Wrong username or password.'

/**
 * `POST /auth/login`: a new device token for a username and password, limited per account and per address,
 * with what the user's earlier devices of the same name made (for a phone whose data the browser cleared).
 */
export const loginRoutes: FastifyPluginAsyncZod<{ ctx: ServerContext }> = async (app, { ctx }) => {
  await app.register(rateLimit, { global: false, store: databaseRateLimitStore(ctx.storage, ctx.clock) })
  const accountKey = (username: string) => `login-account:${username.toLowerCase()}`
  const addressKey = (ip: string) => `login-address:${ip}`
  // Both limits are counted on every attempt, before the password is checked, so that many parallel guesses
  // cannot all pass while the first ones are still being verified.
  const limits = [
    app.createRateLimit({
      ...limitOf(ctx.limits.loginPerAccount),
      keyGenerator: (request) => accountKey((request.body as LoginRequest).username),
    }),
    app.createRateLimit({ ...limitOf(ctx.limits.loginPerAddress), keyGenerator: (request) => addressKey(request.ip) }),
  ]
  app.post(
    '/auth/login',
    { schema: { tags: ['auth'], security: [], body: LoginRequest, response: { 200: LoginResponse, ...errorResponses(400, 401, 429) } } },
    async (request) => {
      const { username, password, deviceName } = request.body
      const checks = await Promise.all(limits.map((limit) => limit(request)))
      const waits = checks.flatMap((check) => (!check.isAllowed && check.isExceeded ? [check.ttlInSeconds] : []))
      if (waits.length > 0) {
        throw new HttpError(429, 'too_many_requests', 'Too many sign-in attempts. Try again later.', {
          'Retry-After': String(Math.max(1, ...waits)),
        })
      }
      const now = ctx.clock()
      const at = now.getTime()
      const user = await ctx.storage.findUserByUsername(username)
      const valid = await verifyPassword(password, user?.passwordHash)
      if (!user || !valid || user.disabled) throw new HttpError(401, 'unauthorized', WRONG)
      // The password is proven: the account's failures are forgotten, and this attempt was no guess.
      await ctx.storage.clearRateLimit(accountKey(username))
      await ctx.storage.forgiveRateLimit(addressKey(request.ip))
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
