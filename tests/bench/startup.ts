import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { launch } from 'chrome-launcher'
import lighthouse from 'lighthouse'
import type { Page } from 'playwright-core'
import { CHROMIUM_ARGS, CHROMIUM_PATH, type Phone } from '../e2e/browser'
import { startFieldServer, type FieldServer } from '../e2e/field-server'
import { median, ms, ratio, seconds, target, type Table } from './report'
import { install, rowsShown, watchRows } from './watch'

/*
 * Starting the app as a phone does: i) cold, the first visit, with Lighthouse's mobile settings; j) warm
 * and offline, from the service worker. Both against the real server (src/server, as `npm start` runs it).
 */

const LIGHTHOUSE_RUNS = 3
const WARM_RUNS = 5
/** The static page of the cold-load baseline, written beside the app. */
const STATIC_PAGE = 'bench-static.html'
/**
 * The home screen showing data: the worklist's top once its IndexedDB query has answered (its link to the
 * whole worklist comes with the answer).
 */
const HOME_DATA = 'section[aria-labelledby="home-worklist"] a'
/** A file the service worker precaches, opened as a document: the static page it serves. */
const PRECACHED_FILE = 'icon.svg'

interface Lighthouse {
  lcp: number
  /** Total blocking time, where the score is lost. */
  tbt: number
  performance: number
  accessibility: number
}

/**
 * Lighthouse's default (mobile) run: a fresh profile state, simulated Slow 4G and 4× CPU slowdown, in
 * Debian's Chromium with the flags the other browser checks use. Medians of `LIGHTHOUSE_RUNS` runs.
 */
async function audit(port: number, url: string): Promise<Lighthouse> {
  const runs: Lighthouse[] = []
  for (let i = 0, retries = 0; i < LIGHTHOUSE_RUNS; i++) {
    const result = await lighthouse(url, { port, logLevel: 'error', output: 'json', onlyCategories: ['performance', 'accessibility'] })
    if (!result) throw new Error(`Lighthouse gave no result for ${url}`)
    const { audits, categories, runtimeError } = result.lhr
    // On a loaded machine the trace sometimes misses the navigation's start; Lighthouse asks for another run.
    if (runtimeError?.code === 'NO_NAVSTART' && retries++ < LIGHTHOUSE_RUNS) {
      i--
      continue
    }
    if (runtimeError) throw new Error(`Lighthouse on ${url}: ${runtimeError.code} ${runtimeError.message}`)
    const score = (id: string) => Math.round((categories[id]?.score ?? Number.NaN) * 100)
    // DOORSTEP_BENCH_LHR=<folder> keeps each run's report, for its long tasks and their scripts.
    const keep = process.env.DOORSTEP_BENCH_LHR
    if (keep) await writeFile(join(keep, `lighthouse-${new URL(url).pathname.replaceAll('/', '_')}-${i + 1}.json`), JSON.stringify(result.lhr))
    const run = { lcp: audits['largest-contentful-paint']!.numericValue!, tbt: audits['total-blocking-time']!.numericValue!, performance: score('performance'), accessibility: score('accessibility') }
    // Each run, for the spread: single runs vary with the machine's load.
    console.log(`Lighthouse ${url} run ${i + 1}: performance ${run.performance}, LCP ${seconds(run.lcp)}, TBT ${ms(run.tbt)}`)
    runs.push(run)
  }
  return {
    lcp: median(runs.map((r) => r.lcp)),
    tbt: median(runs.map((r) => r.tbt)),
    performance: median(runs.map((r) => r.performance)),
    accessibility: median(runs.map((r) => r.accessibility)),
  }
}

async function coldLoad(server: FieldServer): Promise<Table> {
  const chrome = await launch({ chromePath: CHROMIUM_PATH, chromeFlags: CHROMIUM_ARGS })
  let app: Lighthouse
  let bare: Lighthouse
  try {
    app = await audit(chrome.port, server.url)
    bare = await audit(chrome.port, new URL(STATIC_PAGE, server.url).href)
  } finally {
    chrome.kill()
  }
  const row = (name: string, r: Lighthouse) => [name, seconds(r.lcp), ratio(r.lcp / bare.lcp), ms(r.tbt), String(r.performance), String(r.accessibility)]
  return {
    title: 'i) Cold load on a mid-range phone (Lighthouse, mobile)',
    about: `Lighthouse ${lighthouseVersion} with its default mobile settings (simulated Slow 4G: 150 ms round trip, 1.6 Mbit/s; 4× CPU slowdown; storage cleared before each run) in Debian's Chromium, against the built app served by the real server (src/server, SQLite, demo community) on loopback. Median of ${LIGHTHOUSE_RUNS} runs each. Baseline: a one-line static HTML page served by the same server.`,
    head: ['', 'LCP', '÷ static page', 'total blocking time', 'performance', 'accessibility'],
    rows: [row('app, first visit to /', app), row('one-line static page (baseline)', bare)],
    notes: [
      target(app.lcp <= 1500, `LCP at most 1.5 s (${seconds(app.lcp)})`),
      target(app.performance >= 95, `performance score at least 95 (${app.performance})`),
    ],
  }
}

