import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import {
  DEFAULT_COMMUNITY_SETTINGS,
  LoginRequest,
  LoginResponse,
  PASSWORD_PROBLEM_TEXT,
  PasswordChange,
  passwordProblem,
  RecoveryKeyRequest,
  RecoveryKeyResponse,
  uuidv7,
} from '@/domain'
import { audit } from '../audit'
import { principalOf } from '../auth/authenticate'
import { hashPassword, verifyPassword } from '../auth/passwords'
import { countAttempt, takeBack, throttledAddress, type CountedAttempt, type ThrottleRule } from '../auth/throttle'
import { newToken } from '../auth/tokens'
import type { ServerContext } from '../context'
import type { UserRecord } from '../storage/types'
import { errorResponses, HttpError } from '../errors'

/** One answer for every failed sign-in, so that nobody can tell which usernames exist or are disabled. */
const WRONG = 'Wrong username or password.'

/**
 * The password guesses of one account from one address, shared by sign-ins and password changes. Never the
 * account alone: then anyone anywhere could lock its owner out with five wrong passwords.
 */
const accountAddressKey = (username: string, ip: string) => `sign-in:${throttledAddress(ip)} ${username.toLowerCase()}`
const addressKey = (ip: string) => `sign-in-address:${throttledAddress(ip)}`

/**
 * Counts the attempt against every rule, before the password is checked (so that many parallel guesses
 * cannot all pass while the first ones are still being verified), and refuses it with 429 and Retry-After
 * while one of them makes it wait; a refused attempt counts nowhere.
 */
async function countAttempts(ctx: ServerContext, rules: Array<[key: string, rule: ThrottleRule]>): Promise<CountedAttempt[]> {
  const now = ctx.clock().getTime()
  const outcomes = await Promise.all(rules.map(([key, rule]) => countAttempt(ctx.storage, key, rule, now)))
  const counted = outcomes.filter((outcome) => 'counted' in outcome)
  const waitMs = Math.max(0, ...outcomes.map((outcome) => ('waitMs' in outcome ? outcome.waitMs : 0)))
  if (waitMs === 0) return counted
  await Promise.all(counted.map((attempt) => takeBack(ctx.storage, attempt, now)))
  const seconds = Math.ceil(waitMs / 1000)
  const minutes = Math.ceil(seconds / 60)
  throw new HttpError(429, 'too_many_requests', `Too many wrong passwords. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`, {
    'Retry-After': String(seconds),
  })
}

/**
 * Checks the password of a signed-in caller's account (a password change, a recovery key): a wrong one counts
 * against the account's sign-in limit at that address, so that a signed-in phone is no way around it; the
 * right one forgets the account's failures there, as a sign-in does.
 */
async function passwordProven(ctx: ServerContext, ip: string, user: UserRecord, password: string): Promise<boolean> {
  await countAttempts(ctx, [[accountAddressKey(user.username, ip), ctx.limits.loginPerAccountAddress]])
  if (!(await verifyPassword(password, await ctx.storage.passwordHashOf(user.id)))) return false
  await ctx.storage.clearRateLimit(accountAddressKey(user.username, ip))
  return true
}

/**
 * `POST /auth/login`: a new device token for a username and password, limited per account and per address,
 * with what the user's earlier devices of the same name made (for a phone whose data the browser cleared),
 * the new device's recovery key and whether its community lets the leader skip the app lock.
 */
