import type { FastifyRequest } from 'fastify'
import { FINAL_PUSH_DAYS } from '@/domain'
import type { ServerContext } from '../context'
import { HttpError } from '../errors'
import type { Principal } from '../storage/types'
import { hashToken, sameHash } from './tokens'

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling, set by `authenticate` on every route that needs a device token. */
    principal: Principal | null
  }
  interface FastifyContextConfig {
    /** Answered while the account must still change its one-time password (the change itself, sign-out). */
    beforePasswordChange?: boolean
    /** Answered to a device revoked with `sign_out`: the routes of its last push (photos, then records). */
    finalPush?: boolean
  }
}

/** 32 bytes in base64url, nothing else: anything longer is refused before it reaches the database. */
const BEARER = /^Bearer ([A-Za-z0-9_-]{43})$/i

/** lastSeenAt is a hint for the office ("when was this phone last used"), so one write a minute is plenty. */
const TOUCH_EVERY_MS = 60_000
const DAY_MS = 24 * 60 * 60 * 1000

function unauthorized(message: string, code: 'unauthorized' | DeviceRevokedCode = 'unauthorized'): HttpError {
  return new HttpError(401, code, message, { 'WWW-Authenticate': 'Bearer' })
}

type DeviceRevokedCode = 'device_signed_out' | 'device_wiped'

/**
 * An onRequest hook: finds the device of the bearer token and its user, fresh on every request, so that a
 * revoked device, a disabled account or a reassigned building takes effect at once. While the account's
 * password is one-time, only the routes marked `beforePasswordChange` answer.
 *
 * A device the office revoked is told how to end (DeviceRevocation), before its account is looked at, so that
 * a wiped phone clears itself even when the account was disabled too: `wipe` gets `device_wiped` on every
 * route, before its body is read; `sign_out` is still answered on the routes marked `finalPush` for
 * FINAL_PUSH_DAYS (then it is treated as wiped), and gets `device_signed_out` on the others (the phone clears
 * itself once its outbox is empty).
 */
export function authenticate(ctx: ServerContext) {
  return async (request: FastifyRequest): Promise<void> => {
    const token = BEARER.exec(request.headers.authorization ?? '')?.[1]
    if (!token) throw unauthorized('Sign in first: this request carries no device token.')
    const hash = hashToken(token)
    const found = await ctx.storage.findDeviceByTokenHash(hash)
    if (!found || !sameHash(found.device.tokenHash, hash)) throw unauthorized('Sign in again: this device token is not valid any more.')
    const { device, user } = found
    const revocation = device.revokedAt === null ? null : ((await ctx.storage.deviceRevocations(user.id)).get(device.id) ?? null)
    if ((device.revokedAt !== null && revocation === null) || (revocation === null && user.disabled)) {
      throw unauthorized('Sign in again: this device token is not valid any more.')
    }
    // For a revoked device too: the office sees that the phone came, and so was told how to end.
    const now = ctx.clock()
    if (device.lastSeenAt === null || now.getTime() - Date.parse(device.lastSeenAt) >= TOUCH_EVERY_MS) {
      await ctx.storage.touchDevice(device.id, now.toISOString())
    }
    const overdue = revocation === 'sign_out' && now.getTime() - Date.parse(device.revokedAt!) > FINAL_PUSH_DAYS * DAY_MS
    if (revocation === 'wipe' || overdue) throw unauthorized('The office has wiped this device: clear its data, send nothing.', 'device_wiped')
    if (revocation === 'sign_out' && !request.routeOptions.config.finalPush) {
      throw unauthorized('The office has signed this device out: push what it holds, then clear its data.', 'device_signed_out')
    }
    request.principal = { userId: user.id, deviceId: device.id, role: user.role, communityId: user.communityId, buildingIds: user.buildingIds }
    // A signed-out phone's last push goes through whatever became of its account (disabled, password reset):
    // the office asked for it, and without it the phone would never clear.
    if (revocation === null && user.mustChangePassword && !request.routeOptions.config.beforePasswordChange) {
      throw new HttpError(403, 'password_change_required', 'Change the one-time password first (POST /auth/password).')
    }
  }
}

/** The caller of a route behind `authenticate`. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthorized('Sign in first: this request carries no device token.')
  return request.principal
}
