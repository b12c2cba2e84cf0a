import { openPostgresStorage } from '../../../src/server/storage/postgres'
import { ms } from '../report'
import {
  arrive,
  basePhoto,
  campaignStorm,
  firstPullStorm,
  leaderDay,
  meter,
  pointAt,
  provisionCity,
  pullToEnd,
  signIn,
  Stats,
  syncDay,
  type Arrivals,
  type City,
  type Cpu,
  type LoadPhone,
} from './load'

/*
 * One load test against one address (./load.ts has the generator): the accounts and every phone's sign-in
 * beforehand, then the steps of arriving phones, the campaign storm and the new phones' storm. `npm run
 * loadtest` (./main.ts) runs it against a server given, or against each configuration it starts;
 * tests/integration/loadtest.test.ts runs it small.
 */

export interface Plan {
  rates: number[]
  seconds: number
  newPhones: number
  perCommunity: number
  drain: number
}

/** Phones of one step: enough for its Poisson arrivals (the mean plus a margin), each used once. */
export const phonesFor = (rate: number, seconds: number) => Math.ceil(rate * seconds * 1.25 + 10)

export interface Prepared {
  city: City
  /** Signed in, their first full pull done (untimed): the phones whose day is synced, step after step. */
  dayPhones: LoadPhone[]
  /** Signed in, never pulled: the storm's new phones (a second phone of the first leaders). */
  newPhones: LoadPhone[]
  offices: LoadPhone[]
  login: Stats
}

/** The accounts (in the database directly), then every phone's sign-in and the day phones' first pull, untimed. */
export async function prepare(databaseUrl: string, url: string, plan: Plan): Promise<Prepared> {
  const dayCount = plan.rates.reduce((sum, rate) => sum + phonesFor(rate, plan.seconds), 0)
  const storage = openPostgresStorage({ url: databaseUrl, maxConnections: 2 })
  let city: City
  try {
    await storage.migrate()
    city = await provisionCity(storage, { leaders: Math.max(dayCount, plan.newPhones), perCommunity: plan.perCommunity })
  } finally {
    await storage.close()
  }
  console.log(`${city.leaders.length} leaders in ${city.offices.length} communities; signing in ${dayCount + plan.newPhones + city.offices.length} phones…`)
  const login = new Stats()
  const dayPhones = await signIn(url, city.leaders.slice(0, dayCount), city.password, login)
  const newPhones = await signIn(url, city.leaders.slice(0, plan.newPhones), city.password, login)
  const offices = await signIn(url, city.offices, city.password, login)
  const setup = new Stats()
  for (let i = 0; i < dayPhones.length; i += 16) await Promise.all(dayPhones.slice(i, i + 16).map((phone) => pullToEnd(phone, setup, 'pull', false)))
  if (login.errors.length || setup.errors.length) throw new Error(`setup failed: ${JSON.stringify([...login.errors, ...setup.errors].slice(0, 5))}`)
  return { city, dayPhones, newPhones, offices, login }
}

export interface Step {
  rate: number
  arrivals: Arrivals
  stats: Stats
  cpu: Cpu
}

export interface Storm {
  phones: number
  ms: number
  stats: Stats
  cpu: Cpu
  changes?: number
}

export interface Measured {
  label: string
  steps: Step[]
  campaign: Storm
  first: Storm
}

/** The whole load against `url`: each step's arrivals, then the campaign storm, then the new phones' storm. */
export async function measure(label: string, url: string, prepared: Prepared, plan: Plan, postmaster: number): Promise<Measured> {
  const photo = await basePhoto()
  // Copies: every configuration starts from the cursors the preparation left.
  const dayPhones = pointAt(prepared.dayPhones, url)
  const steps: Step[] = []
  let from = 0
  for (const [s, rate] of plan.rates.entries()) {
    const phones = dayPhones.slice(from, (from += phonesFor(rate, plan.seconds)))
    const stats = new Stats()
    const cpu = await meter(postmaster)
    const arrivals = await arrive(phones, (phone, i) => syncDay(phone, leaderDay(phone.account, prepared.city.template, photo, i), stats), {
      rate,
      seconds: plan.seconds,
      drainSeconds: plan.drain,
      seed: 9 + s,
      stats,
    })
    const step = { rate, arrivals, stats, cpu: await cpu.stop() }
    steps.push(step)
    report(label, step)
    // Beyond the pace it could not keep, a higher one only queues longer.
    if (!keptUp(step)) break
  }
  const campaign = await storm(postmaster, dayPhones.length, (stats) => campaignStorm(url, pointAt(prepared.offices, url), dayPhones, prepared.city.template, stats))
  const first = await storm(postmaster, prepared.newPhones.length, (stats) => firstPullStorm(pointAt(prepared.newPhones, url), stats))
  const measured = { label, steps, campaign, first }
  for (const [name, storm] of [['campaign storm', measured.campaign], ['first-pull storm', measured.first]] as const) {
    console.log(`${label}: ${name}: ${storm.phones} phones in ${ms(storm.ms)}, ${storm.stats.errors.length} errors; ${latencies(storm.stats)}`)
    printErrors(storm.stats)
  }
  return measured
}

/** One storm, metered. */
async function storm(postmaster: number, phones: number, work: (stats: Stats) => Promise<{ ms: number; changes?: number }>): Promise<Storm> {
  const stats = new Stats()
  const cpu = await meter(postmaster)
  const { ms, changes } = await work(stats)
  return { phones, ms, changes, stats, cpu: await cpu.stop() }
}

/** A step the servers kept up with: every phone that arrived synced without an error, the slowest within 5 s. */
export function keptUp(step: Step): boolean {
  const p99 = step.stats.summary().find((s) => s.kind === 'sync')?.p99 ?? Infinity
  return step.stats.errors.length === 0 && step.arrivals.completed === step.arrivals.arrived && p99 <= 5000
}

export const latencies = (stats: Stats) => stats.summary().map((s) => `${s.kind} ${ms(s.p50)}/${ms(s.p99)}`).join(', ')
export const syncsPerSecond = (a: Arrivals) => a.completed / (a.ms / 1000)
export const cores = (value: number | null) => (value === null ? '–' : value.toFixed(2))

export function printErrors(stats: Stats) {
  for (const e of stats.errors.slice(0, 20)) console.error(`  error: ${e.kind}: ${e.status ?? '-'} ${e.code}: ${e.message}`)
  if (stats.errors.length > 20) console.error(`  … and ${stats.errors.length - 20} more`)
}

export function report(label: string, step: Step) {
  const { arrivals, stats, cpu } = step
  console.log(
    `${label}: ${step.rate}/s offered: ${arrivals.completed}/${arrivals.arrived} synced, ${syncsPerSecond(arrivals).toFixed(1)} syncs/s, ${stats.errors.length} errors; ` +
      `CPU (cores): PostgreSQL ${cores(cpu.postgres)}, servers and HAProxy ${cpu.servers === null ? 'not started here' : cores(cpu.servers)}, generator ${cores(cpu.generator)}, machine ${(cpu.machine * 100).toFixed(0)}% busy\n  p50/p99: ${latencies(stats)}`,
  )
  printErrors(stats)
}

