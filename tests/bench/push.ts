import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page, Request } from 'playwright-core'
import { uuidv7, type Visit } from '@/domain'
import { launchPhone, type Phone } from '../e2e/browser'
import { DEMO_PASSWORD, startFieldServer, type FieldServer } from '../e2e/field-server'
import { signIn } from '../e2e/pages'
import { visitFields } from '../fixtures'
import { buildApp } from './first-screen'
import { count, kb, median, ratio, seconds, target, type Table } from './report'

/*
 * n) A phone's push of 10,000 visits, in Chromium (issue 9): where the users are, not Node over fake-indexeddb.
 * The built app and the real server (SQLite) on loopback; the leader signed in through the sign-in page. The
 * visits and their outbox entries, shaped as the app's repository writes them, go into the app's IndexedDB in
 * one transaction — that transaction is the baseline, timed in the same page — and the app is opened: it
 * syncs at start, as it does when a leader comes back into signal. Timed from the navigation to the outbox
 * empty (every answer settled in IndexedDB), and to the sync run's end (its pull done, 记录都已同步 shown).
 */

const VISITS = 10_000
const RUNS = 3
/** The aim: a push at least half the rate of one IndexedDB transaction putting the same rows. */
const TARGET_RATIO = 0.5
const MAX_REQUESTS = 40

interface Seeded {
  ms: number
  bytes: number
}

/** 10,000 new visits with their outbox entries (a put of every field, as a create writes), in one transaction. */
async function seed(page: Page, author: { userId: string; deviceId: string }): Promise<Seeded> {
  const at = Date.parse('2026-11-20T01:00:00.000Z')
  const visits: Visit[] = Array.from({ length: VISITS }, (_, i) => {
    const time = new Date(at + i * 1000).toISOString()
    const meta = { id: uuidv7(at + i * 1000), createdAt: time, updatedAt: time, createdBy: author.userId, deviceId: author.deviceId, rev: null, deletedAt: null, conflicts: [] }
    return { ...meta, ...visitFields({ visitedAt: time, needs: `第 ${i + 1} 户：想了解养老金年审，家里老人腿脚不便` }) }
  })
  const entries = visits.map((visit) => ({
    mutationId: uuidv7(),
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

/** The number of changes waiting in the app's outbox, read beside the app. */
const outboxSize = (page: Page) =>
  page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('doorstep')
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
    const size = await new Promise<number>((resolve) => {
      const request = db.transaction('outbox').objectStore('outbox').count()
      request.onsuccess = () => resolve(request.result)
    })
    db.close()
    return size
  })

export async function pushBenchmarks(report: (table: Table) => void): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'doorstep-push-bench-'))
  let server: FieldServer | undefined
  let phone: Phone | undefined
  try {
    console.log('building the app…')
    await buildApp(join(work, 'app'))
    server = await startFieldServer(join(work, 'app'))
    phone = await launchPhone()
    // See main.ts: functions sent to the page call tsx's `__name` helper.
    await phone.context.addInitScript('globalThis.__name = (fn) => fn')
    const page = await phone.context.newPage()
    await page.goto(server.url)
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

    /** One push of freshly seeded visits, the app opened at `path`: when the outbox empties, and when the run ends. */
    const traffic = { pushes: 0, pulls: 0, up: 0, json: 0 }
    const puts: number[] = []
    async function pushOnce(path: string): Promise<{ emptied: number; synced: number }> {
      const seeded = await seed(page, author)
      puts.push(seeded.ms)
      const requests = { pushes: 0, pulls: 0, up: 0, json: seeded.bytes }
      const tally = (request: Request) => {
        const route = new URL(request.url()).pathname
        if (route === '/api/v1/sync/push') {
          requests.pushes++
          requests.up += request.postDataBuffer()?.length ?? 0
        } else if (route === '/api/v1/sync/pull') requests.pulls++
      }
      page.on('request', tally)
      const started = performance.now()
      await page.goto(new URL(path, server!.url).href)
      // Polled from here: waitForFunction takes a promise for a truthy answer.
      while ((await outboxSize(page)) > 0) await new Promise((resolve) => setTimeout(resolve, 50))
      const emptied = performance.now() - started
      await page.getByText('记录都已同步').waitFor({ timeout: 300_000 })
      await page.locator('.sync-status__now:not([disabled])').waitFor({ timeout: 300_000 })
      const synced = performance.now() - started
      page.off('request', tally)
      Object.assign(traffic, requests)
      return { emptied, synced }
    }
    const onHome: Array<{ emptied: number; synced: number }> = []
    const onSettings: Array<{ emptied: number; synced: number }> = []
    for (let run = 0; run < RUNS; run++) {
      onHome.push(await pushOnce('/'))
      onSettings.push(await pushOnce('/settings'))
    }
    const { pushes, pulls, up: upBytes, json } = traffic
    const put = median(puts)
    const empty = median(onHome.map((r) => r.emptied))
    const all = median(onHome.map((r) => r.synced))
    const quietEmpty = median(onSettings.map((r) => r.emptied))
    const quietAll = median(onSettings.map((r) => r.synced))
    const rate = (ms: number) => `${count(VISITS / (ms / 1000))}/s`
    report({
      title: `n) A phone's push of ${count(VISITS)} visits, in Chromium (issue 9)`,
      about: `The built app and the real server (src/server, SQLite in a temp folder) on loopback, in Chromium with a profile on disk, 1× CPU; the leader signed in through the sign-in page. ${count(VISITS)} visits and their outbox entries, shaped as the app's repository writes them, are put into the app's IndexedDB in one transaction (the baseline, timed in the page), then the app is opened: it syncs at start, as when a leader walks back into signal. Timed from the navigation to the outbox empty (every answer settled in IndexedDB) and to the end of the sync run (its pull done, 记录都已同步 shown). Median of ${RUNS} runs on each screen, alternating, each with ${count(VISITS)} new visits; the baseline is the median of all seedings. The last run: ${pushes} push requests carrying ${kb(upBytes)} (the visits' JSON alone is ${kb(json)}; bodies of 2 KB or more go gzip), then ${pulls} pull requests.`,
      head: ['', 'median', 'visits/s', '÷ one transaction'],
      rows: [
        ['**app opened with the visits waiting, to the outbox empty**', `**${seconds(empty)}**`, rate(empty), ratio(empty / put)],
        ['… to the end of the sync run (pull included)', seconds(all), rate(all), ratio(all / put)],
        ['the app opened at 我的 instead (no list on screen), to the outbox empty', seconds(quietEmpty), rate(quietEmpty), ratio(quietEmpty / put)],
        ['… to the end of the sync run', seconds(quietAll), rate(quietAll), ratio(quietAll / put)],
        ['one IndexedDB transaction putting the visits and their outbox entries (baseline)', seconds(put), rate(put), ratio(1)],
      ],
      notes: [
        target(put / empty >= TARGET_RATIO, `a push at least ${TARGET_RATIO}× the rate of the one transaction (${(put / empty).toFixed(2)}×)`),
        target(pushes <= MAX_REQUESTS, `at most ${MAX_REQUESTS} push requests for ${count(VISITS)} visits (${pushes})`),
      ],
    })
  } finally {
    await phone?.close()
    await server?.close()
    await rm(work, { recursive: true, force: true })
  }
}
