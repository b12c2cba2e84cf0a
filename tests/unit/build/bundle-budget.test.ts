import { createHash } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, posix } from 'node:path'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { Window } from 'happy-dom'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import frameWords from '@/app/i18n/frame'
import homeWords from '@/app/features/home/messages'
import accountWords from '@/app/features/session/account-messages'
import { ANSWER_PATH } from '@/app/features/canvass-link/public-path'
import sessionWords from '@/app/features/session/messages'
import { CONTENT_SECURITY_POLICY } from '@/server/static'
import { buildApp, buildPage, FIRST_SCREEN_BUDGET, firstScreen, FLOOR_DIR, FLOOR_TIMES_BUDGET, staticImports, type FirstScreen } from '../../bench/first-screen'

/*
 * The first screen's download budget (HTML + the JS and CSS it needs, gzip). When this fails, the list of
 * files says what grew. The usual causes: a first-screen module (main.ts, App.vue, HomeView and what they
 * import) imports Vant, the '@/domain' barrel or '@/app/db' (zod), or any module that declares schemas; or
 * a module shared with a lazy screen, which comes whole to the first screen.
 */

/**
 * What the first screen came down to: 101.3 KB gzip on 2026-12-07 (1.47× the framework floor), with 0.7 KB to
 * spare. The issue's budget is 110 KB and 1.5× the floor; growing back past this is a choice to make, and to
 * write down in docs/where-the-time-goes.md (target a).
 */
const FIRST_SCREEN_REACHED = 102_000

let outDir: string
let floorDir: string
let screen: FirstScreen
let floor: FirstScreen
let html: string

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'doorstep-budget-'))
  floorDir = await mkdtemp(join(tmpdir(), 'doorstep-floor-'))
  await buildApp(outDir)
  await buildPage(FLOOR_DIR, floorDir)
  screen = await firstScreen(outDir)
  floor = await firstScreen(floorDir)
  html = await readFile(join(outDir, 'index.html'), 'utf8')
}, 120_000)

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true })
  if (floorDir) await rm(floorDir, { recursive: true, force: true })
})

const listing = (s: FirstScreen) => s.files.map((f) => `${(f.gzip / 1000).toFixed(1).padStart(7)} KB  ${f.path}`).join('\n')

