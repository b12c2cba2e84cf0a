import { createHash, randomBytes } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import pg from 'pg'
import sharp from 'sharp'
import { TransportError } from '@/app/sync/errors'
import { fetchTransport, type SyncTransport } from '@/app/sync/transport'
import {
  ChecklistTemplate,
  InspectionFields,
  IssueFields,
  Mutation,
  NewCampaign,
  PROTOCOL_VERSION,
  TOPIC_PRESETS,
  uuidv7,
  VISIT_PURPOSES,
  VisitFields,
  type RecordTable,
} from '@/domain'
import { hashPassword } from '@/server/auth/passwords'
import type { Storage } from '@/server/storage/types'
import { median, percentile } from '../report'

/*
 * The 9 a.m. test's load generator (issue 12 item 3): a city's phones over plain HTTP (fetch, which is
 * undici in Node, through the app's own transport: gzip push bodies, answers checked with the domain's
 * schemas, as the phone does), against one server or a load balancer on loopback. `npm run loadtest`
 * (./main.ts) drives it; tests/integration/loadtest.test.ts checks it small.
 */

// ---- the city ----

export interface Account {
  username: string
  userId: string
  communityId: string
  buildingIds: string[]
  /** Household ids by building. */
  households: Record<string, string[]>
}

export interface City {
  password: string
  leaders: Account[]
  /** One office account per community: it launches the campaign. */
  offices: Account[]
  template: ChecklistTemplate
}

/** Households per building: 6 floors, 2 flats a floor. */
const FLOORS = 6
const FLATS = 2
export const HOUSEHOLDS_PER_BUILDING = FLOORS * FLATS

/**
 * Communities of `perCommunity` leaders (the last one smaller), each leader with two buildings of its own, and
 * one office account per community; every account shares one password, hashed once (scrypt costs ~50 ms).
 */
export async function provisionCity(storage: Storage, { leaders, perCommunity }: { leaders: number; perCommunity: number }): Promise<City> {
  const tag = randomBytes(3).toString('hex')
  const password = randomBytes(12).toString('base64url')
  const passwordHash = await hashPassword(password)
  const template = ChecklistTemplate.parse({
    id: 'fire',
    version: 1,
    title: '楼道消防巡查',
    publishedAt: '2026-11-01T00:00:00.000Z',
    items: [
      { id: 'exit-clear', label: '安全出口畅通', category: 'safety_hazard' },
      { id: 'extinguisher', label: '灭火器在有效期内', category: 'safety_hazard' },
      { id: 'no-bikes', label: '楼道无电动车充电', category: 'safety_hazard' },
    ],
  })
  const city: City = { password, leaders: [], offices: [], template }
  for (let c = 0; c * perCommunity < leaders; c++) {
    const communityId = `c-${tag}-${c}`
    const gridId = `g-${tag}-${c}`
    const size = Math.min(perCommunity, leaders - c * perCommunity)
    const members = Array.from({ length: size }, (_, i): Account => {
      const name = `load-${tag}-${c}-${i}`
      const buildingIds = [0, 1].map((b) => `b-${tag}-${c}-${i}-${b}`)
      const households = Object.fromEntries(buildingIds.map((b) => [b, Array.from({ length: HOUSEHOLDS_PER_BUILDING }, (_, h) => `${b}-${Math.floor(h / FLATS) + 1}0${(h % FLATS) + 1}`)]))
      return { username: name, userId: `u-${name}`, communityId, buildingIds, households }
    })
    await storage.putReference(communityId, 'communities', [{ id: communityId, name: `压测社区${c}` }])
    await storage.putReference(communityId, 'grids', [{ id: gridId, communityId, name: '第一网格' }])
    await storage.putReference(
      communityId,
      'buildings',
      members.flatMap((m) => m.buildingIds.map((id, b) => ({ id, gridId, communityId, address: `压测路${c}-${m.username.split('-').at(-1)}-${b + 1}号`, name: '', floors: FLOORS }))),
    )
    await storage.putReference(
      communityId,
      'households',
      members.flatMap((m) => Object.entries(m.households).flatMap(([buildingId, ids]) => ids.map((id) => ({ id, buildingId, unit: id.slice(-3), floor: Number(id.at(-3)) })))),
    )
    await storage.putReference(communityId, 'templates', [template])
    for (const m of members) {
      await storage.createUser({ id: m.userId, username: m.username, displayName: `楼长${m.username.slice(-4)}`, role: 'leader', communityId, buildingIds: m.buildingIds, passwordHash })
    }
    const office = `office-${tag}-${c}`
    await storage.createUser({ id: `u-${office}`, username: office, displayName: '社区办公室', role: 'office', communityId, buildingIds: [], passwordHash })
    city.leaders.push(...members)
    city.offices.push({ username: office, userId: `u-${office}`, communityId, buildingIds: [], households: {} })
  }
  return city
}

