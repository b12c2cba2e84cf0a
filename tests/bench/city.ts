import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { generateCity, type City } from '../../src/server/cli/city'
import { openPostgresStorage } from '../../src/server/storage/postgres'
import type { Database } from '../../src/server/storage/schema'
import type { Principal, Storage } from '../../src/server/storage/types'
import { createTestDatabase, startCluster } from '../integration/postgres'
import { count, median, ms, percentile, ratio, seconds, target, type Table } from './report'

/*
 * y) A year of a city's data in PostgreSQL (issue 12 item 4). `npm run bench -- city` makes a tenth of the
 * issue's year (500,000 visits, 100,000 reports) in a few minutes; `DOORSTEP_BENCH_CITY=full npm run bench --
 * city` the whole (5 million and 1 million). The city is scaled by its number of communities (./cli/city.ts),
 * so a building's year, and so a leader's pull, is the same at both sizes; only the table around it grows.
 */

/** What a phone asks for per page (src/app/sync/engine.ts DEFAULT_PULL_LIMIT). */
const PAGE = 500
const UP_TO_DATE_PULLS = 1000
const FIRST_PULLS = 12
const P99_TARGET = 100
const FIRST_PULL_TARGET = 2000

interface Size {
  visits: number
  reports: number
}

const TENTH: Size = { visits: 500_000, reports: 100_000 }
const FULL: Size = { visits: 5_000_000, reports: 1_000_000 }

const leaderOf = (leader: City['leaders'][number]): Principal => ({ userId: leader.id, deviceId: leader.deviceId, role: 'leader', communityId: leader.communityId, buildingIds: leader.buildingIds })

/** One pull page through the server's storage, timed: what the route's handler waits for. */
async function timedPull(storage: Storage, principal: Principal, afterRev: number, skipEchoes: boolean) {
  const started = performance.now()
  const page = await storage.pull(principal, afterRev, PAGE, skipEchoes)
  return { ms: performance.now() - started, page }
}

/** A new phone's whole first pull, page after page from revision 0, as the route serves it; the server's time summed. */
async function firstPull(storage: Storage, principal: Principal): Promise<{ ms: number; records: number; pages: number }> {
  let total = 0
  let records = 0
  let pages = 0
  let afterRev = 0
  for (;;) {
    const { ms: took, page } = await timedPull(storage, principal, afterRev, false)
    total += took
    records += page.changes.length
    pages++
    afterRev = page.lastRev
    if (!page.hasMore) return { ms: total, records, pages }
  }
}

