import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CDPSession, Page, Request, Worker } from 'playwright-core'
import { uuidv7, type Visit } from '@/domain'
import { launchPhone, type Phone } from '../e2e/browser'
import { DEMO_PASSWORD, startFieldServer, type FieldServer } from '../e2e/field-server'
import { openUnderWorker, signIn } from '../e2e/pages'
import { buildApp } from './first-screen'
import { visitFields } from './sync'

/*
 * The set-up the Chromium sync benchmarks share (./push.ts, ./pull.ts, ./slow-link.ts, ./worker-push.ts): the
 * built app and the real server (SQLite) on loopback, a phone with a profile on disk whose service worker
 * controls the page, the leader signed in through the sign-in page; and the app's IndexedDB read and written
 * beside the app, through IndexedDB itself.
 */

/** `n` records scaled by BENCH_SCALE (say 0.1 for a quick try of a benchmark; the figures are for the full size). */
export const scaled = (n: number) => Math.round(n * Number(process.env.BENCH_SCALE ?? 1))

/** Who the phone's changes are from. */
export interface Author {
  userId: string
  deviceId: string
}

export interface Field {
  server: FieldServer
  phone: Phone
  /** The app, signed in as leader1 and synced once. */
  page: Page
  author: Author
}

/** Runs `work` in a fresh field, and tears it down however `work` ends. */
export async function inTheField(work: (field: Field) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'doorstep-field-bench-'))
  let server: FieldServer | undefined
  let phone: Phone | undefined
  try {
    console.log('building the app…')
    await buildApp(join(dir, 'app'))
    server = await startFieldServer(join(dir, 'app'))
    phone = await launchPhone()
    // See main.ts: functions sent to the page call tsx's `__name` helper.
    await phone.context.addInitScript('globalThis.__name = (fn) => fn')
    const page = await phone.context.newPage()
    await openUnderWorker(page, server.url)
    await signIn(page, 'leader1', DEMO_PASSWORD)
    await page.getByText('记录都已同步').waitFor({ timeout: 60_000 })
    const author = await page.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((resolve) => {
        const request = indexedDB.open('doorstep')
        request.onsuccess = () => resolve(request.result)
      })
      const get = (key: string) =>
        new Promise<string>((resolve) => {
          const request = db.transaction('meta').objectStore('meta').get(key)
          request.onsuccess = () => resolve(String(request.result?.value ?? ''))
        })
      const ids = { userId: await get('userId'), deviceId: await get('syncDeviceId') }
      db.close()
      return ids
    })
    await work({ server, phone, page, author })
  } finally {
    await phone?.close()
    await server?.close()
    await rm(dir, { recursive: true, force: true })
  }
}

/** Visits made by newVisits so far: each call's come after the last call's. */
let made = 0

/**
 * `count` new visits of the leader's, one a second from 2026-11-20 09:00 (China), after those of the calls before,
 * with the varied notes of the Node benchmarks (./sync.ts): text that compresses like real notes, not one
 * sentence repeated. As on a phone, a later save has a later id (UUIDv7): a run's visits sharing the seconds of an
 * earlier run's would interleave with them by id, which no phone's saves do, and settling would read them one by one.
 */
export function newVisits(count: number, author: Author): Visit[] {
  const at = Date.parse('2026-11-20T01:00:00.000Z') + made * 1000
  made += count
  return visitFields(count, 1).map((fields, i) => {
    const time = new Date(at + i * 1000).toISOString()
    // Saved lately (the phone keeps older visits only for as long as the community says), none to follow up.
    return { ...fields, id: uuidv7(at + i * 1000), createdAt: time, updatedAt: time, createdBy: author.userId, deviceId: author.deviceId, rev: null, deletedAt: null, conflicts: [], visitedAt: time, followUpOn: null }
  })
}

/** How long one IndexedDB transaction took to put `visits` and their outbox entries, and their JSON's length. */
export interface Seeded {
  ms: number
  bytes: number
}

/** `visits` with their outbox entries (a put of every field, as a create writes), in one transaction. */
export async function seedOutbox(page: Page, visits: Visit[]): Promise<Seeded> {
  const entries = visits.map((visit) => ({
    // As the repository writes a new record's first change: with the record's id (src/app/db/records.ts).
    mutationId: visit.id,
    table: 'visits',
    recordId: visit.id,
    baseRev: null,
    change: { kind: 'put', changed: Object.keys(visit).sort() },
    record: visit,
    createdAt: visit.updatedAt,
  }))
  const ms = await page.evaluate(async ({ visits, entries }) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('doorstep')
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
    const started = performance.now()
    const tx = db.transaction(['visits', 'outbox'], 'readwrite')
    for (const visit of visits) tx.objectStore('visits').put(visit)
    for (const entry of entries) tx.objectStore('outbox').add(entry)
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve
      tx.onerror = () => reject(tx.error)
    })
    const elapsed = performance.now() - started
    db.close()
    return elapsed
  }, { visits, entries })
  return { ms, bytes: JSON.stringify(visits).length }
}

