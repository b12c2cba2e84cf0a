// First: Dexie finds IndexedDB when it loads, and in Node only fake-indexeddb provides one.
import 'fake-indexeddb/auto'
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { mkdtemp, open, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import SqliteDatabase from 'better-sqlite3'
import pg from 'pg'
import { createRepositories } from '@/app/db'
import { DoorstepDatabase, type SyncedRecord } from '@/app/db/database'
import { seedDemoIfEmpty } from '@/app/db/seed'
import { createSyncEngine, type SyncOutcome } from '@/app/sync/engine'
import { TransportError } from '@/app/sync/errors'
import { readSession, signIn, type StoredSession } from '@/app/sync/session'
import { fetchTransport, type SyncTransport } from '@/app/sync/transport'
import { Mutation, PROTOCOL_VERSION, PULL_TABLES, TOPIC_PRESETS, uuidv7, VISIT_PURPOSES, Visit, type VisitFields } from '@/domain'
import { demoHouseholds, demoResidents } from '@/domain/demo'
import { buildServer } from '@/server/app'
import { DEMO_PASSWORD, DEMO_USERS, seedDemo } from '@/server/seed'
import { openSqliteStorage, SQLITE_FILE } from '@/server/storage/sqlite'
import type { Storage } from '@/server/storage/types'
import { parseMutation } from '@/server/routes/sync'
import { createTestDatabase, postgresUnavailable, startCluster, type Cluster } from '../integration/postgres'
import { ROOT } from './first-screen'
import { count, median, ms, percentile, ratio, seconds, target, type Table } from './report'

/*
 * The sync benchmarks (e–h of docs/benchmarks.md): the real device engine (Dexie on fake-indexeddb) and the
 * real server on loopback. e–g share one run: a phone pushes its visits, a fresh phone pulls them, and the
 * bytes of both are counted on the way. h starts the server as `npm start` does, in a process of its own,
 * so that the clients' work does not queue in the server's event loop.
 */

const VISITS = 10_000
const SINGLE_SAMPLE = 500
const BASELINE_RUNS = 3
const LATENCY_BATCH = 10
const LATENCY_REQUESTS = { one: 100, each: 50, clients: 10, warmUp: 5 }
const LEADER = DEMO_USERS.find((u) => u.username === 'leader1')!

// ---- what a leader records ----

/** A small seeded generator, so that every run pushes the same visits. */
function seeded(seed: number) {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!
  const some = <T>(list: readonly T[], most: number): T[] => [...new Set(Array.from({ length: 1 + Math.floor(next() * most) }, () => pick(list)))]
  return { next, pick, some }
}

const NEEDS = [
  '想了解养老金年审怎么在手机上办，家里只有老人，手机用不熟',
  '老人腿脚不便，想申请居家养老上门服务',
  '楼道灯坏了好几天，晚上上下楼不安全',
  '反映楼上漏水，卫生间天花板有水渍',
  '咨询加装电梯的费用分摊和签字进度',
  '孩子积分入学要准备的材料不清楚',
  '想报名社区的防诈骗讲座，顺便问问最近的骗局',
  '对垃圾分类的投放时间有意见，希望晚上延长一小时',
  '独居老人，子女在外地，希望有人定期上门看看',
  '和楼下邻居因为晾衣服滴水有些矛盾',
  '医保报销流程不熟悉，想请人帮忙整理单据',
  '家里有残疾人，想了解护理补贴怎么申请',
]
const OUTCOMES = [
  '已教会用粤省事做年审，下周再来看看',
  '已登记需求，转社区居家养老服务站跟进',
  '已报物业维修，约定三天内处理',
  '已联系楼上住户，约好周末一起查看',
  '讲解了分摊方案，住户表示同意签字',
  '把材料清单发到了家长的手机上',
  '已报名，讲座时间发短信提醒',
  '意见已记录，月底居民议事会上讨论',
  '留了网格员电话，约定每周电话问候一次',
  '双方当面沟通，同意加装接水槽',
  '帮忙整理了单据，下次陪同去医保窗口',
  '介绍了补贴政策，下周带表格上门',
]
const OTHERS = ['', '', '', '她儿子', '护工小李', '楼下邻居王阿姨']

const householdsInScope = demoHouseholds.filter((h) => LEADER.buildingIds.includes(h.buildingId))
const residentsOf = new Map(householdsInScope.map((h) => [h.id, demoResidents.filter((r) => r.householdId === h.id).map((r) => r.id)]))

/** `n` visits a leader might record: their own buildings, two years of dates, text that varies like real notes. */
export function visitFields(n: number, seed: number): VisitFields[] {
  const random = seeded(seed)
  const end = Date.parse('2026-11-20T10:00:00.000Z')
  return Array.from({ length: n }, (_, i) => {
    const household = householdsInScope[i % householdsInScope.length]!
    const visitedAt = new Date(end - Math.floor(random.next() * 730 * 86_400_000))
    const followUp = random.next() < 0.25 ? new Date(visitedAt.getTime() + 7 * 86_400_000).toISOString().slice(0, 10) : null
    return {
      buildingId: household.buildingId,
      householdId: household.id,
      visitedAt: visitedAt.toISOString(),
      purpose: random.pick(VISIT_PURPOSES),
      topics: random.some(TOPIC_PRESETS, 2),
      residentIds: random.some(residentsOf.get(household.id)!, 2),
      othersMet: random.pick(OTHERS),
      needs: `${random.some(NEEDS, 2).join('；')}。`,
      outcome: `${random.some(OUTCOMES, 2).join('；')}。`,
      followUpOn: followUp,
      followsVisitId: null,
      photos: [],
    }
  })
}

// ---- what crosses the wire ----

/** Per route: requests, their durations as the device saw them and in the server, and the bodies as sent. */
interface RouteStats {
  requests: number
  /** From the transport call to the validated answer, at the device. */
  deviceMs: number
  /** From the request's arrival to the answer sent (Fastify's reply.elapsedTime). */
  serverMs: number
  requestBytes: number
  responseBytes: number
  requestBodies: string[]
  responseBodies: string[]
  /** Content-Encoding of the answers, when the server compressed any. */
  encodings: Set<string>
}

function routeStats(): RouteStats {
  return { requests: 0, deviceMs: 0, serverMs: 0, requestBytes: 0, responseBytes: 0, requestBodies: [], responseBodies: [], encodings: new Set() }
}

interface Probe {
  push: RouteStats
  pull: RouteStats
  /** Inside the server's storage.push: the rules, Kysely and SQLite. */
  storagePushMs: number
  batches: number[]
}

const newProbe = (): Probe => ({ push: routeStats(), pull: routeStats(), storagePushMs: 0, batches: [] })

const routeOf = (url: string): 'push' | 'pull' | undefined =>
  url.startsWith('/api/v1/sync/push') ? 'push' : url.startsWith('/api/v1/sync/pull') ? 'pull' : undefined

/** The sync server in this process, on loopback, with the demo data; `probe` collects what it sees. */
async function startServer(dataDir: string) {
  const storage = openSqliteStorage({ dataDir })
  await storage.migrate()
  await seedDemo(storage)
  const state = { probe: newProbe() }
  const push = storage.push.bind(storage)
  storage.push = async (...args: Parameters<Storage['push']>) => {
    const start = performance.now()
    try {
      return await push(...args)
    } finally {
      state.probe.storagePushMs += performance.now() - start
    }
  }
  const app = buildServer({ storage })
  // Compressed answers are streamed without a Content-Length: what an answer cost on the wire is what the
  // socket wrote while it was sent (headers and chunk framing included). Plain callbacks, not async hooks:
  // they cost the server next to nothing.
  const writtenBefore = new WeakMap<object, number>()
  app.addHook('onRequest', (request, _reply, done) => {
    writtenBefore.set(request, request.raw.socket.bytesWritten)
    done()
  })
  app.addHook('onResponse', (request, reply, done) => {
    const route = routeOf(request.url)
    if (route) {
      state.probe[route].serverMs += reply.elapsedTime
      state.probe[route].responseBytes += request.raw.socket.bytesWritten - (writtenBefore.get(request) ?? 0)
    }
    done()
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  return {
    baseUrl,
    state,
    close: async () => {
      await app.close()
      await storage.close()
    },
  }
}

/** fetch, counting each sync request's body as sent and keeping each answer's body as received (decoded). */
function countingFetch(state: { probe: Probe }): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init)
    const route = routeOf(new URL(String(input)).pathname)
    if (route) {
      const stats = state.probe[route]
      stats.requests++
      // A push body of 2 KB or more goes gzip-compressed (a Uint8Array): its bytes as sent, its text as sent before.
      const body = init?.body
      if (typeof body === 'string') {
        stats.requestBytes += Buffer.byteLength(body)
        stats.requestBodies.push(body)
      } else if (body instanceof Uint8Array) {
        stats.requestBytes += body.byteLength
        stats.requestBodies.push(gunzipSync(body).toString())
        stats.encodings.add('gzip from the phone')
      }
      stats.responseBodies.push(await response.clone().text())
      const encoding = response.headers.get('content-encoding')
      if (encoding) stats.encodings.add(`${encoding} from the server`)
    }
    return response
  }
}

