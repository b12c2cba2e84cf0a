import { describe, expect, it } from 'vitest'
import { readImageInfo } from '@/server/images'
import { JPEG_1x1, PNG_192, WEBP_LOSSLESS_1x1, WEBP_LOSSY_1x1 } from '../../fixtures/images'

/** An extended WebP (VP8X) header for a canvas of `width`×`height`. */
function webpExtended(width: number, height: number): Buffer {
  const bytes = Buffer.alloc(30)
  bytes.write('RIFF', 0, 'latin1')
  bytes.writeUInt32LE(22, 4)
  bytes.write('WEBPVP8X', 8, 'latin1')
  bytes.writeUInt32LE(10, 16)
  bytes.writeUIntLE(width - 1, 24, 3)
  bytes.writeUIntLE(height - 1, 27, 3)
  return bytes
}

/** A baseline JPEG header (APP0, then SOF0) of `width`×`height`, with 0xFF fill bytes before the frame marker. */
function jpegBaseline(width: number, height: number): Buffer {
  const app0 = Buffer.from('ffe000104a46494600010101004800480000', 'hex')
  const sof0 = Buffer.alloc(19)
  sof0.set([0xff, 0xff, 0xff, 0xc0, 0x00, 0x11, 0x08])
  sof0.writeUInt16BE(height, 7)
  sof0.writeUInt16BE(width, 9)
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof0])
}

describe('readImageInfo', () => {
  it.each([
    ['a progressive JPEG', JPEG_1x1, { type: 'image/jpeg', width: 1, height: 1 }],
    ['a baseline JPEG', jpegBaseline(1600, 1200), { type: 'image/jpeg', width: 1600, height: 1200 }],
    ['a PNG', PNG_192, { type: 'image/png', width: 192, height: 192 }],
    ['a lossy WebP', WEBP_LOSSY_1x1, { type: 'image/webp', width: 1, height: 1 }],
    ['a lossless WebP', WEBP_LOSSLESS_1x1, { type: 'image/webp', width: 1, height: 1 }],
    ['an extended WebP', webpExtended(1200, 900), { type: 'image/webp', width: 1200, height: 900 }],
  ])('reads the type and size of %s from its header', (_name, bytes, info) => {
    expect(readImageInfo(bytes)).toEqual(info)
  })

  it.each([
    ['text', Buffer.from('hello, this is not an image at all')],
    ['a GIF', Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00', 'latin1')],
    ['an SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')],
    ['a JPEG cut before its frame header', JPEG_1x1.subarray(0, 20)],
    ['a PNG whose first chunk is not IHDR', Buffer.concat([PNG_192.subarray(0, 12), Buffer.from('tEXt'), PNG_192.subarray(16, 30)])],
    ['a WebP with an unknown chunk', Buffer.concat([WEBP_LOSSY_1x1.subarray(0, 12), Buffer.from('XXXX'), WEBP_LOSSY_1x1.subarray(16)])],
    ['an empty file', Buffer.alloc(0)],
    ['a PNG of zero width', (() => { const b = Buffer.from(PNG_192); b.writeUInt32BE(0, 16); return b })()],
  ])('refuses %s', (_name, bytes) => {
    expect(readImageInfo(bytes)).toBeUndefined()
  })
})
