import rateLimit from '@fastify/rate-limit'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { LoginRequest, LoginResponse, PASSWORD_PROBLEM_TEXT, PasswordChange, passwordProblem, uuidv7 } from '@/domain'
import { principalOf } from '../auth/authenticate'
import { databaseRateLimitStore } from '../auth/rate-limit'
import { hashPassword, verifyPassword } from '../auth/passwords'
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
        mustChangePassword: user.mustChangePassword,
      }
    },
  )
}

/**
 * `POST /auth/logout` and `POST /auth/password` (behind `authenticate`, and answered also while the account
 * must change its one-time password): sign-out revokes the calling device's token; a password change checks
 * the current password and the rules of src/domain/passwords.ts, and clears the must-change flag. The
 * account's other devices stay signed in: a new password is no lost phone (revoke that one instead).
 */
export const logoutRoutes: FastifyPluginAsyncZod<{ ctx: ServerContext }> = async (app, { ctx }) => {
  app.post(
    '/auth/password',
    {
      config: { beforePasswordChange: true },
      schema: { tags: ['auth'], body: PasswordChange, response: { 204: z.undefined(), ...errorResponses(400, 401, 403) } },
    },
    async (request, reply) => {
      const principal = principalOf(request)
      const { currentPassword, newPassword } = request.body
      const user = await ctx.storage.getUser(principal.userId)
      if (!user || !(await verifyPassword(currentPassword, await ctx.storage.passwordHashOf(principal.userId)))) {
        throw new HttpError(403, 'forbidden', 'The current password is wrong.')
      }
      const problem = passwordProblem(newPassword, user.username)
      if (problem) throw new HttpError(400, 'weak_password', PASSWORD_PROBLEM_TEXT[problem])
      if (newPassword === currentPassword) throw new HttpError(400, 'weak_password', 'The new password must differ from the current one.')
      await ctx.storage.updateUser(user.id, { password: { hash: await hashPassword(newPassword), mustChange: false } })
      return reply.code(204).send()
    },
  )

  app.post(
    '/auth/logout',
    { config: { beforePasswordChange: true }, schema: { tags: ['auth'], response: { 204: z.undefined(), ...errorResponses(401) } } },
    async (request, reply) => {
      await ctx.storage.revokeDevice(principalOf(request).deviceId, ctx.clock().toISOString())
      return reply.code(204).send()
    },
  )
}