/** The transport, timed: each push and pull from the call to the validated answer. */
function timed(transport: SyncTransport, state: { probe: Probe }): SyncTransport {
  const time =
    <A extends unknown[], R>(route: 'push' | 'pull', call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const start = performance.now()
      try {
        return await call(...args)
      } finally {
        state.probe[route].deviceMs += performance.now() - start
      }
    }
  return { ...transport, push: time('push', transport.push), pull: time('pull', transport.pull) }
}

/** Ends a run where pull would begin, so that a push is measured alone; `at` gets the time. */
function pushOnly(transport: SyncTransport, at: { pushEnded?: number }): SyncTransport {
  return {
    ...transport,
    pull: async () => {
      at.pushEnded ??= performance.now()
      throw new TransportError('offline', 'benchmark: push only')
    },
  }
}

/** Sends each mutation of a batch in a request of its own, one after another. */
function oneRequestPerMutation(transport: SyncTransport): SyncTransport {
  return {
    ...transport,
    push: async (batch) => {
      const results = []
      for (const mutation of batch.mutations) results.push(...(await transport.push({ ...batch, mutations: [mutation] })).results)
      return { results }
    },
  }
}

/** A phone signed in as leader1: a fresh Dexie database on fake-indexeddb with the demo data, like a new install. */
async function phone(baseUrl: string, name: string) {
  const db = new DoorstepDatabase(`bench-${name}-${randomUUID()}`)
  await seedDemoIfEmpty(db)
  const { user } = await signIn(db, fetchTransport({ baseUrl, token: null }), { serverUrl: baseUrl, username: LEADER.username, password: DEMO_PASSWORD, deviceName: name })
  const session = (await readSession(db)) as StoredSession
  return { db, session, author: { userId: user.id, deviceId: name } }
}