// ---- what is measured ----

/** The kinds of request, each with its own latencies. */
export type Kind = 'login' | 'missing photos' | 'photo upload' | 'push' | 'pull' | 'health' | 'campaign launch' | 'campaign pull' | 'first pull page' | 'sync' | 'first full pull'

export interface LoadError {
  kind: Kind
  status?: number
  code: string
  message: string
}

export class Stats {
  readonly latencies = new Map<Kind, number[]>()
  readonly errors: LoadError[] = []

  add(kind: Kind, ms: number): void {
    const list = this.latencies.get(kind) ?? []
    list.push(ms)
    this.latencies.set(kind, list)
  }

  /** Runs one request, timing it as `kind`; a failure is kept with its status and code, and stops the phone. */
  async time<T>(kind: Kind, work: () => Promise<T>): Promise<T> {
    const started = performance.now()
    try {
      const result = await work()
      this.add(kind, performance.now() - started)
      return result
    } catch (error) {
      this.fail(kind, error)
      throw new LoadFailure(error instanceof Error ? error.message : String(error))
    }
  }

  /** Keeps a failure, unless it was kept already where it happened. */
  fail(kind: Kind, error: unknown): void {
    if (error instanceof LoadFailure) return
    this.errors.push(
      error instanceof TransportError
        ? { kind, status: error.details.status, code: error.details.apiError ?? error.code, message: error.message }
        : { kind, code: 'error', message: error instanceof Error ? error.message : String(error) },
    )
  }

  /** p50 and p99 per kind, in the order the kinds were first seen. */
  summary(): Array<{ kind: Kind; count: number; p50: number; p99: number }> {
    return [...this.latencies].map(([kind, values]) => ({ kind, count: values.length, p50: median(values), p99: percentile(values, 99) }))
  }
}

/** A failure already kept in Stats (a push answer refused, a campaign missing from a pull): thrown to stop the phone. */
class LoadFailure extends Error {}

function fail(stats: Stats, error: LoadError): never {
  stats.errors.push(error)
  throw new LoadFailure(error.message)
}

// ---- the phones ----

export interface LoadPhone {
  account: Account
  token: string
  deviceId: string
  /** The cursor of the phone's last pull (null: never pulled). */
  cursor: string | null
  transport: SyncTransport
}

/** Refuses a target that is not this machine: the generator is a test of one's own servers, never anyone else's. */
export function loopbackUrl(text: string): string {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new Error(`not a URL: ${text}`)
  }
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const loopback = host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host)
  if (!loopback || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new Error(`the load test runs against this machine only (127.0.0.1, ::1 or localhost), not ${url.host}`)
  return url.origin
}

/** Signs in every account once (a new device each), `concurrency` at a time. */
export async function signIn(url: string, accounts: Account[], password: string, stats: Stats, concurrency = 8): Promise<LoadPhone[]> {
  const phones: LoadPhone[] = []
  await inBatches(accounts, concurrency, async (account) => {
    const session = await stats.time('login', () => fetchTransport({ baseUrl: url, token: null }).login({ username: account.username, password, deviceName: `压测手机 ${account.username}` }))
    phones.push({ account, token: session.token, deviceId: session.deviceId, cursor: null, transport: fetchTransport({ baseUrl: url, token: session.token }) })
  })
  return phones.sort((a, b) => a.account.username.localeCompare(b.account.username))
}

/** The same phones (tokens, cursors) talking to `url`: the next configuration, on a copy of the database. */
export function pointAt(phones: LoadPhone[], url: string): LoadPhone[] {
  return phones.map((phone) => ({ ...phone, transport: fetchTransport({ baseUrl: url, token: phone.token }) }))
}

async function inBatches<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!)
    }),
  )
}

/** The page size the phone's engine asks for. */
const PULL_LIMIT = 500

/**
 * Pulls to the end, as the phone's engine does; answers the number of changes and of campaigns among them.
 * `skipEchoes`: the phone's own pushes stay home once it has caught up.
 */
export async function pullToEnd(phone: LoadPhone, stats: Stats, kind: Kind, skipEchoes = true): Promise<{ changes: number; campaigns: number }> {
  let changes = 0
  let campaigns = 0
  for (;;) {
    const page = await stats.time(kind, () => phone.transport.pull(phone.cursor, PULL_LIMIT, { skipEchoes }))
    phone.cursor = page.cursor
    changes += page.changes.length
    campaigns += page.changes.filter((c) => c.table === 'campaigns').length
    if (!page.hasMore) return { changes, campaigns }
  }
}

