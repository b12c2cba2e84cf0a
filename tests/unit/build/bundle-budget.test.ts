import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp, FIRST_SCREEN_BUDGET, firstScreen, type FirstScreen } from '../../bench/first-screen'

/*
 * The first screen's download budget (HTML + the JS and CSS it needs, gzip). When this fails, the list of
 * files says what grew. The usual causes: a first-screen module (main.ts, App.vue, HomeView and what they
 * import) imports Vant, the '@/domain' barrel or '@/app/db' (zod), or any module that declares schemas; or
 * a module shared with a lazy screen, which comes whole to the first screen.
 */

let outDir: string
let screen: FirstScreen

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'doorstep-budget-'))
  await buildApp(outDir)
  screen = await firstScreen(outDir)
}, 120_000)

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true })
})

describe('the first screen', () => {
  it(`downloads at most ${FIRST_SCREEN_BUDGET / 1000} KB gzip`, () => {
    const listing = screen.files.map((f) => `${(f.gzip / 1000).toFixed(1).padStart(7)} KB  ${f.path}`).join('\n')
    expect(screen.gzip, `first screen, gzip:\n${listing}`).toBeLessThanOrEqual(FIRST_SCREEN_BUDGET)
  })

  it('is counted from index.html through its script, stylesheet and static imports', () => {
    // Guards the budget against passing vacuously: Vue and Dexie alone are more than 40 KB gzip.
    const js = screen.files.filter((f) => f.path.endsWith('.js'))
    expect(screen.files[0]?.path).toBe('index.html')
    expect(js.reduce((sum, f) => sum + f.gzip, 0)).toBeGreaterThan(40_000)
    expect(screen.files.some((f) => f.path.endsWith('.css'))).toBe(true)
  })
})

describe('the built app', () => {
  it('has a gzip and a brotli copy beside each text file of a kilobyte or more, with the same content', async () => {
    const names = await readdir(outDir, { recursive: true })
    const text = names.filter((name) => /\.(html|js|css|webmanifest|svg)$/.test(name))
    let checked = 0
    for (const name of text) {
      const source = await readFile(join(outDir, name))
      if (source.length < 1024) continue
      expect(names, name).toContain(`${name}.gz`)
      expect(names, name).toContain(`${name}.br`)
      expect(gunzipSync(await readFile(join(outDir, `${name}.gz`))).equals(source), name).toBe(true)
      expect(brotliDecompressSync(await readFile(join(outDir, `${name}.br`))).equals(source), name).toBe(true)
      checked++
    }
    // index.html, sw.js and the entry chunk at the least.
    expect(checked).toBeGreaterThan(3)
  })

  it('never lists the compressed copies in the service worker precache', async () => {
    const worker = await readFile(join(outDir, 'sw.js'), 'utf8')
    expect(worker).toContain('index.html')
    expect(worker).not.toMatch(/\.(gz|br)["']/)
  })
})