type Phone = Awaited<ReturnType<typeof phone>>

/** Records `fields` through the app's repository: each visit and its outbox entry in one transaction. */
async function record(device: Phone, fields: VisitFields[]): Promise<number> {
  const visits = createRepositories(device.db).visits
  const start = performance.now()
  for (const f of fields) await visits.create(f, device.author)
  return performance.now() - start
}

/** One engine run that pushes the whole outbox and stops where pull would begin; answers its duration. */
async function pushAll(device: Phone, transport: SyncTransport): Promise<number> {
  const at: { pushEnded?: number } = {}
  const engine = createSyncEngine({ db: device.db, transport: () => pushOnly(transport, at) })
  const start = performance.now()
  const outcome: SyncOutcome = await engine.sync()
  const left = await device.db.outbox.count()
  const refused = await device.db.rejections.count()
  if (outcome.status !== 'failed' || at.pushEnded === undefined || left || refused) {
    throw new Error(`push did not complete: ${JSON.stringify(outcome)}, ${left} left in the outbox, ${refused} refused`)
  }
  return at.pushEnded - start
}

// ---- baselines ----

/**
 * better-sqlite3 alone: `rows` (every column the server wrote) inserted into a fresh database with the
 * server's schema and pragmas (the migrations run by the server's own code), in transactions of `batches`
 * records and their mutations' answers. Answers the time.
 */
async function rawInsert(rows: { records: Array<Record<string, unknown>>; mutations: Array<Record<string, unknown>> }, batches: number[]): Promise<number> {
  const dataDir = await mkdtemp(join(tmpdir(), 'doorstep-bench-raw-'))
  try {
    const storage = openSqliteStorage({ dataDir })
    await storage.migrate()
    await storage.close()
    const db = new SqliteDatabase(join(dataDir, SQLITE_FILE))
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    const insert = (table: string, columns: string[]) => db.prepare(`insert into ${table} (${columns.join(', ')}) values (${columns.map((c) => `@${c}`).join(', ')})`)
    const records = insert('records', Object.keys(rows.records[0]!))
    const mutations = insert('mutations', Object.keys(rows.mutations[0]!))
    const write = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) {
        records.run(rows.records[i])
        mutations.run(rows.mutations[i])
      }
    })
    const start = performance.now()
    let from = 0
    for (const size of batches) {
      write(from, from + size)
      from += size
    }
    const elapsed = performance.now() - start
    db.close()
    return elapsed
  } finally {
    await rm(dataDir, { recursive: true, force: true })
  }
}

/** IndexedDB alone, on the same fake-indexeddb: `records` put into a fresh device database in one transaction. */
async function rawPut(records: Map<string, unknown[]>): Promise<number> {
  const name = `bench-raw-${randomUUID()}`
  // Dexie makes the schema (the same stores and indexes); then IndexedDB itself does the writing.
  const schema = new DoorstepDatabase(name)
  await schema.open()
  schema.close()
  const request = indexedDB.open(name)
  const idb = await new Promise<IDBDatabase>((resolve, reject) => {
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error)
  })
  const start = performance.now()
  const transaction = idb.transaction([...records.keys()], 'readwrite')
  for (const [store, list] of records) {
    const target = transaction.objectStore(store)
    for (const item of list) target.put(item)
  }
  await new Promise<void>((resolve, reject) => {
    transaction.oncomplete = () => resolve()
    transaction.onerror = () => reject(transaction.error)
  })
  const elapsed = performance.now() - start
  idb.close()
  await schema.delete()
  return elapsed
}

/**
 * storage.push alone: `mutations` (as a device sent them, parsed as the push route parses them) applied in
 * batches of `batches` to a fresh server database with the demo data, by the leader. Answers the time.
 */
