import { PHOTO_MAX_SIDE, THUMB_MAX_SIDE } from '@/domain'
import { resizeToJpeg, type Resized } from './resize'

/** A stored photo should stay under this, so that a day of photos syncs over a weak signal. */
export const PHOTO_TARGET_BYTES = 250 * 1024
const QUALITIES = [0.8, 0.7, 0.6, 0.5, 0.4]

export interface Compressed {
  photo: Resized
  thumb: Resized
}

/**
 * The photo at most 1600 px on the long side, at the best JPEG quality that fits the byte target,
 * and a small thumbnail for lists.
 */
export async function compressPhoto(source: Blob): Promise<Compressed> {
  let photo: Resized | undefined
  for (const quality of QUALITIES) {
    photo = await resizeToJpeg(source, PHOTO_MAX_SIDE, quality)
    if (photo.blob.size <= PHOTO_TARGET_BYTES) break
  }
  const thumb = await resizeToJpeg(photo!.blob, THUMB_MAX_SIDE, 0.7)
  return { photo: photo!, thumb }
}