const lighthouseVersion: string = (await import('lighthouse/package.json', { with: { type: 'json' } })).default.version

/** Page-clock times of the current document: DOMContentLoaded and the load event. */
const navigationTimes = (page: Page) =>
  page.evaluate(() => {
    const [entry] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[]
    return { ready: entry!.domContentLoadedEventEnd, load: entry!.loadEventEnd }
  })

async function warmStart(phone: Phone, server: FieldServer): Promise<Table> {
  const page = await phone.context.newPage()
  const cdp = await phone.context.newCDPSession(page)
  const controlled = await install(page, server.url)
  await watchRows(page, HOME_DATA)
  // Offline for the page and for the worker: Playwright's offline mode does not cover the worker's fetches.
  server.setReachable(false)
  await phone.setOffline(true)
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 })
  const shown: number[] = []
  const ready: number[] = []
  const bare: number[] = []
  let fromWorker = true
  try {
    for (let i = 0; i < WARM_RUNS + 1; i++) {
      const reload = await page.reload({ waitUntil: 'commit' })
      const shownAt = await rowsShown(page)
      await page.waitForLoadState('load')
      const app = await navigationTimes(page)
      const file = await page.goto(new URL(PRECACHED_FILE, server.url).href, { waitUntil: 'load' })
      const fileTimes = await navigationTimes(page)
      fromWorker &&= Boolean(reload?.fromServiceWorker() && file?.fromServiceWorker())
      await page.goto(server.url)
      if (i === 0) continue // the first round warms caches after the throttling change
      shown.push(shownAt)
      ready.push(app.ready)
      bare.push(fileTimes.load)
    }
  } finally {
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 })
    await phone.setOffline(false)
    server.setReachable(true)
    await page.close()
  }
  const m = { shown: median(shown), ready: median(ready), bare: median(bare) }
  return {
    title: 'j) Warm start offline, from the service worker',
    about: `The app installed in Chromium with a profile on disk (service worker ${controlled ? 'controlling the page' : 'NOT controlling the page'}, demo community in IndexedDB), then the network cut for the page and the worker (the server refuses connections) and the CPU slowed 4× (CDP Emulation.setCPUThrottlingRate). The home screen reloaded; "showing data" is the frame after the follow-ups section shows the answer of its IndexedDB query (a row, or its "nothing due" line), on the page's clock from navigation start. ${fromWorker ? 'Every measured navigation was answered by the service worker.' : '**Some navigation was NOT answered by the service worker.**'} Median of ${WARM_RUNS} runs after one warm-up. Baseline: a static file the worker precaches (/${PRECACHED_FILE}) opened as a page in the same runs, to its load event.`,
    head: ['', 'median', '÷ static page'],
    rows: [
      ['app reloaded at /, to the home screen showing data', ms(m.shown), ratio(m.shown / m.bare)],
      ['of which: to DOMContentLoaded (the HTML parsed; the app\'s script runs after the shell\'s first paint)', ms(m.ready), ratio(m.ready / m.bare)],
      [`static /${PRECACHED_FILE} from the worker, to load (baseline)`, ms(m.bare), ratio(1)],
    ],
    notes: [target(m.shown <= 1000, `home screen showing data within 1.0 s offline at 4× CPU (${ms(m.shown)})`)],
  }
}

/**
 * Benchmarks i–j, part of the browser group: the real server on loopback serving the build in `appDir`
 * (plus a one-line static page), Lighthouse in its own Chromium, then the warm start on `phone`.
 */
export async function startupBenchmarks(appDir: string, phone: Phone, report: (table: Table) => void): Promise<void> {
  await writeFile(join(appDir, STATIC_PAGE), '<!doctype html><html lang="en"><title>Static</title><p>A static page.</p></html>\n')
  const server = await startFieldServer(appDir)
  try {
    report(await coldLoad(server))
    report(await warmStart(phone, server))
  } finally {
    await server.close()
  }
}
