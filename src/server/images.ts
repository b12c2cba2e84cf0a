import type { AttachmentMeta } from '@/domain'

/**
 * What an uploaded photo really is, read from its bytes: the declared Content-Type is the client's word,
 * the magic numbers and the header are the file's. Only the few header bytes are read, never the pixels.
 */

export type ImageInfo = Pick<AttachmentMeta, 'type' | 'width' | 'height'>

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/** The image type and size of `bytes`, or undefined when they are not a JPEG, PNG or WebP with a readable header. */
export function readImageInfo(bytes: Buffer): ImageInfo | undefined {
  const size =
    bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff
      ? jpegSize(bytes)
      : bytes.subarray(0, 8).equals(PNG_SIGNATURE)
        ? pngSize(bytes)
        : isWebp(bytes)
          ? webpSize(bytes)
          : undefined
  if (!size || size.width < 1 || size.height < 1) return undefined
  return size
}

function pngSize(bytes: Buffer): ImageInfo | undefined {
  // The first chunk must be IHDR: width and height, big-endian, right after its type.
  if (bytes.length < 24 || bytes.toString('latin1', 12, 16) !== 'IHDR') return undefined
  return { type: 'image/png', width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) }
}

/** Start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but are not frames. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc
}

function jpegSize(bytes: Buffer): ImageInfo | undefined {
  let offset = 2
  while (offset + 4 <= bytes.length) {
    if (bytes[offset] !== 0xff) return undefined
    const marker = bytes[offset + 1]!
    // Fill bytes, and the markers that stand alone without a length (TEM, RST0–7).
    if (marker === 0xff) {
      offset += 1
      continue
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2
      continue
    }
    // End of image or start of scan before any frame header: there is no size to read.
    if (marker === 0xd9 || marker === 0xda) return undefined
    const length = bytes.readUInt16BE(offset + 2)
    if (length < 2) return undefined
    if (isStartOfFrame(marker)) {
      if (offset + 9 > bytes.length) return undefined
      return { type: 'image/jpeg', height: bytes.readUInt16BE(offset + 5), width: bytes.readUInt16BE(offset + 7) }
    }
    offset += 2 + length
  }
  return undefined
}

function isWebp(bytes: Buffer): boolean {
  return bytes.length >= 16 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP'
}

function webpSize(bytes: Buffer): ImageInfo | undefined {
  const chunk = bytes.toString('latin1', 12, 16)
  const type = 'image/webp' as const
  if (chunk === 'VP8 ' && bytes.length >= 30) {
    // A lossy key frame: the start code 9D 01 2A, then 14-bit width and height (the top 2 bits are scaling).
    if (bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a) return undefined
    return { type, width: bytes.readUInt16LE(26) & 0x3fff, height: bytes.readUInt16LE(28) & 0x3fff }
  }
  if (chunk === 'VP8L' && bytes.length >= 25) {
    // Lossless: the signature byte 2F, then width − 1 and height − 1 in 14 bits each, little-endian.
    if (bytes[20] !== 0x2f) return undefined
    const bits = bytes.readUInt32LE(21)
    return { type, width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 }
  }
  if (chunk === 'VP8X' && bytes.length >= 30) {
    // Extended: flags and reserved bytes, then the canvas width − 1 and height − 1 in 24 bits each.
    return { type, width: bytes.readUIntLE(24, 3) + 1, height: bytes.readUIntLE(27, 3) + 1 }
  }
  return undefined
}