// ---- a leader's day ----

export interface Photo {
  sha256: string
  bytes: ArrayBuffer
}

/** A photo as the phone sends it (≈210 KB JPEG, 1600 × 1200); `photos` makes each one's bytes its own. */
export async function basePhoto(): Promise<Buffer> {
  const noise = { type: 'gaussian' as const, mean: 128, sigma: 20 }
  return sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#789', noise } }).jpeg({ quality: 50 }).toBuffer()
}

/** `count` distinct photos from one JPEG: a comment segment of random bytes after its start marker changes its hash, not the picture. */
export function photos(base: Buffer, count: number): Photo[] {
  return Array.from({ length: count }, () => {
    const comment = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0x12]), randomBytes(16)])
    const bytes = Buffer.concat([base.subarray(0, 2), comment, base.subarray(2)])
    const copy = new ArrayBuffer(bytes.length)
    new Uint8Array(copy).set(bytes)
    return { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: copy }
  })
}

export interface Day {
  photos: Photo[]
  mutations: Mutation[]
}

const NEEDS = ['想了解养老金年审怎么办', '楼道灯坏了，晚上上下楼不安全', '独居老人，希望有人定期上门看看', '咨询加装电梯的费用分摊', '医保报销流程不熟悉']
const OUTCOMES = ['已登记，转社区跟进', '已报物业维修，三天内处理', '讲解了政策，下周带表格上门', '留了网格员电话，每周电话问候']
export const DAY_COUNTS = { visits: 10, issues: 2, inspections: 1 } as const

/** A leader's day, as the phone would queue it: 10 visits, 2 reports with a photo each, 1 inspection; every record parsed with the domain's schema. */
export function leaderDay(account: Account, template: ChecklistTemplate, base: Buffer, n: number): Day {
  const at = Date.now() - 3 * 3600_000
  const time = (minutes: number) => new Date(at + minutes * 60_000).toISOString()
  const households = account.buildingIds.flatMap((b) => account.households[b]!.map((h) => [b, h] as const))
  const [first, second] = photos(base, 2)
  let seq = 0
  const put = (table: RecordTable, fields: object) => Mutation.parse({ mutationId: uuidv7(), deviceSeq: ++seq, kind: 'put', table, recordId: uuidv7(), baseRev: null, fields })
  const visits = Array.from({ length: DAY_COUNTS.visits }, (_, i) => {
    const [buildingId, householdId] = households[(n * DAY_COUNTS.visits + i) % households.length]!
    const fields = VisitFields.parse({
      buildingId,
      householdId,
      visitedAt: time(i * 12),
      purpose: VISIT_PURPOSES[i % VISIT_PURPOSES.length],
      topics: [TOPIC_PRESETS[i % TOPIC_PRESETS.length]],
      residentIds: [],
      othersMet: '',
      needs: NEEDS[i % NEEDS.length],
      outcome: OUTCOMES[i % OUTCOMES.length],
      followUpOn: null,
      photos: [],
    })
    return put('visits', fields)
  })
  const issues = [first!, second!].map((photo, i) =>
    put(
      'issues',
      IssueFields.parse({
        buildingId: account.buildingIds[i % 2],
        householdId: null,
        category: 'safety_hazard',
        location: `${i + 2}楼楼道`,
        description: i ? '楼道堆放纸箱，堵住安全出口' : '电动车在楼道充电',
        urgency: 'normal',
        photos: [photo.sha256],
        source: null,
      }),
    ),
  )
  const inspection = put(
    'inspections',
    InspectionFields.parse({
      templateId: template.id,
      templateVersion: template.version,
      buildingId: account.buildingIds[0],
      startedAt: time(150),
      completedAt: time(165),
      answers: Object.fromEntries(template.items.map((item) => [item.id, { result: 'pass', note: '', photos: [] }])),
    }),
  )
  return { photos: [first!, second!], mutations: [...visits, ...issues, inspection] }
}

/**
 * One phone's sync of its day, in the engine's order: which photos the server lacks, their upload, the push
 * (one batch: 13 mutations), the pull to the end, the health report. Every mutation must be applied.
 */