export const loginRoutes: FastifyPluginAsyncZod<{ ctx: ServerContext }> = async (app, { ctx }) => {
  app.post(
    '/auth/login',
    { schema: { tags: ['auth'], security: [], body: LoginRequest, response: { 200: LoginResponse, ...errorResponses(400, 401, 429) } } },
    async (request) => {
      const { username, password, deviceName } = request.body
      const [, address] = await countAttempts(ctx, [
        [accountAddressKey(username, request.ip), ctx.limits.loginPerAccountAddress],
        [addressKey(request.ip), ctx.limits.loginPerAddress],
      ])
      const now = ctx.clock()
      const at = now.getTime()
      const user = await ctx.storage.findUserByUsername(username)
      const valid = await verifyPassword(password, user?.passwordHash)
      if (!user || !valid || user.disabled) throw new HttpError(401, 'unauthorized', WRONG)
      // The password is proven: the account's failures from here are forgotten, and this attempt was no guess.
      await ctx.storage.clearRateLimit(accountAddressKey(username, request.ip))
      if (address) await takeBack(ctx.storage, address, at)
      // Asked before the new device exists: its own answer lists only the devices that came before it.
      const earlier = await ctx.storage.devicesWithRecords(user.id, deviceName)
      const { token, hash } = newToken()
      const device = await ctx.storage.createDevice({ id: uuidv7(at), userId: user.id, name: deviceName, tokenHash: hash, at: now.toISOString() })
      const { id, displayName, role, communityId, buildingIds } = user
      const community = communityId === null ? undefined : await ctx.storage.getCommunity(communityId)
      return {
        token,
        deviceId: device.id,
        user: { id, username: user.username, displayName, role, communityId, buildingIds },
        earlierDevices: earlier.map((d) => ({ id: d.id, name: d.name, createdAt: d.createdAt, lastSeenAt: d.lastSeenAt, records: d.records })),
        mustChangePassword: user.mustChangePassword,
        recoveryKey: device.recoveryKey,
        appLock: (community?.settings ?? DEFAULT_COMMUNITY_SETTINGS).appLock,
      }
    },
  )
}

/**
 * `POST /auth/logout`, `POST /auth/password`, `POST /auth/recovery-key` and `GET /auth/device` (behind `authenticate`, and answered
 * also while the account must change its one-time password): sign-out revokes the calling device's token; a
 * password change checks the current password and the rules of src/domain/passwords.ts, and clears the
 * must-change flag. The account's other devices stay signed in: a new password is no lost phone (revoke that
 * one instead). The recovery key is the calling device's own, for the account's password (passwordProven):
 * a phone whose lock PIN was forgotten unwraps its data key with it (docs/sync-protocol.md).
 */
export const logoutRoutes: FastifyPluginAsyncZod<{ ctx: ServerContext }> = async (app, { ctx }) => {
  app.post(
    '/auth/password',
    {
      config: { beforePasswordChange: true },
      schema: { tags: ['auth'], body: PasswordChange, response: { 204: z.undefined(), ...errorResponses(400, 401, 403, 429) } },
    },
    async (request, reply) => {
      const principal = principalOf(request)
      const { currentPassword, newPassword } = request.body
      const user = await ctx.storage.getUser(principal.userId)
      if (!user || !(await passwordProven(ctx, request.ip, user, currentPassword))) throw new HttpError(403, 'forbidden', 'The current password is wrong.')
      const problem = passwordProblem(newPassword, user.username)
      if (problem) throw new HttpError(400, 'weak_password', PASSWORD_PROBLEM_TEXT[problem])
      if (newPassword === currentPassword) throw new HttpError(400, 'weak_password', 'The new password must differ from the current one.')
      await ctx.storage.updateUser(user.id, { password: { hash: await hashPassword(newPassword), mustChange: false } })
      return reply.code(204).send()
    },
  )

  app.post(
    '/auth/recovery-key',
    {
      // A leader whose password the office just reset proves the account with the one-time password: it is the
      // account's until changed, and the phone's lock screen must not first send them to change it.
      config: { beforePasswordChange: true },
      schema: { tags: ['auth'], body: RecoveryKeyRequest, response: { 200: RecoveryKeyResponse, ...errorResponses(400, 401, 403, 429) } },
    },
    async (request) => {
      const principal = principalOf(request)
      const user = await ctx.storage.getUser(principal.userId)
      if (!user || !(await passwordProven(ctx, request.ip, user, request.body.password))) throw new HttpError(403, 'forbidden', 'The password is wrong.')
      const recoveryKey = await ctx.storage.recoveryKeyOf(principal.deviceId)
      if (recoveryKey === undefined) throw new HttpError(401, 'unauthorized', 'Sign in again: this device token is not valid any more.')
      await audit(ctx, request, { action: 'device.recovery_key', communityId: user.communityId, target: principal.deviceId })
      return { recoveryKey }
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

  // A locked phone cannot push or pull, but it must still hear the office's wipe: this answers the token's
  // standing (authenticate's 401s) and sends nothing of residents. Also before the password change: a
  // one-time password does not keep a lost phone from clearing.
  app.get(
    '/auth/device',
    { config: { beforePasswordChange: true }, schema: { tags: ['auth'], response: { 204: z.undefined(), ...errorResponses(401) } } },
    async (_request, reply) => reply.code(204).send(),
  )
}
