import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Plugin } from 'vite'
import type { ManifestScreenshot } from '../src/app/pwa/manifest.ts'

/** Where the built app serves the screenshots; left out of the precache (large, and never shown by the app). */
export const SCREENSHOTS_PATH = 'screenshots'

/** Width and height from a PNG's IHDR chunk, which always follows the 8-byte signature. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) }
}

/**
 * The phone screenshots in `dir` (docs/screenshots/, made by the browser suite and shown in the README)
 * are also the manifest's screenshots, which Chrome shows in its richer install dialog. They are copied
 * into the build, and only the PNGs present are listed, so that a build without them still installs.
 */
export function manifestScreenshots(dir: string): { screenshots: ManifestScreenshot[]; plugin: Plugin } {
  const files = existsSync(dir) ? readdirSync(dir).filter((name) => name.endsWith('.png')).sort() : []
  const images = files.map((name) => ({ name, bytes: readFileSync(join(dir, name)) }))
  return {
    screenshots: images.map(({ name, bytes }) => {
      const { width, height } = pngSize(bytes)
      return { src: `${SCREENSHOTS_PATH}/${name}`, sizes: `${width}x${height}`, type: 'image/png', form_factor: width < height ? 'narrow' : 'wide' }
    }),
    plugin: {
      name: 'doorstep:manifest-screenshots',
      apply: 'build',
      generateBundle() {
        for (const { name, bytes } of images) this.emitFile({ type: 'asset', fileName: `${SCREENSHOTS_PATH}/${name}`, source: bytes })
      },
    },
  }
}
