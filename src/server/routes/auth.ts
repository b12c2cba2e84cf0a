import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
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

/** The per-account count of password guesses, shared by sign-ins and password changes. */
const accountKey = (username: string) => `login-account:${username.toLowerCase()}`

type Limit = ReturnType<FastifyInstance['createRateLimit']>

/**
 * Counts the attempt against every limit, before the password is checked (so that many parallel guesses
 * cannot all pass while the first ones are still being verified), and refuses it with 429 and Retry-After
 * when one is exceeded.
 */
async function countAttempt(limits: Limit[], request: FastifyRequest): Promise<void> {
  const checks = await Promise.all(limits.map((limit) => limit(request)))
  const waits = checks.flatMap((check) => (!check.isAllowed && check.isExceeded ? [check.ttlInSeconds] : []))
  if (waits.length > 0) {
    throw new HttpError(429, 'too_many_requests', 'Too many password attempts. Try again later.', { 'Retry-After': String(Math.max(1, ...waits)) })
  }
}

const registerLimits = (app: FastifyInstance, ctx: ServerContext) =>
  app.register(rateLimit, { global: false, store: databaseRateLimitStore(ctx.storage, ctx.clock) })

/**
 * `POST /auth/login`: a new device token for a username and password, limited per account and per address,
 * with what the user's earlier devices of the same name made (for a phone whose data the browser cleared).
 */
export const loginRoutes: FastifyPluginAsyncZod<{ ctx: ServerContext }> = async (app, { ctx }) => {
  await registerLimits(app, ctx)
  const addressKey = (ip: string) => `login-address:${ip}`
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
      await countAttempt(limits, request)
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
 * account's other devices stay signed in: a new password is no lost phone (revoke that one instead). A wrong
 * current password counts against the account's sign-in limit, so that a signed-in phone is no way around it.
 */
export const logoutRoutes: FastifyPluginAsyncZod<{ ctx: ServerContext }> = async (app, { ctx }) => {
  await registerLimits(app, ctx)
  const accountLimit = app.createRateLimit({
    ...limitOf(ctx.limits.loginPerAccount),
    keyGenerator: async (request) => accountKey((await ctx.storage.getUser(principalOf(request).userId))?.username ?? ''),
  })
  app.post(
    '/auth/password',
    {
      config: { beforePasswordChange: true },
      schema: { tags: ['auth'], body: PasswordChange, response: { 204: z.undefined(), ...errorResponses(400, 401, 403, 429) } },
    },
    async (request, reply) => {
      const principal = principalOf(request)
      const { currentPassword, newPassword } = request.body
      await countAttempt([accountLimit], request)
      const user = await ctx.storage.getUser(principal.userId)
      if (!user || !(await verifyPassword(currentPassword, await ctx.storage.passwordHashOf(principal.userId)))) {
        throw new HttpError(403, 'forbidden', 'The current password is wrong.')
      }
      // The password is proven: this attempt was no guess, and neither were the account's earlier failures.
      await ctx.storage.clearRateLimit(accountKey(user.username))
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