async function storagePushApart(mutations: unknown[], batches: number[]): Promise<number> {
  const dataDir = await mkdtemp(join(tmpdir(), 'doorstep-bench-apart-'))
  try {
    const storage = openSqliteStorage({ dataDir })
    await storage.migrate()
    await seedDemo(storage)
    const user = (await storage.findUserByUsername(LEADER.username))!
    const principal = { userId: user.id, deviceId: 'bench-apart', role: user.role, communityId: user.communityId!, buildingIds: user.buildingIds }
    const incoming = mutations.map(parseMutation)
    const now = new Date()
    const start = performance.now()
    let from = 0
    for (const size of batches) {
      const results = await storage.push(principal, incoming.slice(from, (from += size)), now)
      if (results.some((r) => r.status !== 'applied')) throw new Error(`a push was not applied: ${JSON.stringify(results.find((r) => r.status !== 'applied'))}`)
    }
    const elapsed = performance.now() - start
    await storage.close()
    return elapsed
  } finally {
    await rm(dataDir, { recursive: true, force: true })
  }
}

/** The median of BASELINE_RUNS runs: baselines are cheap, so a stray pause on the machine weighs less. */
async function medianOf(run: () => Promise<number>): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < BASELINE_RUNS; i++) times.push(await run())
  return median(times)
}

/** Time of `work` over every item, measured apart from the run. */
function apart<T>(items: T[], work: (item: T) => unknown): number {
  const start = performance.now()
  for (const item of items) work(item)
  return performance.now() - start
}

// ---- e–g: push, pull, bytes ----

interface Server {
  baseUrl: string
  dataDir: string
  state: { probe: Probe }
  transportOf(device: Phone): SyncTransport
}

interface PushFigures {
  ms: number
  recordMs: number
  probe: Probe
  /** storage.push measured apart (median of BASELINE_RUNS runs). */
  storagePushMs: number
  rawMs: number
  jsonMs: number
  zodMs: number
  /** The visits as the phone stored them before the push. */
  bare: SyncedRecord[]
}

/** e) A phone records VISITS visits, then the engine pushes them; the same rows go into bare SQLite after. */
async function measurePush(server: Server): Promise<PushFigures> {
  const device = await phone(server.baseUrl, 'bench push phone')
  const recordMs = await record(device, visitFields(VISITS, 1))
  const bare = (await device.db.visits.toArray()) as SyncedRecord[]
  const probe = (server.state.probe = newProbe())
  const mutations: unknown[] = []
  const transport = server.transportOf(device)
  const ms = await pushAll(device, {
    ...transport,
    push: (batch) => {
      probe.batches.push(batch.mutations.length)
      mutations.push(...batch.mutations)
      return transport.push(batch)
    },
  })
  await device.db.delete()

  const stored = new SqliteDatabase(join(server.dataDir, SQLITE_FILE), { readonly: true })
  const rows = {
    records: stored.prepare(`select * from records where table_name = 'visits' order by rev`).all() as Array<Record<string, unknown>>,
    mutations: stored.prepare(`select * from mutations order by rowid`).all() as Array<Record<string, unknown>>,
  }
  stored.close()
  if (rows.records.length !== VISITS || rows.mutations.length !== VISITS) throw new Error(`the server has ${rows.records.length} visits, ${rows.mutations.length} mutations`)
  return {
    ms,
    recordMs,
    probe,
    storagePushMs: await medianOf(() => storagePushApart(mutations, probe.batches)),
    rawMs: await medianOf(() => rawInsert(rows, probe.batches)),
    jsonMs: apart(probe.push.requestBodies, (body) => JSON.parse(body)),
    zodMs: apart(mutations, (m) => Mutation.safeParse(m)),
    bare,
  }
}

/** e) The same engine sending one request per mutation: SINGLE_SAMPLE visits. */
async function measureSingle(server: Server): Promise<{ ms: number; requests: number }> {
  const device = await phone(server.baseUrl, 'bench single phone')
  await record(device, visitFields(SINGLE_SAMPLE, 2))
  server.state.probe = newProbe()
  const ms = await pushAll(device, oneRequestPerMutation(server.transportOf(device)))
  await device.db.delete()
  return { ms, requests: server.state.probe.push.requests }
}

interface PullFigures {
  ms: number
  pulled: number
  stats: RouteStats
  rawPutMs: number
  visitZodMs: number
  /** The records as the new phone stored them. */
  bare: unknown[]
}

