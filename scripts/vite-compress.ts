import { readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { brotliCompress, constants, gzip } from 'node:zlib'
import type { Plugin } from 'vite'

/**
 * Writes a gzip (.gz) and a brotli (.br) copy beside each text file of the build, at the strongest settings,
 * once: the server sends them as they are (@fastify/static `preCompressed`) instead of compressing the same
 * files on every request. The service worker's precache globs name the originals only, so the copies never
 * enter it; the browser decodes what it fetched before it caches it.
 */

const TEXT = /\.(html|js|mjs|css|json|map|webmanifest|txt|svg)$/
/** Below this, the compressed copy would save less than its header and a lookup cost. */
const MIN_BYTES = 1024

const gzipAsync = promisify(gzip)
const brotliAsync = promisify(brotliCompress)

/** The copies for every text file under `dir`; a copy that would not be smaller is not written. */
export async function precompressFiles(dir: string): Promise<string[]> {
  const written: string[] = []
  const names = (await readdir(dir, { recursive: true })).filter((name) => TEXT.test(name))
  for (const name of names) {
    const path = join(dir, name)
    if ((await stat(path)).size < MIN_BYTES) continue
    const source = await readFile(path)
    const copies = {
      gz: await gzipAsync(source, { level: constants.Z_BEST_COMPRESSION }),
      br: await brotliAsync(source, {
        params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: source.length },
      }),
    }
    for (const [extension, bytes] of Object.entries(copies)) {
      if (bytes.length >= source.length) continue
      await writeFile(`${path}.${extension}`, bytes)
      written.push(`${name}.${extension}`)
    }
  }
  return written
}

/** The build step: runs after every other plugin has written its files (the service worker among them). */
export function precompress(): Plugin {
  let outDir = ''
  return {
    name: 'doorstep:precompress',
    apply: 'build',
    configResolved(config) {
      outDir = resolve(config.root, config.build.outDir)
    },
    closeBundle: {
      order: 'post',
      sequential: true,
      async handler() {
        await precompressFiles(outDir)
      },
    },
  }
}
