import { cpus, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { startCluster as startServers } from '../../../src/server/cli/cluster'
import { freePort, startCluster as startPostgres } from '../../integration/postgres'
import { count, ms, printed, replaceSections, type Table } from '../report'
import { DAY_COUNTS, HOUSEHOLDS_PER_BUILDING, loopbackUrl, postmasterOf, Stats, type Kind } from './load'
import { cores, keptUp, measure, prepare, syncsPerSecond, type Measured, type Plan, type Prepared, type Step } from './run'

/*
 * `npm run loadtest`: the 9 a.m. test (issue 12 item 3), with the generator of ./load.ts.
 *
 *   npm run loadtest -- --url http://127.0.0.1:8080 [options]   against a server or cluster running here; its
 *       accounts are made directly in its database (DATABASE_URL, the server's), which must be this machine's.
 *
 * Under tests/bench because it is a benchmark: it shares report.ts (tables, docs/benchmarks.md) and the
 * throw-away PostgreSQL of the integration tests, and nothing of it ships with the server.
 *   npm run loadtest -- --servers 1,2,4 [--write] [options]     the runner: its own PostgreSQL, then one server
 *       straight (the baseline) and 1, 2 and 4 servers behind HAProxy (src/server/cli/cluster.ts), each on a
 *       copy of one prepared database, the same load against each; --write puts the figures and the capacity
 *       projection in docs/benchmarks.md (section z).
 */

const USAGE = `Usage: npm run loadtest -- --url <http://127.0.0.1:PORT> [options]   (DATABASE_URL: the server's database)
       npm run loadtest -- --servers 1,2,4 [--write] [options]          (starts PostgreSQL, the servers, HAProxy)

  With --url it adds communities and accounts of its own to DATABASE_URL: a test database, never a city's.

  --rates 5,10,15,20 phones arriving a second, one step each (open model: Poisson arrivals), until a step
                     is not kept up with (an error, a phone not synced, or sync p99 over 5 s)
  --seconds 12       how long each step's phones arrive
  --new-phones 500   new phones making their first full pull together
  --per-community 50 leaders per community (each with two buildings)
  --drain 60         seconds the phones under way get to finish after a step's last arrival`

/** The highest step each configuration kept up with, in syncs a second (0: none). */
const capacity = (m: Measured) => Math.max(0, ...m.steps.filter(keptUp).map((s) => syncsPerSecond(s.arrivals)))

// ---- the runner ----

const CONFIGURATIONS = (servers: number[]) => [{ label: '1 server, no HAProxy (baseline)', servers: 1, direct: true }, ...servers.map((n) => ({ label: `${n} server${n > 1 ? 's' : ''} behind HAProxy`, servers: n, direct: false }))]

const BENCHMARKS = fileURLToPath(new URL('../../../docs/benchmarks.md', import.meta.url))

/** One statement on the cluster's maintenance database (CREATE or DROP DATABASE). */
async function administer(adminUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

async function createDatabase(adminUrl: string, name: string, template?: string): Promise<string> {
  await administer(adminUrl, `CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`)
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return url.toString()
}

/** Servers on `databaseUrl` for as long as `work` runs; `work` gets the address to load (HAProxy's, or the one server's). */
async function withServers<T>(databaseUrl: string, servers: number, direct: boolean, work: (url: string) => Promise<T>): Promise<T> {
  const ports = await Promise.all(Array.from({ length: servers + 1 }, () => freePort()))
  const cluster = await startServers({ servers, port: ports[0]!, serverPorts: ports.slice(1), databaseUrl, env: { DOORSTEP_DEMO: '0', LOG_LEVEL: 'warn' }, output: 'keep' })
  try {
    return await work(direct ? `http://127.0.0.1:${cluster.serverPorts[0]}` : cluster.url)
  } finally {
    await cluster.stop()
  }
}

async function runner(servers: number[], plan: Plan, write: boolean): Promise<void> {
  const load = loadavg()[0]!
  const started = new Date()
  const postgres = await startPostgres({ durable: true })
  try {
    const prepared = await createDatabase(postgres.url, 'loadtest_prepared')
    const setup = await withServers(prepared, 1, true, (url) => prepare(prepared, url, plan))
    const results: Measured[] = []
    for (const [i, configuration] of CONFIGURATIONS(servers).entries()) {
      // A copy of the prepared database: every configuration starts from the same accounts, devices and data.
      const databaseUrl = await createDatabase(postgres.url, `loadtest_${i}`, 'loadtest_prepared')
      const postmaster = await postmasterOf(databaseUrl)
      console.log(`\n${configuration.label}`)
      results.push(await withServers(databaseUrl, configuration.servers, configuration.direct, (url) => measure(configuration.label, url, setup, plan, postmaster)))
      // Its photos alone are some hundred MB: gone before the next configuration writes its own.
      await administer(postgres.url, `DROP DATABASE loadtest_${i}`)
    }
    const tables = document(results, setup, plan, { load, started, servers })
    for (const table of tables) console.log(printed(table))
    if (write) {
      await replaceSections(BENCHMARKS, tables, `Command: \`npm run loadtest -- --servers ${servers.join(',')} --rates ${plan.rates.join(',')} --seconds ${plan.seconds} --new-phones ${plan.newPhones} --write\` (on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC; load average ${load.toFixed(2)} when it began).`)
      console.log('\nwritten to docs/benchmarks.md (section z)')
    }
  } finally {
    await postgres.stop()
  }
}

// ---- docs/benchmarks.md ----

/** Leaders of a city and of a province (issue 12). */
const CITY = 30_000
const PROVINCE = 500_000
/** Of all leaders, the share whose phone syncs in the 9 a.m. hour; and the busiest minute over the hour's mean. */
const SHARE_AT_NINE = 0.5
const PEAK = 3

/** The requests of a phone's sync, in its order, and the whole sync first. */
const STEP_KINDS: Kind[] = ['sync', 'missing photos', 'photo upload', 'push', 'pull', 'health']

/** Whether the generator could have held the servers back: its busiest step's CPU against one core. */
function generatorNote(results: Measured[]): string {
  const busiest = Math.max(...results.flatMap((m) => m.steps.map((s) => s.cpu.generator)))
  return busiest < 0.5
    ? `The generator (one process) used at most ${cores(busiest)} of a core in any step: it was not the bottleneck.`
    : `The generator (one process) used up to ${cores(busiest)} of a core: near one core it may have held the load back.`
}

function document(results: Measured[], setup: Prepared, plan: Plan, run: { load: number; started: Date; servers: number[] }): Table[] {
  const row = (m: Measured, step: Step) => {
    const p = Object.fromEntries(step.stats.summary().map((s) => [s.kind, s]))
    const both = (kind: string) => (p[kind] ? `${ms(p[kind].p50)} / ${ms(p[kind].p99)}` : '–')
    return [
      m.label,
      `${step.rate}/s`,
      `**${syncsPerSecond(step.arrivals).toFixed(1)}**`,
      ...STEP_KINDS.map(both),
      String(step.stats.errors.length),
      cores(step.cpu.postgres),
      cores(step.cpu.servers),
      cores(step.cpu.generator),
      `${(step.cpu.machine * 100).toFixed(0)}%`,
    ]
  }
  const baseline = capacity(results[0]!)
  const best = results.reduce((a, b) => (capacity(b) > capacity(a) ? b : a))
  const bestCapacity = capacity(best)
  const bestStep = best.steps.filter(keptUp).at(-1)
  // PostgreSQL's cores per sync a second, at the best configuration's highest step it kept up with.
  const databasePerSync = bestStep ? bestStep.cpu.postgres / syncsPerSecond(bestStep.arrivals) : NaN
  const appPerSync = bestStep?.cpu.servers ? bestStep.cpu.servers / syncsPerSecond(bestStep.arrivals) : NaN
  const need = (leaders: number) => (leaders * SHARE_AT_NINE * PEAK) / 3600
  const about = (what: string) =>
    `${what} Run on ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, Node ${process.version}, PostgreSQL 15 with its default settings (fsync on) started by the runner (tests/integration/postgres.ts), photos stored in it (no object store set), the servers as \`npm run cluster\` starts them (src/server/cli/cluster.ts) logging at \`LOG_LEVEL=warn\`; load average ${run.load.toFixed(2)} when the run began. Each configuration runs on its own copy of one prepared database: ${count(setup.city.leaders.length)} leaders in ${setup.city.offices.length} communities of ${plan.perCommunity}, each with 2 buildings of ${HOUSEHOLDS_PER_BUILDING} households, every phone signed in once over HTTP beforehand (scrypt; login p50/p99 ${ms(setup.login.summary()[0]!.p50)} / ${ms(setup.login.summary()[0]!.p99)}, not in the figures) and its first full pull done. CPU in cores (1.00: one core busy the whole time): PostgreSQL's from /proc/<pid>/stat of its postmaster and every child process (utime + stime, with cutime + cstime of those that exited), the servers' and HAProxy's likewise as the runner's child processes, the generator's from process.cpuUsage(), the machine's from /proc/stat (whatever ran).`
  const steady: Table = {
    title: "z) The 9 a.m. test: a city's phones against 1, 2 and 4 servers on one PostgreSQL (issue 12)",
    about: about(
      `The load generator (tests/bench/loadtest/load.ts) is one Node process sending what phones send, with fetch (undici) through the app's own transport (push bodies gzip, answers checked with the domain's schemas). Each phone syncs a leader's day in the engine's order: which of its 2 photos the server lacks, their upload (≈210 KB JPEG each), one push of ${DAY_COUNTS.visits} visits, ${DAY_COUNTS.issues} reports (a photo each) and ${DAY_COUNTS.inspections} inspection, each record parsed with the domain's schema; a pull to the end (echoes skipped); its health report. Phones arrive at the rate offered (Poisson arrivals, an open model: they do not wait for the server) for ${plan.seconds} s a step; syncs/s is the syncs completed over the time from the step's start to the last sync's end. A configuration's steps stop at the first it did not keep up with (an error, a phone not synced, or sync p99 over 5 s). Latency p50 / p99 per kind of request; "sync" is a phone's whole run.`,
    ),
    head: ['', 'offered', 'syncs/s', ...STEP_KINDS.map((kind) => `${kind} p50 / p99`), 'errors', 'PostgreSQL CPU', 'servers + HAProxy CPU', 'generator CPU', 'machine busy'],
    rows: results.flatMap((m) => m.steps.map((step) => row(m, step))),
    notes: [
      ...results.map((m) => `${m.label}: kept up (every phone synced, no error, sync p99 within 5 s) up to ${capacity(m).toFixed(1)} syncs/s${m === results[0] ? ' (the baseline)' : `, ${(capacity(m) / baseline).toFixed(2)}× the baseline`}.`),
      `One server process used up to ${cores(Math.max(...results[0]!.steps.map((s) => s.cpu.servers ?? 0)))} cores of the ${cpus().length} here (its photo checks run in libvips's threads): more processes on the same cores share them, they add no capacity.`,
      generatorNote(results),
      `Errors: ${results.reduce((sum, m) => sum + m.steps.reduce((s, step) => s + step.stats.errors.length, 0) + m.campaign.stats.errors.length + m.first.stats.errors.length, 0)} in all (each is printed with its status and code while the command runs).`,
    ],
  }
  const storms: Table = {
    title: 'z2) The 9 a.m. test: storms',
    about: `After the steps, on the same servers: the campaign storm (each community's office launches a campaign to all its buildings, then all ${count(results[0]!.campaign.phones)} phones pull at once, each checked to receive its campaign) and the first-pull storm (${count(plan.newPhones)} new phones, signed in beforehand, all pull everything they may see from the beginning at once, ${count((results[0]!.first.changes ?? 0) / plan.newPhones)} changes each: their community's reference data, their buildings' households and the day's records there). Wall time from the first request to the last answer; latency p50 / p99.`,
    head: ['', 'campaign: all phones', 'campaign pull', 'first pull: all phones', 'first pull page', 'one phone, whole first pull', 'errors', 'PostgreSQL CPU (campaign, first pull)', 'servers + HAProxy CPU (campaign, first pull)'],
    rows: results.map((m) => {
      const p = (s: Stats, kind: string) => {
        const found = s.summary().find((x) => x.kind === kind)
        return found ? `${ms(found.p50)} / ${ms(found.p99)}` : '–'
      }
      return [
        m.label,
        `${ms(m.campaign.ms)}`,
        p(m.campaign.stats, 'campaign pull'),
        `${ms(m.first.ms)}`,
        p(m.first.stats, 'first pull page'),
        p(m.first.stats, 'first full pull'),
        String(m.campaign.stats.errors.length + m.first.stats.errors.length),
        `${cores(m.campaign.cpu.postgres)}, ${cores(m.first.cpu.postgres)}`,
        `${cores(m.campaign.cpu.servers)}, ${cores(m.first.cpu.servers)}`,
      ]
    }),
    notes: [],
  }
  const capacityTable: Table = {
    title: 'z3) The 9 a.m. test: servers for a city and a province',
    about: `From the best configuration here (${best.label}, ${bestCapacity.toFixed(1)} syncs/s at its highest step kept up with): a sync costs ${(appPerSync * 1000).toFixed(0)} ms of server CPU (the server processes and HAProxy) and ${(databasePerSync * 1000).toFixed(0)} ms of PostgreSQL's. Assumptions: ${SHARE_AT_NINE * 100}% of a city's leaders sync in the 9 a.m. hour (a day's work comes in as they start; the rest sync through the day), the busiest minute brings ${PEAK}× the hour's mean, and a core is planned at most 60% busy. It assumes the CPU a sync costs stays as measured on more cores and machines, which this ${cpus().length}-core machine cannot show.`,
    head: ['', 'syncs/s at the peak', 'server cores', 'PostgreSQL cores'],
    rows: [CITY, PROVINCE].map((leaders) => {
      const rate = need(leaders)
      return [`${count(leaders)} leaders`, rate.toFixed(1), String(Math.ceil((rate * appPerSync) / 0.6)), String(Math.ceil((rate * databasePerSync) / 0.6))]
    }),
    notes: [],
  }
  return [steady, storms, capacityTable]
}

// ---- the command ----

async function main(args: string[]): Promise<number> {
  let plan: Plan
  let url: string | undefined
  let servers: number[] | undefined
  let write = false
  try {
    const { values } = parseArgs({
      args,
      options: {
        url: { type: 'string' },
        servers: { type: 'string' },
        write: { type: 'boolean' },
        rates: { type: 'string', default: '5,10,15,20' },
        seconds: { type: 'string', default: '12' },
        'new-phones': { type: 'string', default: '500' },
        'per-community': { type: 'string', default: '50' },
        drain: { type: 'string', default: '60' },
      },
    })
    const number = (text: string, what: string, max: number) => {
      const n = Number(text)
      if (!Number.isFinite(n) || n <= 0 || n > max) throw new Error(`${what} must be a number from 1 to ${max}.`)
      return n
    }
    plan = {
      rates: values.rates.split(',').map((r) => number(r, '--rates', 500)),
      seconds: number(values.seconds, '--seconds', 600),
      newPhones: Math.round(number(values['new-phones'], '--new-phones', 5000)),
      perCommunity: Math.round(number(values['per-community'], '--per-community', 1000)),
      drain: number(values.drain, '--drain', 600),
    }
    if ((values.url === undefined) === (values.servers === undefined)) throw new Error('say either --url (a running server) or --servers (the runner).')
    if (values.url !== undefined) url = loopbackUrl(values.url)
    if (values.servers !== undefined) servers = values.servers.split(',').map((n) => Math.round(number(n, '--servers', 16)))
    write = values.write ?? false
    if (write && !servers) throw new Error('--write is for the runner (--servers): its figures are of servers it started itself.')
  } catch (error) {
    console.error(`Error: ${(error as Error).message}\n\n${USAGE}`)
    return 2
  }
  if (servers) {
    await runner(servers, plan, write)
    return 0
  }
  const databaseUrl = process.env.DATABASE_URL
  if (!databaseUrl) {
    console.error(`Error: DATABASE_URL is required: the accounts are made in the server's own database.\n\n${USAGE}`)
    return 2
  }
  const postmaster = await postmasterOf(databaseUrl)
  const prepared = await prepare(databaseUrl, url!, plan)
  const measured = await measure(url!, url!, prepared, plan, postmaster)
  const errors = measured.steps.reduce((sum, s) => sum + s.stats.errors.length, 0) + measured.campaign.stats.errors.length + measured.first.stats.errors.length
  return errors === 0 ? 0 : 1
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`Error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
    process.exit(1)
  },
)