/** f) A new phone's first sync pulls everything in scope; the same records then go into bare IndexedDB. */
async function measurePull(server: Server): Promise<PullFigures> {
  const device = await phone(server.baseUrl, 'bench pull phone')
  const probe = (server.state.probe = newProbe())
  const engine = createSyncEngine({ db: device.db, transport: () => server.transportOf(device) })
  const start = performance.now()
  const outcome = await engine.sync()
  const ms = performance.now() - start
  if (outcome.status !== 'done' || outcome.skipped) throw new Error(`pull did not complete: ${JSON.stringify(outcome)}`)
  const stores = new Map<string, unknown[]>()
  for (const table of PULL_TABLES) stores.set(table, await device.db.table(table).toArray())
  await device.db.delete()
  const bare = [...stores.values()].flat()
  const visits = stores.get('visits')!
  if (bare.length !== outcome.pulled || visits.length !== VISITS) throw new Error(`pulled ${outcome.pulled}, stored ${bare.length} (${visits.length} visits)`)
  return {
    ms,
    pulled: outcome.pulled,
    stats: probe.pull,
    rawPutMs: await medianOf(() => rawPut(stores)),
    visitZodMs: apart(visits, (visit) => Visit.safeParse(visit)),
    bare,
  }
}

function pushTable(push: PushFigures, single: { ms: number; requests: number }): Table {
  const { probe } = push
  const rate = (VISITS / push.ms) * 1000
  const storageRate = (VISITS / push.storagePushMs) * 1000
  const rawRate = (VISITS / push.rawMs) * 1000
  const singleRate = (SINGLE_SAMPLE / single.ms) * 1000
  return {
    title: `e) Pushing ${count(VISITS)} visits to the server`,
    about: `A phone — the app's Dexie database on fake-indexeddb, in Node (not Chromium's IndexedDB, whose costs differ) — holds ${count(VISITS)} visits recorded through the app's repository (each visit and its outbox entry in one transaction: ${seconds(push.recordMs)}, not counted). The app's sync engine (src/app/sync/engine.ts, fetchTransport) pushes them over real HTTP on loopback to the server (src/server buildServer, SQLite engine in a temp folder, logging off) in this process; the time runs from sync() to the engine's first pull request, by which time every answer is settled in IndexedDB. The engine's batches adapt: ${probe.batches.length} requests of ${Math.min(...probe.batches)}–${Math.max(...probe.batches)} mutations. The target is the server's: storage.push measured apart after the run — the same mutations, parsed as the push route parses them, applied in the same batches to a fresh server database with the demo data (median of ${BASELINE_RUNS} runs); the engine's push is the diagnosis around it. Baseline: better-sqlite3 alone writing the same rows the server wrote — each visit's record row and its mutation's answer row in the ledger, every column, the same JSON text — into a fresh database with the server's schema and pragmas (WAL, synchronous NORMAL), in transactions of the same sizes (median of ${BASELINE_RUNS} runs). (Before 2026-12-07 the baseline wrote the record rows alone, of fewer columns, and the target was set on the engine's push.) "One request per record": ${count(SINGLE_SAMPLE)} more visits pushed by the same engine with its transport sending each mutation in a request of its own (${count(single.requests)} requests). The rows "measured apart" were timed again on their own after the run.`,
    head: ['', 'time', 'records/s', '÷ raw insert'],
    rows: [
      [`**server: storage.push of ${count(VISITS)} visits, measured apart (the rules, Kysely, SQLite)**`, seconds(push.storagePushMs), `**${count(storageRate)}**`, `**${ratio(storageRate / rawRate)}**`],
      [`app: engine push of ${count(VISITS)} visits, batched`, seconds(push.ms), count(rate), ratio(rate / rawRate)],
      ['of which: the device between requests (reading the outbox, building batches, settling answers in IndexedDB)', seconds(push.ms - probe.push.deviceMs), '', ''],
      ['of which: requests, from the transport call to the checked answer (JSON, HTTP, the server)', seconds(probe.push.deviceMs), '', ''],
      ['of the requests: in the server (request in → answer out)', seconds(probe.push.serverMs), '', ''],
      ['of the server: storage.push, in the run', seconds(probe.storagePushMs), '', ''],
      ['server work measured apart: JSON.parse of the request bodies', seconds(push.jsonMs), '', ''],
      ['server work measured apart: zod Mutation.safeParse of every mutation', seconds(push.zodMs), '', ''],
      [`app: the same engine, one request per record (${count(SINGLE_SAMPLE)} records)`, seconds(single.ms), count(singleRate), ratio(singleRate / rawRate)],
      ['raw better-sqlite3: the same record and answer rows (baseline)', seconds(push.rawMs), count(rawRate), ratio(1)],
    ],
    notes: [
      target(storageRate >= 0.6 * rawRate, `storage.push at least 60% of the raw insert's rate (${Math.round((storageRate / rawRate) * 100)}%)`),
      `Batched ÷ one request per record: ${ratio(rate / singleRate)} the rate (one request per record, ${count(VISITS)} visits would take about ${seconds((single.ms / SINGLE_SAMPLE) * VISITS)}).`,
    ],
  }
}

