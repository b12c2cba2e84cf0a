import { PHOTO_MAX_BYTES, PUSH_MAX_BYTES } from '@/domain'
import type { ThrottleRule } from './auth/throttle'
import type { Storage } from './storage/types'

export interface ServerLimits {
  /** Bytes of a JSON body, except a push. */
  jsonBodyBytes: number
  /** Bytes of one push batch. */
  pushBytes: number
  /** Bytes of one uploaded photo. */
  attachmentBytes: number
  /**
   * Bytes one user may hold in uploads that no record names yet. The device uploads a batch's photos just
   * before the push that names them, so a leader holds at most one batch's photos (a few dozen MB after
   * days offline); noise that is never named stops here, and the sweep removes it after a day.
   */
  unreferencedUploadBytes: number
  /**
   * Failed sign-ins of one account from one client address: an attacker's address waits longer and longer,
   * while the owner still signs in from anywhere else.
   */
  loginPerAccountAddress: ThrottleRule
  /** Failed sign-ins from one client address, whatever the account: looser, for a whole office behind one NAT. */
  loginPerAddress: ThrottleRule
}

const MINUTE = 60_000

export const DEFAULT_LIMITS: ServerLimits = {
  jsonBodyBytes: 64 * 1024,
  pushBytes: PUSH_MAX_BYTES,
  attachmentBytes: PHOTO_MAX_BYTES,
  unreferencedUploadBytes: 256 * 1024 * 1024,
  // After the 5th failure 1 minute, then 2, 4, … at most an hour; a day without failures forgets them.
  loginPerAccountAddress: { free: 5, firstDelayMs: MINUTE, maxDelayMs: 60 * MINUTE, forgetAfterMs: 24 * 60 * MINUTE },
  loginPerAddress: { free: 50, firstDelayMs: MINUTE, maxDelayMs: 60 * MINUTE, forgetAfterMs: 60 * MINUTE },
}

/** What every route needs: the storage, the time and the limits. */
export interface ServerContext {
  storage: Storage
  clock: () => Date
  limits: ServerLimits
}

/** The context of one server instance. */
export function createContext(storage: Storage, clock: () => Date, limits: ServerLimits): ServerContext {
  return { storage, clock, limits }
}
