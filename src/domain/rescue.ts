import { z } from 'zod'
import { RefId, Timestamp } from './common'
import { IMAGE_TYPES } from './attachments'
import { RejectCode } from './sync'

/**
 * The rescue file: a leader whose phone cannot sync (broken server, no account) exports its unsent work as an
 * AES-encrypted zip (7-Zip opens it) and hands it to the office, which imports it; the server applies it
 * through the same path as a push, as that leader, so it applies once however often it is imported.
 *
 * Inside the zip: RESCUE_JSON (a RescueFile) and each photo its mutations name, as `photos/<sha256>.<ext>`.
 */
export const RESCUE_VERSION = 1
export const RESCUE_JSON = 'rescue.json'
/** Room for days of a leader's work with its photos, and small enough to hold in memory on the server. */
export const RESCUE_MAX_BYTES = 50 * 1024 * 1024
/** More changes than any phone holds (the outbox of weeks of work is a few thousand). */
export const RESCUE_MAX_CHANGES = 50_000
export const RESCUE_PASSWORD_MIN = 6
export const RESCUE_PASSWORD_MAX = 200
/** The password of an import, percent-encoded (encodeURIComponent), so that any character fits a header. */
export const RESCUE_PASSWORD_HEADER = 'x-rescue-password'
/** The body of an import: the file's bytes as they are. */
export const RESCUE_TYPE = 'application/zip'

const PHOTO_EXTENSIONS = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' } as const satisfies Record<(typeof IMAGE_TYPES)[number], string>

/** Where a photo sits in the zip: its hash names it, its extension lets the office open it with a click. */
export function rescuePhotoPath(sha256: string, type: (typeof IMAGE_TYPES)[number]): string {
  return `photos/${sha256}.${PHOTO_EXTENSIONS[type]}`
}
/** The hash a photo's path in the zip names, or undefined when it is no photo path. */
export function rescuePhotoHash(path: string): string | undefined {
  return /^photos\/([0-9a-f]{64})\.(jpg|png|webp)$/.exec(path)?.[1]
}

/** A change the server had already refused: carried for the office to read, never applied again. */
export const RescueRefusal = z.object({
  table: z.string().max(40),
  recordId: z.string().max(64),
  code: z.string().max(40),
  message: z.string().max(2000),
  at: Timestamp,
  record: z.record(z.string(), z.unknown()),
})
export type RescueRefusal = z.infer<typeof RescueRefusal>

export const RescueFile = z.object({
  version: z.literal(RESCUE_VERSION),
  /** The device the work was made on, as the server named it at sign-in, and its user. */
  deviceId: RefId,
  userId: RefId,
  createdAt: Timestamp,
  /**
   * The outbox in order, each exactly as a push sends it; each is validated on its own, as in a push. Bounded,
   * as every refusal is answered one by one: a phone holds days of work, not millions of changes.
   */
  mutations: z.array(z.unknown()).max(RESCUE_MAX_CHANGES),
  refused: z.array(RescueRefusal).max(RESCUE_MAX_CHANGES),
})
export type RescueFile = z.infer<typeof RescueFile>

const Count = z.number().int().nonnegative()

/** What an import did: counts, and each refusal with its reason (by mutation id, as a push answers them). */
export const RescueResult = z.object({
  applied: Count,
  /** Already applied: by an earlier import, or because the phone did sync after all. */
  duplicate: Count,
  /** Applied, but a field someone else had changed first kept their value; the record lists the conflict (as in a push). */
  conflict: Count,
  rejected: z.array(z.object({ mutationId: z.string(), code: RejectCode, message: z.string() })),
  /** Photos stored, and those that are not whole JPEG, PNG or WebP photos (their records show them missing). */
  photos: Count,
  badPhotos: Count,
  /** Changes the server had refused before the file was made: in the file to read, not applied. */
  refusedEarlier: Count,
})
export type RescueResult = z.infer<typeof RescueResult>