/** How many records a store of the app's holds, or one of its meta values; read beside the app by `where` (a page or the worker). */
export const peek = (where: Pick<Page, 'evaluate'>, what: 'outbox' | 'visits' | 'lastSuccessAt') =>
  where.evaluate(async (what) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('doorstep')
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
    const counted = what !== 'lastSuccessAt'
    const value = await new Promise<string>((resolve) => {
      const request = counted ? db.transaction(what).objectStore(what).count() : db.transaction('meta').objectStore('meta').get(what)
      request.onsuccess = () => resolve(String(counted ? request.result : (request.result?.value ?? '')))
    })
    db.close()
    return value
  }, what)

/**
 * Resolves once the outbox is empty: read in the page every 10 ms over one connection. Read from here every 50 ms
 * (`until` and `peek`), the end of a push came up to 50 ms late, a twentieth of a push over Slow 4G.
 */
export const outboxEmptied = (where: Pick<Page, 'evaluate'>) =>
  where.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('doorstep')
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
    const deadline = performance.now() + 300_000
    try {
      for (;;) {
        const left = await new Promise<number>((resolve, reject) => {
          const request = db.transaction('outbox').objectStore('outbox').count()
          request.onsuccess = () => resolve(request.result)
          request.onerror = () => reject(request.error)
        })
        if (left === 0) return
        if (performance.now() > deadline) throw new Error('timed out: the outbox never emptied')
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    } finally {
      db.close()
    }
  })

