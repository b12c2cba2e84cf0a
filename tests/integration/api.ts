import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import type { InjectOptions, LightMyRequestResponse } from 'fastify'
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely'
import pg from 'pg'
import { describe, expect, inject } from 'vitest'
import { API_ERROR_CODES, uuidv7, type Change, type IssueFields, type Mutation } from '@/domain'
import { buildServer, type DoorstepServer, type ServerOptions } from '@/server/app'
import { hashPassword } from '@/server/auth/passwords'
import { DEMO_PASSWORD, seedDemo } from '@/server/seed'
import type { BlobStore } from '@/server/storage/kysely-storage'
import { openPostgresStorage } from '@/server/storage/postgres'
import type { Database } from '@/server/storage/schema'
import { openSqliteStorage, SQLITE_FILE } from '@/server/storage/sqlite'
import type { NewUser, Storage } from '@/server/storage/types'
import { issueFields } from '../fixtures'
import { mutation } from '../fixtures/mutations'
import { createTestDatabase, postgresUnavailable } from './postgres'

/**
 * The real server (buildServer, real storage engine, demo data) driven through Fastify's inject, with every
 * /api answer checked for what must hold everywhere: no 5xx, `Cache-Control: no-store` (a photo given, named by
 * its hash, is private and immutable instead), the security headers,
 * and an error body of `{error, message}` from the closed list with no stack trace.
 */

export type Engine = 'sqlite' | 'postgres'
export const ENGINES: Engine[] = ['sqlite', 'postgres']

/** `describe` once per engine; PostgreSQL's block is skipped, with the reason, where it is not installed. */
export function describeEngines(name: string, body: (engine: Engine) => void): void {
  for (const engine of ENGINES) {
    const skip = engine === 'postgres' && !inject('postgresUrl') ? postgresUnavailable() : null
    if (skip) describe.skip(`${name} [postgres] — ${skip}`, () => body(engine))
    else describe(`${name} [${engine}]`, () => body(engine))
  }
}

export interface TestStorage {
  storage: Storage
  /** Opens the same database again, migrated, after the caller closed `storage` (a restarted server). */
  reopen(): Promise<Storage>
  /** A second, read-only connection for what the Storage contract does not show (the mutations table). */
  tables(): Kysely<Database>
  /** Closes the newest storage and the reader, and removes the database. */
  cleanup(): Promise<void>
}

/**
 * A fresh, migrated storage of `engine`: a SQLite file in a temp folder, or a new PostgreSQL database; its
 * photos in `blobs` when given (an object store), else where the engine keeps them.
 */
export async function openTestStorage(engine: Engine, blobs?: BlobStore): Promise<TestStorage> {
  let open: () => Storage
  let reader: () => Kysely<Database>
  let remove = async () => {}
  if (engine === 'postgres') {
    const url = await createTestDatabase(inject('postgresUrl'))
    open = () => openPostgresStorage({ url, blobs })
    reader = () => new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }) })
  } else {
    const dataDir = await mkdtemp(join(tmpdir(), 'doorstep-api-'))
    open = () => openSqliteStorage({ dataDir, blobs })
    reader = () => new Kysely<Database>({ dialect: new SqliteDialect({ database: new SqliteDatabase(join(dataDir, SQLITE_FILE), { readonly: true }) }) })
    remove = () => rm(dataDir, { recursive: true, force: true })
  }
  let storage = open()
  await storage.migrate()
  let tables: Kysely<Database> | undefined
  return {
    storage,
    async reopen() {
      storage = open()
      await storage.migrate()
      return storage
    },
    tables: () => (tables ??= reader()),
    async cleanup() {
      await tables?.destroy()
      await storage.close()
      await remove()
    },
  }
}

/** Users beyond the demo's leader1 (buildings b-nanmen-115-2, b-nanmen-117) and office1. */
export const EXTRA_USERS: Array<Omit<NewUser, 'passwordHash'>> = [
  { id: 'u-leader2', username: 'leader2', displayName: '二号楼长', role: 'leader', communityId: 'c-nanmen', buildingIds: ['b-qiaohu-32'] },
  { id: 'u-admin1', username: 'admin1', displayName: '管理员', role: 'admin', communityId: null, buildingIds: [] },
  { id: 'u-office2', username: 'office2', displayName: '别的社区', role: 'office', communityId: 'c-other', buildingIds: [] },
]

export interface Answer {
  status: number
  headers: LightMyRequestResponse['headers']
  body: string
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: unknown
}

export interface CallOptions {
  token?: string
  /** A value sent as JSON. */
  json?: unknown
  /** A raw body, sent as it is with `headers['content-type']`. */
  body?: string | Buffer
  headers?: Record<string, string>
}

