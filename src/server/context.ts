import { PHOTO_MAX_BYTES, PUSH_MAX_BYTES } from '@/domain'
import type { Storage } from './storage/types'

/** At most `max` hits in a window of `windowMs`. */
export interface WindowLimit {
  max: number
  windowMs: number
}

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
  /** Failed sign-ins per username. */
  loginPerAccount: WindowLimit
  /** Failed sign-ins per client address: high enough for a whole office signing in behind one NAT. */
  loginPerAddress: WindowLimit
}

const FIFTEEN_MINUTES = 15 * 60_000

export const DEFAULT_LIMITS: ServerLimits = {
  jsonBodyBytes: 64 * 1024,
  pushBytes: PUSH_MAX_BYTES,
  attachmentBytes: PHOTO_MAX_BYTES,
  unreferencedUploadBytes: 256 * 1024 * 1024,
  loginPerAccount: { max: 5, windowMs: FIFTEEN_MINUTES },
  loginPerAddress: { max: 50, windowMs: FIFTEEN_MINUTES },
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