function pullTable(pull: PullFigures): Table {
  const rate = (pull.pulled / pull.ms) * 1000
  const rawRate = (pull.pulled / pull.rawPutMs) * 1000
  return {
    title: `f) Pulling ${count(pull.pulled)} records into a fresh phone`,
    about: `A new phone (fake-indexeddb, in Node: not Chromium's IndexedDB, whose costs differ) signs in as leader1 and syncs once: the engine pulls everything in scope — the ${count(VISITS)} visits of e) and the reference data of the leader's buildings, ${count(pull.pulled)} records in ${count(pull.stats.requests)} pages of up to 500 — each page validated with the domain schemas and written with its cursor in one transaction. Baseline: IndexedDB itself on the same fake-indexeddb, the same ${count(pull.pulled)} records (as the phone stored them) put into a fresh database of the same schema in one transaction (median of ${BASELINE_RUNS} runs).`,
    head: ['', 'time', 'records/s', '÷ raw put'],
    rows: [
      [`**app: engine pull of ${count(pull.pulled)} records**`, seconds(pull.ms), `**${count(rate)}**`, ratio(rate / rawRate)],
      ['of which: requests, from the transport call to the checked page (HTTP, JSON, the server)', seconds(pull.stats.deviceMs), '', ''],
      ['of the requests: in the server (request in → answer out)', seconds(pull.stats.serverMs), '', ''],
      ['of which: the device writing pages (record schemas, Dexie, IndexedDB)', seconds(pull.ms - pull.stats.deviceMs), '', ''],
      [`device work measured apart: zod Visit.safeParse of the ${count(VISITS)} visits`, seconds(pull.visitZodMs), '', ''],
      ['raw IndexedDB: one transaction putting the same records (baseline)', seconds(pull.rawPutMs), count(rawRate), ratio(1)],
    ],
    notes: [target(rate >= 0.8 * rawRate, `at least 0.8× the raw put's rate (${ratio(rate / rawRate)})`)],
  }
}

const gzipBytes = (text: string) => gzipSync(text).length
const gzipped = (bodies: string[]) => bodies.reduce((sum, body) => sum + gzipBytes(body), 0)

/** g) Bytes of e)'s push and f)'s pull, per record, against the gzip of the bare records. */
function bytesTable(push: PushFigures, pull: PullFigures): Table {
  const sides = {
    push: { stats: push.probe.push, records: VISITS, bare: JSON.stringify(push.bare) },
    pull: { stats: pull.stats, records: pull.pulled, bare: JSON.stringify(pull.bare) },
  }
  const figures = Object.values(sides).map(({ stats, records, bare }) => {
    const requestsGzip = gzipped(stats.requestBodies)
    const answersGzip = gzipped(stats.responseBodies)
    const bareGzip = gzipBytes(bare)
    const per = (bytes: number) => `${count(bytes / records)} B`
    const sent = stats.requestBytes + stats.responseBytes
    return {
      times: sent / bareGzip,
      cells: {
        sent: per(sent),
        requests: per(stats.requestBytes),
        answers: per(stats.responseBytes),
        times: ratio(sent / bareGzip),
        gzip: per(requestsGzip + answersGzip),
        requestsGzip: per(requestsGzip),
        answersGzip: per(answersGzip),
        gzipTimes: ratio((requestsGzip + answersGzip) / bareGzip),
        bare: per(Buffer.byteLength(bare)),
        bareGzip: per(bareGzip),
      },
    }
  })
  const [pushed, pulled] = figures as [(typeof figures)[0], (typeof figures)[0]]
  const row = (label: string, cell: keyof typeof pushed.cells) => [label, pushed.cells[cell], pulled.cells[cell]]
  const encodings = [...sides.push.stats.encodings, ...sides.pull.stats.encodings]
  const compression = encodings.length ? [...new Set(encodings)].join(', ') : 'none — the server sends its JSON as it is, whatever Accept-Encoding asks for, and the device sends plain JSON'
  return {
    title: 'g) Bytes on the wire per record',
    about: `The request and response bodies of e)'s batched push and f)'s pull, as they crossed the wire (the answers as the server's socket wrote them, headers included), per record. Compression: ${compression}. For comparison, the same bodies each gzip-compressed on its own (zlib's default level), as they would be with compression both ways. Baseline: the bare records — for push the visits as the phone stored them, for pull the records as the new phone stored them — as one JSON array, gzip-compressed.`,
    head: ['', 'push', 'pull'],
    rows: [
      ['**wire, as sent (requests + answers)**', `**${pushed.cells.sent}**`, `**${pulled.cells.sent}**`],
      row('of which requests', 'requests'),
      row('of which answers', 'answers'),
      row('÷ gzip of the bare records', 'times'),
      row('wire, if every body were gzip-compressed', 'gzip'),
      row('of which requests', 'requestsGzip'),
      row('of which answers', 'answersGzip'),
      row('÷ gzip of the bare records', 'gzipTimes'),
      row('bare records, JSON', 'bare'),
      row('bare records, gzip (baseline)', 'bareGzip'),
    ],
    notes: [
      target(pushed.times <= 1.2, `push at most 1.2× the gzip of the bare records (${ratio(pushed.times)})`),
      target(pulled.times <= 1.2, `pull at most 1.2× the gzip of the bare records (${ratio(pulled.times)})`),
    ],
  }
}