export interface TestApi {
  /** The running server; a new instance after `restart`. */
  readonly app: DoorstepServer
  readonly storage: Storage
  /** Where a listening server answers (`http://127.0.0.1:port`); throws when it does not listen. */
  readonly url: string
  /** Reads tables the Storage contract does not show (see TestStorage). */
  tables(): Kysely<Database>
  /**
   * Stops the server and closes its storage — under any request still running, like a crash — then opens
   * the same database again and starts a new server; one that listened listens again, on a new port.
   */
  restart(): Promise<void>
  /** One request, with the invariants of every /api answer checked. */
  call(method: InjectOptions['method'], url: string, options?: CallOptions): Promise<Answer>
  /** Signs in (password doorstep-demo unless given) and returns the token and device id. */
  login(username: string, password?: string): Promise<{ token: string; deviceId: string }>
  /** Every change `token` may see, following the cursor to the end. */
  pullAll(token: string): Promise<Change[]>
  close(): Promise<void>
}

/** Checks what must hold for every /api answer, whatever the request was. */
export function expectSafeAnswer(answer: Answer, what: string): void {
  expect(answer.status, `${what}: ${answer.body.slice(0, 300)}`).toBeLessThan(500)
  const photoGiven = answer.status === 200 && /^GET \/api\/v1\/attachments\/[0-9a-f]{64}(\?|$)/.test(what)
  expect(answer.headers['cache-control'], what).toBe(photoGiven ? 'private, max-age=31536000, immutable' : 'no-store')
  expect(answer.headers['x-content-type-options'], what).toBe('nosniff')
  expect(answer.headers['content-security-policy'], what).toContain("frame-ancestors 'none'")
  expect(answer.body, what).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/)
  if (answer.status >= 400 && answer.body !== '') {
    // A refused roster import also says why, row by row (RosterRefusal).
    const extra = (answer.json as { error?: unknown } | undefined)?.error === 'invalid_roster' ? { preview: expect.any(Object) } : {}
    expect(answer.json, what).toEqual({ error: expect.any(String), message: expect.any(String), ...extra })
    expect(API_ERROR_CODES, what).toContain((answer.json as { error: string }).error)
  }
}

/** Starts the real server on a fresh database of `engine`, seeded with the demo data and EXTRA_USERS (photos in `blobs`, if given). */
export async function startApi(engine: Engine, options: Partial<ServerOptions> = {}, blobs?: BlobStore): Promise<TestApi> {
  const opened = await openTestStorage(engine, blobs)
  let storage = opened.storage
  await seedDemo(storage)
  const passwordHash = await hashPassword(DEMO_PASSWORD)
  for (const user of EXTRA_USERS) await storage.createUser({ ...user, passwordHash })
  let app = buildServer({ storage, ...options })
  await app.ready()

  async function call(method: InjectOptions['method'], url: string, options: CallOptions = {}): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers }
    if (options.token) headers.authorization = `Bearer ${options.token}`
    let payload = options.body
    if (options.json !== undefined) {
      headers['content-type'] ??= 'application/json'
      payload = JSON.stringify(options.json)
    }
    const response = await app.inject({ method, url, headers, payload })
    let json: unknown
    try {
      json = response.body ? JSON.parse(response.body) : undefined
    } catch {
      json = undefined
    }
    const answer = { status: response.statusCode, headers: response.headers, body: response.body, json }
    expectSafeAnswer(answer, `${method} ${url}`)
    return answer
  }

  async function login(username: string, password = DEMO_PASSWORD) {
    const answer = await call('POST', '/api/v1/auth/login', { json: { username, password, deviceName: `${username}'s phone` } })
    expect(answer.status, answer.body).toBe(200)
    return answer.json as { token: string; deviceId: string }
  }

  async function pullAll(token: string): Promise<Change[]> {
    const changes: Change[] = []
    let cursor = ''
    for (;;) {
      const answer = await call('GET', `/api/v1/sync/pull?limit=1000&cursor=${cursor}`, { token })
      expect(answer.status, answer.body).toBe(200)
      const page = answer.json as { changes: Change[]; cursor: string; hasMore: boolean }
      changes.push(...page.changes)
      cursor = page.cursor
      if (!page.hasMore) return changes
    }
  }

  async function restart() {
    const listening = app.server.listening
    // Storage first: a request still running fails (or commits) as it would when the process dies, and its
    // connection is reset rather than waited for.
    await storage.close()
    app.server.closeAllConnections()
    await app.close()
    storage = await opened.reopen()
    app = buildServer({ storage, ...options })
    await app.ready()
    if (listening) await app.listen({ port: 0, host: '127.0.0.1' })
  }

  return {
    get app() {
      return app
    },
    get storage() {
      return storage
    },
    get url() {
      const address = app.server.address()
      if (!address || typeof address === 'string') throw new Error('The test server is not listening')
      return `http://127.0.0.1:${address.port}`
    },
    tables: opened.tables,
    call,
    login,
    pullAll,
    restart,
    close: async () => {
      await app.close()
      await opened.cleanup()
    },
  }
}

/** A push body from `deviceId` with these mutations. */
export function pushBody(deviceId: string, mutations: unknown[]) {
  return { protocol: 1, deviceId, mutations }
}

/** A leader's new issue report, in building b-nanmen-115-2 (leader1's) unless `fields` say otherwise. */
export function newIssue(fields: Partial<IssueFields> = {}): Extract<Mutation, { kind: 'put' }> {
  return mutation.put('issues', uuidv7(), issueFields(fields)) as Extract<Mutation, { kind: 'put' }>
}
