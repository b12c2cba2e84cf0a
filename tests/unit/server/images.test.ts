import { randomBytes } from 'node:crypto'
import sharp from 'sharp'
import { describe, expect, it } from 'vitest'
import { checkImage } from '@/server/images'
import { JPEG_1x1, png, PNG_192, WEBP_LOSSLESS_1x1, WEBP_LOSSY_1x1 } from '../../fixtures/images'

/** A baseline JPEG header (APP0, then SOF0) of `width`×`height`: everything a header sniffer reads, and no image. */
function jpegHeader(width: number, height: number): Buffer {
  const app0 = Buffer.from('ffe000104a46494600010101004800480000', 'hex')
  const sof0 = Buffer.alloc(19)
  sof0.set([0xff, 0xc0, 0x00, 0x11, 0x08])
  sof0.writeUInt16BE(height, 5)
  sof0.writeUInt16BE(width, 7)
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof0])
}

describe('checkImage', () => {
  it.each([
    ['a progressive JPEG', JPEG_1x1, { type: 'image/jpeg', width: 1, height: 1 }],
    ['a PNG', PNG_192, { type: 'image/png', width: 192, height: 192 }],
    ['a lossy WebP', WEBP_LOSSY_1x1, { type: 'image/webp', width: 1, height: 1 }],
    ['a lossless WebP', WEBP_LOSSLESS_1x1, { type: 'image/webp', width: 1, height: 1 }],
  ])('decodes %s and reads its type and size', async (_name, bytes, image) => {
    expect(await checkImage(bytes)).toEqual({ ok: true, image })
  })

  it('decodes a photo-sized JPEG such as the phones send', async () => {
    const photo = await sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#8a6' } }).jpeg({ quality: 80 }).toBuffer()
    expect(await checkImage(photo)).toEqual({ ok: true, image: { type: 'image/jpeg', width: 1600, height: 1200 } })
  })

  it.each([
    ['a valid JPEG header followed by 4 MB of noise', Buffer.concat([jpegHeader(1600, 1200), randomBytes(4_000_000)])],
    ['a valid PNG header followed by noise', Buffer.concat([PNG_192.subarray(0, 33), randomBytes(200_000)])],
    ['a whole 1×1 JPEG with 1 MB of noise after it', Buffer.concat([JPEG_1x1, randomBytes(1_000_000)])],
    ['a JPEG cut short', JPEG_1x1.subarray(0, JPEG_1x1.length - 40)],
    ['text', Buffer.from('hello, this is not an image at all')],
    ['a GIF', Buffer.from('GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;', 'latin1')],
    ['an SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')],
    ['an empty file', Buffer.alloc(0)],
  ])('refuses %s as not an image', async (_name, bytes) => {
    expect(await checkImage(bytes)).toEqual({ ok: false, reason: 'not_an_image' })
  })

  it('refuses an image over 1600 px on a side as too large, from its header', async () => {
    expect(await checkImage(png(2000, 4))).toEqual({ ok: false, reason: 'too_large' })
  })
})