describe('the first screen', () => {
  it(`downloads at most ${FIRST_SCREEN_REACHED / 1000} KB gzip, within the issue's ${FIRST_SCREEN_BUDGET / 1000} KB`, () => {
    expect(screen.gzip, `first screen, gzip:\n${listing(screen)}`).toBeLessThanOrEqual(FIRST_SCREEN_REACHED)
  })

  // 1.58× (108.8 KB) before vue-i18n's components, the other screens' shared words and home's drafts left it.
  it(`downloads at most ${FLOOR_TIMES_BUDGET}× the framework floor (vue, pinia, dexie, vue-router and workbox-window in use)`, () => {
    const times = screen.gzip / floor.gzip
    expect(times, `first screen, gzip:\n${listing(screen)}\nfloor: ${floor.gzip} B`).toBeLessThanOrEqual(FLOOR_TIMES_BUDGET)
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

  it("opens the visits list with at most 15 scripts beyond the first screen's: Vant's core and the lists' parts are one chunk each", async () => {
    // Each is a link appended in the task that starts the screen and a request through the service worker before
    // it renders (docs/where-the-time-goes.md, the visits list from a cold start): 25 before the two chunks.
    const onFirstScreen = new Set(screen.files.map((f) => f.path))
    const scripts = new Set<string>()
    const follow = async (path: string) => {
      if (scripts.has(path) || onFirstScreen.has(path)) return
      scripts.add(path)
      for (const specifier of staticImports(await readFile(join(outDir, path), 'utf8'))) await follow(posix.join(posix.dirname(path), specifier))
    }
    const list = (await readdir(join(outDir, 'assets'))).find((name) => /^VisitList-[\w-]+\.js$/.test(name))!
    await follow(`assets/${list}`)
    expect(scripts.size, [...scripts].join('\n')).toBeLessThanOrEqual(15)
    expect([...scripts].some((path) => /\/vant-[\w-]+\.js$/.test(path))).toBe(true)
  })
})

describe('the first paint, from index.html alone', () => {
  const inlineScripts = () => [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((match) => match[1]!)

  /**
   * What the shell's script sets on <html> at `path`, with `stored` in localStorage; `installed`: a service worker
   * controls the page. `asked` collects what it asked of IndexedDB.
   */
  function shellScript(path: string, stored: Record<string, string>, { installed = false, asked = [] as string[] } = {}): Record<string, string> {
    const dataset: Record<string, string> = {}
    const localStorage = { getItem: (key: string) => stored[key] ?? null }
    // The app's start, after the first paint, is left out: the browser test runs it (tests/e2e/first-paint.test.ts).
    const addEventListener = () => {}
    const indexedDB = new Proxy({}, { get: (_, name: string) => () => (asked.push(name), Promise.resolve([])) })
    new Function('localStorage', 'location', 'document', 'addEventListener', 'navigator', 'indexedDB', inlineScripts()[0]!)(
      localStorage,
      { pathname: path },
      { documentElement: { dataset } },
      addEventListener,
      { serviceWorker: { controller: installed ? {} : null } },
      indexedDB,
    )
    return dataset
  }

  it('runs one inline script, which the content security policy allows by its hash', () => {
    const scripts = inlineScripts()
    expect(scripts).toHaveLength(1)
    expect(CONTENT_SECURITY_POLICY).toContain(`'sha256-${createHash('sha256').update(scripts[0]!).digest('base64')}'`)
  })

  it("picks the shell's frame from the hint the app left, and the text size from the preferences", () => {
    const large = JSON.stringify({ locale: 'zh-CN', textSize: 'large' })
    expect(shellScript('/', {})).toEqual({ shell: 'signed-out' })
    expect(shellScript('/', { 'doorstep.shell': 'signed-in', 'doorstep.preferences': large })).toEqual({ shell: 'signed-in', textSize: 'large' })
    expect(shellScript('/', { 'doorstep.shell': 'off' })).toEqual({ shell: 'off' })
    expect(shellScript('/office', {})).toEqual({ shell: 'off' })
    expect(shellScript('/visits', { 'doorstep.shell': 'signed-out', 'doorstep.preferences': large })).toEqual({ shell: 'off', textSize: 'large' })
    // An installed app with no hint ran an earlier release, and may open on its PIN: no frame.
    expect(shellScript('/', {}, { installed: true })).toEqual({ shell: 'off' })
    expect(shellScript('/', { 'doorstep.shell': 'signed-in' }, { installed: true })).toEqual({ shell: 'signed-in' })
    // The frame's words are Chinese: none for a leader who reads English.
    expect(shellScript('/', { 'doorstep.shell': 'signed-in', 'doorstep.preferences': JSON.stringify({ locale: 'en' }) })).toEqual({ shell: 'off' })
  })

  // The browser binds IndexedDB's storage to the page tens of ms after a first request: asked here, that overlaps
  // the fetch of the app's entry rather than following its evaluation. Never an open: on a new phone, an open
  // without a version would create an empty database the app's own open then has to upgrade.
  it("asks IndexedDB for its databases' names before the app's entry is fetched, except on an owner's answer page", () => {
    for (const path of ['/', '/visits', '/settings']) {
      const asked: string[] = []
      shellScript(path, {}, { asked })
      expect(asked, path).toEqual(['databases'])
    }
    const asked: string[] = []
    shellScript(`${ANSWER_PATH}some-token`, {}, { asked })
    expect(asked).toEqual([])
  })

  it("holds home's largest text (Lighthouse's LCP element, the sign-in banner) and the rest of its frame, in the app's Chinese", () => {
    const zh = { ...frameWords['zh-CN'], ...homeWords['zh-CN'], session: { ...sessionWords['zh-CN'].session, ...accountWords['zh-CN'].session } }
    const doc = new new Window().DOMParser().parseFromString(html, 'text/html')
    const shell = doc.querySelector('.app-shell')!
    const texts = (selector: string) => [...shell.querySelectorAll(selector)].map((el) => [el.getAttribute('href'), el.textContent])
    expect(shell.querySelector('h1')?.textContent).toBe(zh.app.name)
    expect(shell.querySelector('.sync-status')?.getAttribute('aria-label')).toBe(zh.session.settings.title)
    expect(shell.querySelector('.sync-status__banner span')?.textContent).toBe(zh.session.banner.notSignedIn)
    expect(texts('.sync-status__link')).toEqual([['/signin', zh.session.banner.signIn]])
    expect(shell.querySelector('.home__actions')?.getAttribute('aria-label')).toBe(zh.home.actions)
    const { visit, issue, inspection, buildings } = zh.home.action
    expect(texts('.home__action')).toEqual([['/visits/new', visit], ['/issues/new', issue], ['/inspections/new', inspection], ['/buildings', buildings]])
    expect(shell.querySelector('.app-tabbar')?.getAttribute('aria-label')).toBe(zh.nav.main)
    const { home, visits, issues, inspections, settings } = zh.nav
    expect(texts('.app-tabbar__item')).toEqual([['/', home], ['/visits', visits], ['/issues', issues], ['/inspections', inspections], ['/settings', settings]])
    // Painted before any of the app's code is fetched or runs: the HTML names no script but the shell's own,
    // which adds the app's entry after the first paint; nothing is preloaded.
    expect(doc.querySelectorAll('script[src], link[rel="modulepreload"]')).toHaveLength(0)
    expect([...doc.querySelectorAll('meta[name="app-entry"]')].map((el) => el.getAttribute('content'))).toEqual([
      expect.stringMatching(/^\/assets\/index-[\w-]+\.js$/),
    ])
  })
})