/** e–g on one server: push, the one-request-per-record sample, pull, and the bytes of both. */
async function pushPullBytes(): Promise<Table[]> {
  const dataDir = await mkdtemp(join(tmpdir(), 'doorstep-bench-sync-'))
  const started = await startServer(dataDir)
  const fetchCounted = countingFetch(started.state)
  const server: Server = {
    ...started,
    dataDir,
    transportOf: (device) => timed(fetchTransport({ baseUrl: started.baseUrl, token: device.session.token, fetch: fetchCounted }), started.state),
  }
  try {
    const push = await measurePush(server)
    // Before the sample, so that the new phone pulls exactly the VISITS visits of the push.
    const pull = await measurePull(server)
    const single = await measureSingle(server)
    return [pushTable(push, single), pullTable(pull), bytesTable(push, pull)]
  } finally {
    await started.close()
    await rm(dataDir, { recursive: true, force: true })
  }
}

// ---- h: push latency under concurrent clients ----

/**
 * `npm start`'s server (src/server/index.ts through tsx) in a process of its own, demo data seeded; answers its URL.
 * Its log goes to a file, as under a process manager. Node writes to a pipe synchronously on Linux: read by this
 * busy process, a full pipe held the server for up to 150 ms at a time, and every push in flight with it.
 */
