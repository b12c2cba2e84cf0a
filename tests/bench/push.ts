import { inTheField, newVisits, seedOutbox, signalThrough, timedPush, type PushScreen, type Timed } from './field'
import { count, kb, median, ratio, seconds, target, type Table } from './report'

/*
 * n) A phone's push of 10,000 visits, in Chromium (issue 9): where the users are, not Node over fake-indexeddb.
 * The built app and the real server (SQLite) on loopback; the leader signed in through the sign-in page. The
 * visits and their outbox entries, shaped as the app's repository writes them, go into the app's IndexedDB in
 * one transaction — that transaction is the baseline, timed in the same page.
 *
 * The issue times the push from the tap: the app is opened with no signal, its screen settles (its reads of the
 * visits answered, the count waiting shown), then the signal comes back and the app pushes. Timed from there to
 * the outbox empty (every answer settled in IndexedDB), and to the sync run's end (its pull done, 记录都已同步
 * shown). Beside it, for diagnosis, the same push timed from the navigation, the app's start and the screen's
 * first reads inside the window (the app syncs at start, as when it is opened in signal).
 */
const VISITS = 10_000
const RUNS = 3
/** The aim: a push at least half the rate of one IndexedDB transaction putting the same rows. */
const TARGET_RATIO = 0.5
const MAX_REQUESTS = 40

export async function pushBenchmarks(report: (table: Table) => void): Promise<void> {
  await inTheField(async (field) => {
    const { page, author } = field
    const signal = signalThrough(await page.context().newCDPSession(page))
    const traffic = { pushes: 0, pulls: 0, up: 0, json: 0 }
    const puts: number[] = []
    /** Freshly seeded visits pushed with the app at `path`, timed from the signal's return or from the navigation. */
    async function pushOnce(path: PushScreen, from: 'signal' | 'navigation'): Promise<Timed> {
      const seeded = await seedOutbox(page, newVisits(VISITS, author))
      puts.push(seeded.ms)
      const { emptied, synced, seen } = await timedPush(field, signal, path, from, VISITS)
      // The requests reported are those of the push the target judges.
      if (path === '/' && from === 'signal') Object.assign(traffic, seen, { json: seeded.bytes })
      return { emptied, synced }
    }
    // The database grows by the visits of each run: the four take turns, so that none has all the small ones.
    const runs = { home: [] as Timed[], settings: [] as Timed[], homeOpened: [] as Timed[], settingsOpened: [] as Timed[] }
    for (let run = 0; run < RUNS; run++) {
      runs.home.push(await pushOnce('/', 'signal'))
      runs.settings.push(await pushOnce('/settings', 'signal'))
      runs.homeOpened.push(await pushOnce('/', 'navigation'))
      runs.settingsOpened.push(await pushOnce('/settings', 'navigation'))
    }
    const { pushes, pulls, up: upBytes, json } = traffic
    const put = median(puts)
    const medianOf = (timed: Timed[]): Timed => ({ emptied: median(timed.map((t) => t.emptied)), synced: median(timed.map((t) => t.synced)) })
    const [home, settings, homeOpened, settingsOpened] = [medianOf(runs.home), medianOf(runs.settings), medianOf(runs.homeOpened), medianOf(runs.settingsOpened)]
    const rate = (ms: number) => `${count(VISITS / (ms / 1000))}/s`
    const row = (label: string, ms: number, bold = false) => [label, bold ? `**${seconds(ms)}**` : seconds(ms), rate(ms), ratio(ms / put)]
    report({
      title: `n) A phone's push of ${count(VISITS)} visits, in Chromium (issue 9)`,
      about: `The built app and the real server (src/server, SQLite in a temp folder) on loopback, in Chromium with a profile on disk, 1× CPU; the leader signed in through the sign-in page. ${count(VISITS)} visits and their outbox entries, shaped as the app's repository writes them, are put into the app's IndexedDB in one transaction (the baseline, timed in the page). The push as the issue times it: the app opened with no signal (CDP's offline network), its screen settled (「${VISITS} 条记录待同步」 shown, its reads of the visits answered — home's worklist, 我的's points — and its start-up run failed offline three times, so that the retry it armed falls after the push, then an idle moment), then the signal given back: the app starts its run itself on the window's \`online\` event (no tap needed; no Background Sync is registered, so the page alone pushes). Timed from the signal's return to the outbox empty (every answer settled in IndexedDB) and to the end of the sync run (its pull done, 记录都已同步 shown). For diagnosis, the same push timed from the navigation instead, the app's start and the screen's first reads of every visit inside the window (it syncs at start, as when it is opened in signal). Each of the four (home or 我的, from the signal or the navigation) is the median of ${RUNS} runs, taking turns, each with ${count(VISITS)} new visits (the phone holds ${count(VISITS * RUNS * 4)} by the end); the baseline is the median of all seedings. The last run: ${pushes} push requests carrying ${kb(upBytes)} (the visits' JSON alone is ${kb(json)}; bodies of 2 KB or more go gzip), then ${pulls} pull requests.`,
      head: ['', 'median', 'visits/s', '÷ one transaction'],
      rows: [
        row('**home settled with the visits waiting, signal back → the outbox empty**', home.emptied, true),
        row('… → the end of the sync run (pull included)', home.synced),
        row('at 我的 instead (no list on screen), signal back → the outbox empty', settings.emptied),
        row('… → the end of the sync run', settings.synced),
        row('diagnosis: the app opened at home in signal, navigation → the outbox empty (its start inside)', homeOpened.emptied),
        row('… → the end of the sync run', homeOpened.synced),
        row('diagnosis: opened at 我的, navigation → the outbox empty', settingsOpened.emptied),
        row('… → the end of the sync run', settingsOpened.synced),
        row('one IndexedDB transaction putting the visits and their outbox entries (baseline)', put),
      ],
      notes: [
        target(put / home.emptied >= TARGET_RATIO, `a push at least ${TARGET_RATIO}× the rate of the one transaction, signal back → the outbox empty on home (${(put / home.emptied).toFixed(2)}×)`),
        target(pushes <= MAX_REQUESTS, `at most ${MAX_REQUESTS} push requests for ${count(VISITS)} visits (${pushes})`),
      ],
    })
  })
}