export async function syncDay(phone: LoadPhone, day: Day, stats: Stats): Promise<void> {
  const started = performance.now()
  const { transport } = phone
  const missing = await stats.time('missing photos', () => transport.missingAttachments(day.photos.map((p) => p.sha256)))
  for (const photo of day.photos) {
    if (missing.includes(photo.sha256)) await stats.time('photo upload', () => transport.putAttachment(photo.sha256, photo.bytes, 'image/jpeg'))
  }
  const answer = await stats.time('push', () => transport.push({ protocol: PROTOCOL_VERSION, deviceId: phone.deviceId, mutations: day.mutations }))
  for (const [i, result] of answer.results.entries()) {
    if (result.status !== 'applied') fail(stats, { kind: 'push', code: result.status === 'rejected' ? result.code : result.status, message: `mutation ${day.mutations[i]!.mutationId}: ${result.status}` })
  }
  await pullToEnd(phone, stats, 'pull')
  const now = new Date().toISOString()
  await stats.time('health', () => transport.reportHealth({ appVersion: 'loadtest', outboxSize: 0, oldestUnsentAt: null, storagePersisted: true, storageUsedBytes: 5_000_000, lastFullSyncAt: now }))
  stats.add('sync', performance.now() - started)
}

// ---- load over time ----

/** A small seeded generator (mulberry32), so that every run's arrivals are the same. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

export interface Arrivals {
  /** Phones that arrived (started their sync). */
  arrived: number
  /** Phones whose sync completed without an error. */
  completed: number
  /** From the step's start to the last sync's end (or the drain's). */
  ms: number
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * An open model: phones arrive at `rate` a second (Poisson arrivals, seeded), whatever the server's pace, each
 * syncing its day, until `seconds` pass or the phones run out; then the ones under way get `drainSeconds`
 * to finish (any still going then count as errors).
 */
export async function arrive(
  phones: LoadPhone[],
  work: (phone: LoadPhone, i: number) => Promise<void>,
  { rate, seconds, drainSeconds, seed, stats }: { rate: number; seconds: number; drainSeconds: number; seed: number; stats: Stats },
): Promise<Arrivals> {
  const random = seeded(seed)
  const start = performance.now()
  const running = new Set<Promise<void>>()
  let completed = 0
  let lastEnd = start
  let at = 0
  let arrived = 0
  while (arrived < phones.length) {
    at += (-Math.log(1 - random()) / rate) * 1000
    if (at > seconds * 1000) break
    const wait = start + at - performance.now()
    if (wait > 0) await sleep(wait)
    const phone = phones[arrived]!
    const i = arrived++
    const run: Promise<void> = work(phone, i).then(
      () => {
        completed++
        lastEnd = performance.now()
      },
      (error: unknown) => stats.fail('sync', error),
    )
    running.add(run)
    void run.finally(() => running.delete(run))
  }
  let timer: NodeJS.Timeout | undefined
  const drained = await Promise.race([Promise.all(running).then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), drainSeconds * 1000)))])
  clearTimeout(timer)
  if (!drained) {
    for (let i = 0; i < running.size; i++) stats.errors.push({ kind: 'sync', code: 'unfinished', message: `still syncing ${drainSeconds} s after the last arrival` })
    lastEnd = performance.now()
  }
  return { arrived, completed, ms: lastEnd - start }
}

// ---- the storms ----