/** Polls until `done` answers true (waitForFunction takes a promise for a truthy answer, not this). */
export async function until(done: () => Promise<boolean>, timeoutMs = 300_000): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!(await done())) {
    if (performance.now() > deadline) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Waits until the app says its run ended with everything synced (the status card of home and 我的). */
export async function untilSyncedOnScreen(page: Page): Promise<void> {
  await page.getByText('记录都已同步').waitFor({ timeout: 300_000 })
  await page.locator('.sync-status__now:not([disabled])').waitFor({ timeout: 300_000 })
}

/**
 * As on a phone after saves with no network: the network cut (the worker's too), a Background Sync registered
 * as the app registers it (src/app/sync/start.ts), every page closed; then the network back, when Chromium fires
 * the sync event at the worker (src/app/sw.ts). Answers the worker and when the network came back.
 */
export async function syncWithNoPage(phone: Phone, page: Page): Promise<{ worker: Worker; started: number }> {
  await phone.setOffline(true)
  await page.evaluate(async () => {
    const registration = (await navigator.serviceWorker.ready) as ServiceWorkerRegistration & { sync: { register(tag: string): Promise<void> } }
    await registration.sync.register('doorstep-sync')
  })
  // The profile's first tab (about:blank) too: no page at all.
  for (const open of phone.context.pages()) await open.close()
  const worker = phone.context.serviceWorkers()[0]
  if (!worker || phone.context.pages().length) throw new Error('the worker should be running with no page open')
  const started = performance.now()
  await phone.setOffline(false)
  return { worker, started }
}

/** The app opened again, its start-up run over. */
export async function reopen(phone: Phone, server: FieldServer): Promise<Page> {
  const page = await phone.context.newPage()
  await page.goto(server.url)
  // The app starts its first sync once its first screen is whole and the phone idle (src/app/main.ts), after the
  // screen already reads 记录都已同步: wait for that run's end, or it could end inside the next measurement.
  const before = await peek(page, 'lastSuccessAt')
  await until(async () => (await peek(page, 'lastSuccessAt')) !== before)
  await untilSyncedOnScreen(page)
  return page
}

/** The sync requests a page or the worker makes, from now on: how many, the push bodies' bytes, and how many failed. */
export function countRequests(on: Page) {
  const seen = { pushes: 0, pulls: 0, up: 0, failed: 0 }
  const isSync = (request: Request) => new URL(request.url()).pathname.startsWith('/api/v1/sync/')
  const tally = (request: Request) => {
    const route = new URL(request.url()).pathname
    if (route === '/api/v1/sync/push') {
      seen.pushes++
      seen.up += request.postDataBuffer()?.length ?? 0
    } else if (route === '/api/v1/sync/pull') seen.pulls++
  }
  const fail = (request: Request) => {
    if (isSync(request)) seen.failed++
  }
  on.on('request', tally)
  on.on('requestfailed', fail)
  return {
    seen,
    stop: () => {
      on.off('request', tally)
      on.off('requestfailed', fail)
    },
  }
}

/**
 * The page's network, cut or given back through the page's own DevTools session alone. Phone.setOffline
 * (tests/e2e/browser.ts) switches Playwright's emulation and then the page's: the first switch back already
 * fires `online` while the second still cuts the network, and the app's run, begun at once, failed and waited
 * out its backoff (seen: a request failed at 0.08 s, the next left at 9.7 s). One switch fires the event with
 * the network back.
 */
export type Signal = (on: boolean) => Promise<unknown>

/** The page's network as it is, no emulation. */
export const UNTHROTTLED = { offline: false, latency: 0, uploadThroughput: -1, downloadThroughput: -1 }

/** The page's signal through its DevTools session: cut, or given back as `conditions`. */
export const signalThrough =
  (devtools: CDPSession, conditions: typeof UNTHROTTLED = UNTHROTTLED): Signal =>
  (on) =>
    devtools.send('Network.emulateNetworkConditions', on ? conditions : { ...UNTHROTTLED, offline: true })

/** What shows once a screen's first reads of the visits have answered: home's worklist, 我的's points. */
const READ_ON_SCREEN = { '/': '.worklist-summary__counts, .worklist-summary__empty', '/settings': '.my-points' }

/** A screen the push is timed on. */
export type PushScreen = keyof typeof READ_ON_SCREEN

/** Failed runs to wait for before the signal comes back: the retry the last one armed is then 10–20 s away. */
const FAILED_RUNS = 3

/**
 * The app opened at `path` with no signal, its screen settled: the count waiting shown, the screen's reads of the
 * visits answered, and its start-up run failed offline and then its retries, until the next retry is further off
 * than a push lasts (one armed within the push would run again after it). Nothing else may push when the signal
 * comes back: the service worker would if a Background Sync were registered (the app registers one after a save,
 * and the seeding is none).
 */
export async function openedWithNoSignal({ page, server }: Field, signal: Signal, path: PushScreen, waiting: number): Promise<void> {
  let failed = 0
  const fail = (request: Request) => void (new URL(request.url()).pathname === '/api/v1/sync/push' && failed++)
  page.on('requestfailed', fail)
  try {
    await signal(false)
    await page.goto(new URL(path, server.url).href)
    // Opened under the service worker, Chromium cuts the page's network but says it is online: said again, it
    // says offline, and the signal's return fires `online`.
    await signal(false)
    if (await page.evaluate(() => navigator.onLine)) throw new Error('the page thinks it is online: the signal\'s return would not fire `online`')
    await page.locator('.sync-status__pending', { hasText: `${waiting} 条记录待同步` }).waitFor({ timeout: 300_000 })
    await page.locator(READ_ON_SCREEN[path]).first().waitFor({ timeout: 300_000 })
    await until(async () => failed >= FAILED_RUNS, 60_000)
    await page.locator('.sync-status__now:not([disabled])').waitFor({ timeout: 300_000 })
    await settle(page)
  } finally {
    page.off('requestfailed', fail)
  }
  const tags = await page.evaluate(async () => {
    const registration = (await navigator.serviceWorker.ready) as ServiceWorkerRegistration & { sync: { getTags(): Promise<string[]> } }
    return registration.sync.getTags()
  })
  if (tags.length) throw new Error(`a Background Sync is registered (${tags.join(', ')}): the worker would push, not the page`)
}

/** The page's next idle moment: the screen's renders are over. */
const settle = (page: Page) => page.evaluate(() => new Promise<void>((resolve) => requestIdleCallback(() => resolve(), { timeout: 5_000 })))

/** When the outbox emptied and when the run ended, in ms from the moment the push was timed from. */
export interface Timed {
  emptied: number
  synced: number
}

/** A push's figures, and its requests. */
export interface TimedPush extends Timed {
  seen: ReturnType<typeof countRequests>['seen']
}

/**
 * The visits waiting pushed with the app at `path`: timed from the signal's return to the screen settled with no
 * signal (the push as the issue times it, from the tap), or from the navigation to the app opened in signal (its
 * start inside; it syncs at start). `emptied` is called as the outbox empties, before the run's end is waited for.
 */
export async function timedPush(field: Field, signal: Signal, path: PushScreen, from: 'signal' | 'navigation', waiting: number, emptied?: (ms: number) => void): Promise<TimedPush> {
  const { page, server } = field
  if (from === 'signal') await openedWithNoSignal(field, signal, path, waiting)
  else await signal(true)
  const requests = countRequests(page)
  const started = performance.now()
  // The app starts its run itself when the signal comes back (the window's `online`, src/app/sync/triggers.ts).
  if (from === 'signal') await signal(true)
  else await page.goto(new URL(path, server.url).href)
  await outboxEmptied(page)
  const outboxEmpty = performance.now() - started
  emptied?.(outboxEmpty)
  await untilSyncedOnScreen(page)
  const synced = performance.now() - started
  requests.stop()
  if (requests.seen.failed) throw new Error(`${requests.seen.failed} sync requests failed: the network was not back`)
  if (requests.seen.pushes === 0) throw new Error('the page made no push request: something else pushed')
  return { emptied: outboxEmpty, synced, seen: requests.seen }
}
