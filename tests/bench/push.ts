import { countRequests, inTheField, newVisits, peek, seedOutbox, until, untilSyncedOnScreen } from './field'
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

export async function pushBenchmarks(report: (table: Table) => void): Promise<void> {
  await inTheField(async ({ server, page, author }) => {
    /** One push of freshly seeded visits, the app opened at `path`: when the outbox empties, and when the run ends. */
    const traffic = { pushes: 0, pulls: 0, up: 0, json: 0 }
    const puts: number[] = []
    async function pushOnce(path: string): Promise<{ emptied: number; synced: number }> {
      const seeded = await seedOutbox(page, newVisits(VISITS, author))
      puts.push(seeded.ms)
      const requests = countRequests(page)
      const started = performance.now()
      await page.goto(new URL(path, server.url).href)
      await until(async () => (await peek(page, 'outbox')) === '0')
      const emptied = performance.now() - started
      await untilSyncedOnScreen(page)
      const synced = performance.now() - started
      requests.stop()
      Object.assign(traffic, requests.seen, { json: seeded.bytes })
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
  })
}
