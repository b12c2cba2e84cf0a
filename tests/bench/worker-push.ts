import type { Page } from 'playwright-core'
import { inTheField, newVisits, outboxEmptied, peek, reopen, scaled, seedOutbox, syncWithNoPage, until, untilSyncedOnScreen, type Field, type Timed } from './field'
import { count, median, ratio, seconds, target, type Table } from './report'

/*
 * q) The push of n), run by the service worker with no page open (issue 9). As a leader's phone does it: visits
 * saved with no network register a Background Sync (src/app/sync/start.ts), the leader closes the app, the
 * network comes back and Chromium fires the sync event at the worker (src/app/sw.ts), which runs the same engine.
 * Timed from the network's return to the outbox empty and to the run's end, read in the worker. Beside it, in
 * the same run: the same push by the app opened at 我的, and the baseline of n), one IndexedDB transaction.
 */

const VISITS = scaled(10_000)
const RUNS = 3
const TARGET_RATIO = 0.5

/** The worker's push of what waits in the outbox: every page closed, a Background Sync, the network back. */
async function workerPush({ phone, server }: Field, page: Page): Promise<Timed & { page: Page }> {
  const before = await peek(page, 'lastSuccessAt')
  const { worker, started } = await syncWithNoPage(phone, page)
  await outboxEmptied(worker)
  const emptied = performance.now() - started
  await until(async () => (await peek(worker, 'lastSuccessAt')) !== before)
  const synced = performance.now() - started
  return { emptied, synced, page: await reopen(phone, server) }
}

export async function workerPushBenchmarks(report: (table: Table) => void): Promise<void> {
  await inTheField(async (field) => {
    const { server, author } = field
    let page = field.page
    const puts: number[] = []
    const worker: Array<{ emptied: number; synced: number }> = []
    const app: Array<{ emptied: number; synced: number }> = []
    for (let run = 0; run < RUNS; run++) {
      puts.push((await seedOutbox(page, newVisits(VISITS, author))).ms)
      const ran = await workerPush(field, page)
      page = ran.page
      worker.push(ran)

      puts.push((await seedOutbox(page, newVisits(VISITS, author))).ms)
      const started = performance.now()
      await page.goto(new URL('/settings', server.url).href)
      await outboxEmptied(page)
      const emptied = performance.now() - started
      await untilSyncedOnScreen(page)
      app.push({ emptied, synced: performance.now() - started })
    }
    const put = median(puts)
    const row = (name: string, ms: number) => [name, seconds(ms), `${count(VISITS / (ms / 1000))}/s`, ratio(ms / put)]
    const workerEmptied = median(worker.map((r) => r.emptied))
    report({
      title: `q) The push of ${count(VISITS)} visits by the service worker, no page open (issue 9)`,
      about: `The field of n) (the built app under its service worker, the real server on loopback, Chromium with a profile on disk, leader1 signed in). ${count(VISITS)} visits and their outbox entries are put into the app's IndexedDB in one transaction (the baseline), then, as after saves with no network: the network cut (Playwright's offline switch, the worker included), a Background Sync registered by the page as the app does (src/app/sync/start.ts), every page closed, the network back. Chromium fires the sync event at the worker (src/app/sw.ts), which runs the app's engine; timed from the network's return to the outbox empty and to the run's end (lastSuccessAt written), read in the worker through IndexedDB. Alternating with the same push by the app opened at 我的 (timed from the navigation). Median of ${RUNS} runs each, ${count(VISITS)} new visits each time.`,
      head: ['', 'median', 'visits/s', '÷ one transaction'],
      rows: [
        row('**the service worker, no page open: to the outbox empty**', workerEmptied),
        row('… to the end of its run (pull included)', median(worker.map((r) => r.synced))),
        row('the app opened at 我的: to the outbox empty', median(app.map((r) => r.emptied))),
        row('… to the end of its run', median(app.map((r) => r.synced))),
        row('one IndexedDB transaction putting the visits and their outbox entries (baseline)', put),
      ],
      notes: [target(put / workerEmptied >= TARGET_RATIO, `the worker's push at least ${TARGET_RATIO}× the rate of the one transaction (${(put / workerEmptied).toFixed(2)}×)`)],
    })
  })
}