export async function cityBenchmarks(report: (table: Table) => void): Promise<void> {
  const full = process.env.DOORSTEP_BENCH_CITY === 'full'
  const size = full ? FULL : TENTH
  const command = `${full ? 'DOORSTEP_BENCH_CITY=full ' : ''}npm run bench -- city`
  // PostgreSQL's defaults and fsync on, as a real server runs.
  const cluster = await startCluster({ durable: true })
  const url = await createTestDatabase(cluster.url)
  const storage = openPostgresStorage({ url })
  const baseline = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }) })
  try {
    console.log(`generating a city: ${count(size.visits)} visits, ${count(size.reports)} reports…`)
    const generated = performance.now()
    const city = await generateCity(url, { ...size, log: (line) => console.log(`  ${line}`) })
    const generation = performance.now() - generated
    const { rows: sizes } = await sql<{ table: string; indexes: string }>`
      select pg_size_pretty(pg_table_size('records')) as table, pg_size_pretty(pg_indexes_size('records')) as indexes
    `.execute(baseline)
    // Leaders spread over the city, the same for every measure; the first of them warm the caches.
    const step = Math.max(1, Math.floor(city.leaders.length / 97))
    const leaders = city.leaders.filter((_, i) => i % step === 0 && city.leaders[i]!.buildingIds.length === 2)
    const pick = (i: number) => leaderOf(leaders[(i * 31) % leaders.length]!)
    // One day's revisions: an up-to-date phone synced within the last day, at a revision anywhere in it.
    const day = Math.round(city.lastRev / 365)
    const cursorOf = (i: number) => city.lastRev - ((i * 7919) % day)
    const keys = (await baseline.selectFrom('records').select('id').where('table_name', '=', 'visits').where('rev', '>', city.lastRev - day).limit(500).execute()).map((r) => r.id)
    const byKey = async (i: number) => {
      const started = performance.now()
      await baseline.selectFrom('records').select(['table_name', 'id', 'rev', 'data']).where('table_name', '=', 'visits').where('id', '=', keys[i % keys.length]!).execute()
      return performance.now() - started
    }

    for (let i = 0; i < 50; i++) {
      await timedPull(storage, pick(i), cursorOf(i), true)
      await byKey(i)
    }
    const upToDate: number[] = []
    const keyed: number[] = []
    let pulled = 0
    // Interleaved, so that other load on the machine hits both alike.
    for (let i = 0; i < UP_TO_DATE_PULLS; i++) {
      const { ms: took, page } = await timedPull(storage, pick(i), cursorOf(i), true)
      upToDate.push(took)
      pulled += page.changes.length
      keyed.push(await byKey(i))
    }

    const firsts: Array<{ ms: number; records: number; pages: number }> = []
    const reads: number[] = []
    for (let i = 0; i < FIRST_PULLS; i++) {
      const leader = leaders[(i * 13 + 5) % leaders.length]!
      firsts.push(await firstPull(storage, leaderOf(leader)))
      // Baseline: the same rows in one SELECT, no pages, no JSON parsed.
      const started = performance.now()
      await baseline
        .selectFrom('records')
        .select(['table_name', 'id', 'rev', 'data'])
        .where('community_id', '=', leader.communityId)
        .where((eb) => eb.or([eb('building_id', 'is', null), eb('building_id', 'in', leader.buildingIds)]))
        .execute()
      reads.push(performance.now() - started)
    }
    const p99 = percentile(upToDate, 99)
    const first = firsts.map((f) => f.ms)
    const worst = Math.max(...first)
    report({
      title: `y) A year of a city's data in PostgreSQL: ${count(size.visits)} visits and ${count(size.reports)} reports (issue 12)`,
      about: `\`${command}\`. src/server/cli/city.ts (the same as \`npm run seed:city\`) makes ${count(city.communities)} communities of 100 buildings (24 households each), a leader for every two buildings and an office account per community, then a year of visits and reports day by day, copied in with COPY into a throw-away PostgreSQL 15 cluster (its defaults, fsync on): ${count(city.records)} rows of records (${sizes[0]!.table} and ${sizes[0]!.indexes} of indexes) in ${seconds(generation)}, with VACUUM ANALYZE. Timed: KyselyStorage.pull, the storage call of GET /sync/pull, in the benchmark's process with the pool the server uses, pages of ${PAGE} as a phone asks. An up-to-date phone: ${count(UP_TO_DATE_PULLS)} pulls by ${count(leaders.length)} leaders spread over the city, each from a cursor somewhere within the last day's revisions, echoes skipped (${count(pulled)} changes in all). A new leader's first pull: ${FIRST_PULLS} leaders of two buildings each, from revision 0 to the end, the pages' times summed. Baselines, in the same run on a connection of its own: one SELECT of a visit by primary key, interleaved with the up-to-date pulls; and the first pull's rows in one SELECT, no pages.`,
      head: ['', 'median', 'p99 / slowest', '÷ baseline (median)'],
      rows: [
        ['**an up-to-date phone\'s pull**', ms(median(upToDate)), `**${ms(p99)}**`, ratio(median(upToDate) / median(keyed))],
        ['one visit by primary key (baseline)', ms(median(keyed)), ms(percentile(keyed, 99)), ratio(1)],
        [`**a new leader's first pull, two buildings** (${count(median(firsts.map((f) => f.records)))} records, ${median(firsts.map((f) => f.pages))} pages)`, seconds(median(first)), `**${seconds(worst)}**`, ratio(median(first) / median(reads))],
        ['the same rows in one SELECT (baseline)', seconds(median(reads)), seconds(Math.max(...reads)), ratio(1)],
      ],
      notes: [
        target(p99 <= P99_TARGET, `an up-to-date phone's pull within ${P99_TARGET} ms at p99 (${ms(p99)})`),
        target(worst <= FIRST_PULL_TARGET, `a new leader's first full pull of two buildings within ${seconds(FIRST_PULL_TARGET)} server time, the slowest of ${FIRST_PULLS} (${seconds(worst)})`),
        `Generation: ${count(city.records / (generation / 1000))} rows/s, VACUUM ANALYZE included.`,
      ],
    })
  } finally {
    await baseline.destroy()
    await storage.close()
    await cluster.stop()
  }
}