/** Each community's office launches a campaign to all its buildings; then every phone pulls at once, and each must receive its campaign. */
export async function campaignStorm(url: string, offices: LoadPhone[], phones: LoadPhone[], template: ChecklistTemplate, stats: Stats): Promise<{ ms: number }> {
  for (const office of offices) {
    const body = NewCampaign.parse({ title: '台风来前防台风检查', templateId: template.id, deadline: new Date(Date.now() + 86_400_000).toISOString() })
    await stats.time('campaign launch', async () => {
      const response = await fetch(`${url}/api/v1/communities/${office.account.communityId}/campaigns`, {
        method: 'POST',
        headers: { authorization: `Bearer ${office.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      if (response.status !== 201) {
        const answer = (await response.json().catch(() => ({}))) as { error?: string; message?: string }
        throw new TransportError('refused', `campaign launch: ${answer.message ?? response.statusText}`, { status: response.status, apiError: answer.error })
      }
    })
  }
  const started = performance.now()
  await Promise.all(
    phones.map(async (phone) => {
      try {
        const { campaigns } = await pullToEnd(phone, stats, 'campaign pull')
        if (campaigns !== 1) fail(stats, { kind: 'campaign pull', code: 'campaign_missing', message: `${phone.account.username} pulled ${campaigns} campaigns, not 1` })
      } catch (error) {
        stats.fail('campaign pull', error)
      }
    }),
  )
  return { ms: performance.now() - started }
}

/** New phones, all at once, each pulling everything it may see from the beginning. */
export async function firstPullStorm(phones: LoadPhone[], stats: Stats): Promise<{ ms: number; changes: number }> {
  const started = performance.now()
  let changes = 0
  await Promise.all(
    phones.map(async (phone) => {
      const begun = performance.now()
      try {
        phone.cursor = null
        // Read after the await: `changes += await …` would add to the total as it was before the pull.
        const pulled = await pullToEnd(phone, stats, 'first pull page', false)
        changes += pulled.changes
        stats.add('first full pull', performance.now() - begun)
      } catch (error) {
        stats.fail('first pull page', error)
      }
    }),
  )
  return { ms: performance.now() - started, changes }
}

// ---- CPU: the generator's, PostgreSQL's, the machine's ----

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on every Linux Node runs on). */
const TICKS = 100

async function procTimes(pid: number): Promise<{ ppid: number; own: number; children: number } | undefined> {
  try {
    // The command name may hold spaces and parentheses: the fields start after its last ')'.
    const text = await readFile(`/proc/${pid}/stat`, 'utf8')
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
    // From field 3 (state): ppid is field 4, utime 14, stime 15, cutime 16, cstime 17.
    const at = (n: number) => Number(fields[n - 3])
    return { ppid: at(4), own: at(14) + at(15), children: at(16) + at(17) }
  } catch {
    return undefined // gone meanwhile
  }
}

/** The postmaster of the PostgreSQL at `databaseUrl` (the parent of a backend), which must run on this machine. */
export async function postmasterOf(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid')
    const backend = await procTimes(rows[0]!.pid)
    if (!backend) throw new Error('PostgreSQL is not on this machine: its CPU cannot be read from /proc')
    return backend.ppid
  } finally {
    await client.end()
  }
}

/**
 * CPU seconds so far of each process's children, from /proc/<pid>/stat: those that exited (its cutime and
 * cstime) and each live one's own (utime and stime), with the process's own time when `self` says so; and
 * how many children each has now.
 */
async function childrenSeconds(parents: Array<{ pid: number; self: boolean }>): Promise<Array<{ seconds: number; live: number }>> {
  const found = await Promise.all(
    parents.map(async ({ pid, self }) => {
      const times = await procTimes(pid)
      if (!times) throw new Error(`process ${pid} is gone`)
      return { ticks: times.children + (self ? times.own : 0), live: 0 }
    }),
  )
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const child = await procTimes(Number(name))
    const parent = found[parents.findIndex((p) => p.pid === child?.ppid)]
    if (!child || !parent) continue
    parent.ticks += child.own
    parent.live++
  }
  return found.map(({ ticks, live }) => ({ seconds: ticks / TICKS, live }))
}

/** The machine's busy and total CPU seconds (all cores) from /proc/stat. */
async function machineSeconds(): Promise<{ busy: number; total: number }> {
  const [user, nice, system, idle, iowait, ...rest] = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number)
  const total = [user, nice, system, idle, iowait, ...rest].reduce((a, b) => a! + b!, 0)!
  return { busy: (total - idle! - iowait!) / TICKS, total: total / TICKS }
}

export interface Cpu {
  wallSeconds: number
  /** This process (the generator), in cores (1 = one core busy all the time). */
  generator: number
  /** PostgreSQL: its postmaster and every child (each backend, the checkpointer, the WAL writer…). */
  postgres: number
  /** This process's child processes: the servers and HAProxy the runner started; null with none (--url). */
  servers: number | null
  /** Every core's busy share, 0–1, whatever ran. */
  machine: number
}

/** Starts the meters; `stop` answers what each used meanwhile. */
export async function meter(postmaster: number): Promise<{ stop(): Promise<Cpu> }> {
  const processes = [
    { pid: postmaster, self: true },
    { pid: process.pid, self: false },
  ]
  const wall = performance.now()
  const own = process.cpuUsage()
  const [database, children] = await childrenSeconds(processes)
  const machine = await machineSeconds()
  return {
    async stop() {
      const wallSeconds = (performance.now() - wall) / 1000
      const used = process.cpuUsage(own)
      const after = await machineSeconds()
      const [databaseAfter, childrenAfter] = await childrenSeconds(processes)
      return {
        wallSeconds,
        generator: (used.user + used.system) / 1e6 / wallSeconds,
        postgres: (databaseAfter!.seconds - database!.seconds) / wallSeconds,
        servers: childrenAfter!.live > 0 ? (childrenAfter!.seconds - children!.seconds) / wallSeconds : null,
        machine: (after.busy - machine.busy) / (after.total - machine.total),
      }
    },
  }
}
