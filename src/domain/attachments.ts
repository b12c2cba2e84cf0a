import { z } from 'zod'
import { Sha256 } from './common'

export const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const

/** Photos are scaled on the device so that the long side is at most this many pixels. */
export const PHOTO_MAX_SIDE = 1600
export const THUMB_MAX_SIDE = 240
/** Thumbnails the server makes for other phones and the office: sharp at 3× an 80 px list tile, with room to spare. */
export const THUMB_SERVED_SIDE = 320
/** Upper bound of one stored photo, after compression. */
export const PHOTO_MAX_BYTES = 4 * 1024 * 1024

export const AttachmentMeta = z.object({
  sha256: Sha256,
  type: z.enum(IMAGE_TYPES),
  bytes: z.number().int().min(1).max(PHOTO_MAX_BYTES),
  width: z.number().int().min(1).max(PHOTO_MAX_SIDE),
  height: z.number().int().min(1).max(PHOTO_MAX_SIDE),
})
export type AttachmentMeta = z.infer<typeof AttachmentMeta>

/** The size a photo is scaled to: the long side at most `maxSide`, never enlarged. */
export function fitWithin(width: number, height: number, maxSide: number): { width: number; height: number } {
  const scale = Math.min(1, maxSide / Math.max(width, height))
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) }
}

/** Hashes per missing-list question: a push batch's photos fit many times over. */
export const MISSING_MAX_HASHES = 500

/** Which of these photos should the device upload? */
export const MissingRequest = z.object({ hashes: z.array(Sha256).min(1).max(MISSING_MAX_HASHES) })
export type MissingRequest = z.infer<typeof MissingRequest>

/**
 * The hashes asked about that the caller cannot read on the server: not stored, or stored but not theirs to
 * read (which the answer does not tell apart, so nothing leaks about other buildings' photos).
 */
export const MissingResponse = z.object({ missing: z.array(Sha256) })
export type MissingResponse = z.infer<typeof MissingResponse>
