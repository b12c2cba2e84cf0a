import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { fetchTransport } from '@/app/sync/transport'
import type { Change } from '@/domain'
import { hashPassword } from '@/server/auth/passwords'
import { findHaproxy, startCluster, type Cluster } from '@/server/cli/cluster'
import { DEMO_PASSWORD, seedDemo } from '@/server/seed'
import { openPostgresStorage } from '@/server/storage/postgres'
import type { Database } from '@/server/storage/schema'
import type { Storage } from '@/server/storage/types'
import { EXTRA_USERS } from './api'
import { createTestDatabase, freePort, postgresUnavailable } from './postgres'
import { checkSyncModel } from './sync-model'

/*
 * Two server processes on one PostgreSQL behind HAProxy, as `npm run cluster -- --servers 2` starts them
 * (src/server/cli/cluster.ts): the sync model's phones (./sync-model.ts) talk to them through HAProxy, whose
 * round robin sends each request to the other server, and the model's restarts and crashes kill one server
 * process at a time; the sign-in throttle, counted in the database, holds whichever server answers.
 */

// About 1.4 s a run here (three processes on two loaded cores); 20 meet every fault, three server crashes among them.
const RUNS = 20
const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** Why the cluster cannot run here, or null when it can; under CI a missing HAProxy or PostgreSQL fails the run. */
function unavailable(): string | null {
  if (!findHaproxy()) {
    const message = 'HAProxy not found: install it with `apt-get install -y haproxy`'
    if (process.env.CI) throw new Error(message)
    return `${message}; the cluster test is skipped.`
  }
  return inject('postgresUrl') ? null : postgresUnavailable()
}

const skip = unavailable()
if (skip) console.warn(skip)

describe('npm run cluster', () => {
  const cluster = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/server/cli/cluster.ts', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } })

  it('needs DATABASE_URL and a number of servers, and says so before starting anything (exit 2)', () => {
    const noDatabase = cluster(['--servers', '2'], { DATABASE_URL: '' })
    expect(noDatabase.status).toBe(2)
    expect(noDatabase.stderr).toContain('DATABASE_URL is required')
    const noCount = cluster(['--port', '9000'], { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' })
    expect(noCount.status).toBe(2)
    expect(noCount.stderr).toContain('--servers must be a number from 1 to 64.')
    expect(noCount.stderr).toContain('Usage: npm run cluster -- --servers <N> [--port <P>]')
  })
})

describe.skipIf(skip !== null)('two servers behind HAProxy on one PostgreSQL', () => {
  let storage: Storage
  let tables: Kysely<Database>
  let cluster: Cluster

  beforeAll(async () => {
    const url = await createTestDatabase(inject('postgresUrl'))
    storage = openPostgresStorage({ url, maxConnections: 4 })
    await storage.migrate()
    await seedDemo(storage)
    const passwordHash = await hashPassword(DEMO_PASSWORD)
    for (const user of EXTRA_USERS) await storage.createUser({ ...user, passwordHash })
    tables = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }) })
    const [port, ...serverPorts] = [await freePort(), await freePort(), await freePort()]
    cluster = await startCluster({ servers: 2, port: port!, serverPorts, databaseUrl: url, env: { DOORSTEP_DEMO: '0', LOG_LEVEL: 'warn' }, output: 'keep' })
  })
  afterAll(async () => {
    await cluster?.stop()
    await tables?.destroy()
    await storage?.close()
  })

  /** How many requests each server answered while `work` ran. */
  async function servedDuring(work: () => Promise<void>): Promise<number[]> {
    const before = await cluster.served()
    await work()
    const after = await cluster.served()
    return ['s1', 's2'].map((server) => after[server]! - before[server]!)
  }

  it('keeps counting failed sign-ins whichever server answers them', async () => {
    const login = (password: string, forwardedFor: string) =>
      fetch(`${cluster.url}/api/v1/auth/login`, {
        method: 'POST',
        // Written by the client, so ignored: HAProxy appends the address it saw, which the servers take.
        headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
        body: JSON.stringify({ username: 'leader1', password, deviceName: 'cluster test' }),
      })
    const statuses: number[] = []
    const served = await servedDuring(async () => {
      // One after another: each goes to the other server.
      for (let i = 1; i <= 5; i++) statuses.push((await login('not the password', `203.0.113.${i}`)).status)
      const blocked = await login(DEMO_PASSWORD, '198.51.100.7')
      statuses.push(blocked.status)
      expect(await blocked.json()).toMatchObject({ error: 'too_many_requests' })
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0)
    })
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429])
    // Round robin gives each three; two at least, should a health check have failed under load meanwhile.
    for (const count of served) expect(count).toBeGreaterThanOrEqual(2)
  })

  it(
    `passes the sync model (${RUNS} runs), each server answering its share`,
    async () => {
      let crashes = 0
      async function pullAll(token: string): Promise<Change[]> {
        const transport = fetchTransport({ baseUrl: cluster.url, token })
        const changes: Change[] = []
        for (let cursor: string | null = null; ; ) {
          const page = await transport.pull(cursor, 1000)
          changes.push(...page.changes)
          if (!page.hasMore) return changes
          cursor = page.cursor
        }
      }
      const server = { storage, tables: () => tables, pullAll, restart: () => (crashes++, cluster.crashOne()) }
      const served = await servedDuring(() => checkSyncModel(server, (path, init) => fetch(cluster.url + path, init), RUNS, 'two servers behind HAProxy'))
      console.log(`cluster: requests answered by s1 ${served[0]}, s2 ${served[1]}; ${crashes} server processes killed`)
      // Round robin: about half each, less what one did not answer while it started again after a crash.
      const total = served[0]! + served[1]!
      for (const count of served) expect(count).toBeGreaterThan(total / 10)
    },
    120_000,
  )
})
