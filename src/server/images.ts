import sharp, { type Metadata, type Sharp } from 'sharp'
import { PHOTO_MAX_SIDE, THUMB_SERVED_SIDE, type AttachmentMeta } from '@/domain'

/**
 * What an uploaded photo really is: the declared Content-Type is the client's word, a full decode (libvips,
 * through sharp) is the file's. Reading the header alone let any bytes through behind a valid one; decoding
 * every pixel refuses them. The size is checked from the header first, so that an oversized or
 * decompression-bomb image is refused before its pixels are ever allocated.
 */

export type ImageInfo = Pick<AttachmentMeta, 'type' | 'width' | 'height'>

export type ImageCheck = { ok: true; image: ImageInfo } | { ok: false; reason: 'not_an_image' | 'too_large' }

const TYPES: Partial<Record<string, ImageInfo['type']>> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' }

/**
 * Room for what a photo may carry beside its pixels (EXIF, an ICC profile). Compressed pixels never need
 * more than their raw size (4 bytes each at most), so a file far larger than that is hiding something
 * after the image, which decoders skip without complaint.
 */
const METADATA_ALLOWANCE = 64 * 1024

/** Decodes `bytes` whole: a JPEG, PNG or WebP of at most PHOTO_MAX_SIDE pixels a side, or why not. */
export async function checkImage(bytes: Buffer): Promise<ImageCheck> {
  let image: Sharp
  let header: Metadata
  try {
    // failOn 'warning': a truncated or corrupt stream is refused, not decoded as far as it goes.
    image = sharp(bytes, { failOn: 'warning', limitInputPixels: PHOTO_MAX_SIDE * PHOTO_MAX_SIDE, pages: 1 })
    header = await image.metadata()
  } catch {
    return { ok: false, reason: 'not_an_image' }
  }
  const type = TYPES[header.format]
  const { width, height } = header
  if (!type || !width || !height) return { ok: false, reason: 'not_an_image' }
  if (width > PHOTO_MAX_SIDE || height > PHOTO_MAX_SIDE) return { ok: false, reason: 'too_large' }
  if (bytes.length > width * height * 4 + METADATA_ALLOWANCE) return { ok: false, reason: 'not_an_image' }
  try {
    // stats() reads every pixel, so every byte of the compressed stream must make sense.
    await image.stats()
  } catch {
    return { ok: false, reason: 'not_an_image' }
  }
  return { ok: true, image: { type, width, height } }
}

/**
 * A JPEG at most THUMB_SERVED_SIDE pixels on the long side, made on each request: a device asks once and
 * keeps it (the answer is immutable), and a 1600 px photo takes tens of milliseconds (docs/benchmarks.md).
 * JPEG, not WebP: every phone the leaders carry decodes it. `rotate()` applies the EXIF orientation, which
 * the thumbnail would otherwise lose with the rest of the metadata.
 */
export function thumbnail(bytes: Buffer): Promise<Buffer> {
  return sharp(bytes, { limitInputPixels: PHOTO_MAX_SIDE * PHOTO_MAX_SIDE, pages: 1 })
    .rotate()
    .resize(THUMB_SERVED_SIDE, THUMB_SERVED_SIDE, { fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 70, mozjpeg: true })
    .toBuffer()
}
