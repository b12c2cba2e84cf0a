import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { manifestScreenshots } from '../../../scripts/vite-screenshots'

/** The start of a PNG file: its signature and IHDR chunk, which is all the sizes are read from. */
function pngHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(8)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), Buffer.from('IHDR'), ihdr])
}

let dir = ''
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('the manifest screenshots', () => {
  it('lists the PNGs present, in name order, with their sizes and a form factor from their shape', async () => {
    dir = await mkdtemp(join(tmpdir(), 'doorstep-shots-'))
    await writeFile(join(dir, '2-visits.png'), pngHeader(1170, 2532))
    await writeFile(join(dir, '1-home.png'), pngHeader(1170, 2532))
    await writeFile(join(dir, '3-office.png'), pngHeader(1920, 1080))
    await writeFile(join(dir, 'notes.md'), 'not a screenshot')

    expect(manifestScreenshots(dir).screenshots).toEqual([
      { src: 'screenshots/1-home.png', sizes: '1170x2532', type: 'image/png', form_factor: 'narrow' },
      { src: 'screenshots/2-visits.png', sizes: '1170x2532', type: 'image/png', form_factor: 'narrow' },
      { src: 'screenshots/3-office.png', sizes: '1920x1080', type: 'image/png', form_factor: 'wide' },
    ])
  })

  it('lists none when there are no screenshots yet', () => {
    expect(manifestScreenshots(join(tmpdir(), 'doorstep-no-such-folder')).screenshots).toEqual([])
  })
})