export async function startServerProcess(env: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), 'doorstep-server-'))
  const logFile = join(dir, 'log')
  const output = () => readFileSync(logFile, 'utf8')
  let child: ChildProcess | undefined
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit')
      child.kill('SIGTERM')
      await exited
    }
    await rm(dir, { recursive: true, force: true })
  }
  try {
    const log = await open(logFile, 'w')
    child = spawn(process.execPath, ['--import', 'tsx', 'src/server/index.ts'], {
      cwd: ROOT,
      env: { ...process.env, HOST: '127.0.0.1', PORT: '0', DOORSTEP_DEMO: '1', DATABASE_URL: '', ...env },
      stdio: ['ignore', log.fd, log.fd],
    })
    await log.close()
    const started = child
    const url = await new Promise<string>((resolve, reject) => {
      const deadline = Date.now() + 60_000
      const failed = (why: string) => {
        clearInterval(look)
        reject(new Error(`${why}:\n${output()}`))
      }
      const look = setInterval(() => {
        const found = /open (http:\/\/127\.0\.0\.1:\d+)\//.exec(output())
        if (found) {
          clearInterval(look)
          resolve(found[1]!)
        } else if (Date.now() > deadline) failed('the server did not listen within a minute')
      }, 50)
      started.once('exit', (code) => failed(`the server stopped (${code}) before it listened`))
      started.once('error', (error) => failed(`the server did not start (${error.message})`))
    })
    return { url, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

interface Client {
  transport: SyncTransport
  deviceId: string
  seq: number
}

/** A device signed in as leader1, pushing straight through the transport (no database: only the server is under test). */
async function client(url: string, name: string): Promise<Client> {
  const login = await fetchTransport({ baseUrl: url, token: null }).login({ username: LEADER.username, password: DEMO_PASSWORD, deviceName: name })
  return { transport: fetchTransport({ baseUrl: url, token: login.token }), deviceId: login.deviceId, seq: 0 }
}

/** `requests` batches of LATENCY_BATCH new visits from `device`, numbered on from its last. */
function batchesFor(device: Client, requests: number, seed: number): Mutation[][] {
  const fields = visitFields(requests * LATENCY_BATCH, seed)
  return Array.from({ length: requests }, (_, r) =>
    fields.slice(r * LATENCY_BATCH, (r + 1) * LATENCY_BATCH).map(
      (f): Mutation => ({ mutationId: uuidv7(), deviceSeq: ++device.seq, kind: 'put', table: 'visits', recordId: uuidv7(), baseRev: null, fields: { ...f, createdAt: f.visitedAt } }),
    ),
  )
}

/** The batches pushed one after another; answers each push's latency. */
async function pushLoop(device: Client, batches: Mutation[][]): Promise<number[]> {
  const latencies: number[] = []
  for (const mutations of batches) {
    const start = performance.now()
    const { results } = await device.transport.push({ protocol: PROTOCOL_VERSION, deviceId: device.deviceId, mutations })
    latencies.push(performance.now() - start)
    if (results.some((r) => r.status !== 'applied')) throw new Error(`a push was not applied: ${JSON.stringify(results.find((r) => r.status !== 'applied'))}`)
  }
  return latencies
}

/**
 * Every client's pushes at once, their batches all built before the first clock starts: built client by client
 * as each began, the nine others' building delayed the first pushes' answers (to 100–170 ms).
 */
async function pushSideBySide(clients: Client[], requests: number, seed: number): Promise<{ latencies: number[]; ms: number }> {
  const batches = clients.map((c, i) => batchesFor(c, requests, seed + i))
  const start = performance.now()
  const latencies = (await Promise.all(clients.map((c, i) => pushLoop(c, batches[i]!)))).flat()
  return { latencies, ms: performance.now() - start }
}

interface LatencyRun {
  one: number[]
  many: number[]
  manyMs: number
}

async function latencyRun(url: string): Promise<LatencyRun> {
  // One after another: sign-ins in flight together count as attempts against the account's throttle.
  const clients: Client[] = []
  for (let i = 0; i < LATENCY_REQUESTS.clients; i++) clients.push(await client(url, `bench latency phone ${i + 1}`))
  await pushSideBySide(clients, LATENCY_REQUESTS.warmUp, 100)
  const one = await pushLoop(clients[0]!, batchesFor(clients[0]!, LATENCY_REQUESTS.one, 200))
  const many = await pushSideBySide(clients, LATENCY_REQUESTS.each, 300)
  return { one, many: many.latencies, manyMs: many.ms }
}

async function latency(): Promise<Table> {
  const runs: Array<{ engine: string; run: LatencyRun | string }> = []
  const dataDir = await mkdtemp(join(tmpdir(), 'doorstep-bench-latency-'))
  try {
    const sqlite = await startServerProcess({ DOORSTEP_DATA_DIR: dataDir })
    try {
      runs.push({ engine: 'SQLite', run: await latencyRun(sqlite.url) })
    } finally {
      await sqlite.stop()
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true })
  }
  let postgresVersion = ''
  const missing = postgresUnavailable()
  if (missing) runs.push({ engine: 'PostgreSQL', run: missing })
  else {
    let cluster: Cluster | undefined
    try {
      cluster = await startCluster({ durable: true })
      const admin = new pg.Client({ connectionString: cluster.url })
      await admin.connect()
      postgresVersion = (await admin.query<{ server_version: string }>('show server_version')).rows[0]!.server_version
      await admin.end()
      const postgres = await startServerProcess({ DATABASE_URL: await createTestDatabase(cluster.url) })
      try {
        runs.push({ engine: 'PostgreSQL', run: await latencyRun(postgres.url) })
      } finally {
        await postgres.stop()
      }
    } finally {
      await cluster?.stop()
    }
  }
  const { clients, each, one } = LATENCY_REQUESTS
  const rows: string[][] = []
  const notes: string[] = []
  for (const { engine, run } of runs) {
    if (typeof run === 'string') {
      rows.push([`${engine}: not measured`, '', '', '', '', ''])
      notes.push(`${engine} not measured: ${run}`)
      continue
    }
    const p99 = percentile(run.many, 99)
    const oneP99 = percentile(run.one, 99)
    rows.push([`**${engine}: ${clients} clients at once**`, count(run.many.length), ms(median(run.many)), `**${ms(p99)}**`, ms(Math.max(...run.many)), ratio(p99 / oneP99)])
    rows.push([`${engine}: 1 client (baseline)`, count(run.one.length), ms(median(run.one)), ms(oneP99), ms(Math.max(...run.one)), ratio(1)])
    notes.push(target(p99 <= 100, `${engine}, p99 with ${clients} clients within 100 ms (${ms(p99)}; ${count((run.many.length * LATENCY_BATCH * 1000) / run.manyMs)} visits/s in all)`))
  }
  return {
    title: `h) Push latency with ${clients} clients at once`,
    about: `The server as \`npm start\` runs it (src/server/index.ts through tsx, request log on and written to a file, demo data seeded), in a process of its own on loopback; SQLite in a temp folder, then PostgreSQL ${postgresVersion} in a throw-away cluster with its default durability settings (fsync on). ${clients} devices sign in as leader1; each pushes batches of ${LATENCY_BATCH} new visits through the app's transport (fetchTransport: JSON, HTTP, answer validation), one request after another with no pause, ${each} requests each (${clients * each} in all), after ${LATENCY_REQUESTS.warmUp} warm-up requests each; every client's batches are built before the first clock starts. Latency is from the push call to its checked answer. With no pause between requests, the clients keep the server saturated, and latency under load is mostly queueing: the server has one event loop; on SQLite pushes are applied one at a time (one writer), while on PostgreSQL they read and decide side by side and queue on the revision counter's row lock only for their writes and commit (the cursor's safety, docs/sync-protocol.md). Baseline: one client alone, ${one} requests.`,
    head: ['', 'requests', 'median', 'p99', 'max', 'p99 ÷ 1 client'],
    rows,
    notes,
  }
}

/**
 * The sync benchmarks e–h, in order. While working on one of them, DOORSTEP_BENCH_SYNC=e runs only e–g (one
 * run) and DOORSTEP_BENCH_SYNC=h only h; the page's other sections stay as they were.
 */
export async function syncBenchmarks(report: (table: Table) => void): Promise<void> {
  const only = process.env.DOORSTEP_BENCH_SYNC
  if (only !== 'h') for (const table of await pushPullBytes()) report(table)
  if (only !== 'e') report(await latency())
}
