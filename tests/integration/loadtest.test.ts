import { spawnSync } from 'node:child_process'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { buildServer } from '@/server/app'
import { openPostgresStorage } from '@/server/storage/postgres'
import type { Storage } from '@/server/storage/types'
import { DAY_COUNTS, loopbackUrl, postmasterOf } from '../bench/loadtest/load'
import { measure, prepare, type Plan } from '../bench/loadtest/run'
import { createTestDatabase, postgresUnavailable } from './postgres'

/*
 * The load generator of `npm run loadtest` (tests/bench/loadtest), run tiny against one server on PostgreSQL:
 * it checks the tool (every request answered, every record it pushed on the server), not the server's speed.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const skip = inject('postgresUrl') ? null : postgresUnavailable()
if (skip) console.warn(skip)

describe('the load generator', () => {
  it('runs against this machine only', () => {
    expect(loopbackUrl('http://127.0.0.1:8080/whatever')).toBe('http://127.0.0.1:8080')
    expect(loopbackUrl('http://localhost:3000')).toBe('http://localhost:3000')
    expect(loopbackUrl('http://[::1]:3000')).toBe('http://[::1]:3000')
    for (const url of ['http://10.0.0.11:8081', 'https://doorstep.example.gov.cn', 'http://127.0.0.1.example.com', 'ftp://127.0.0.1']) {
      expect(() => loopbackUrl(url), url).toThrow(/this machine only/)
    }
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'tests/bench/loadtest/main.ts', '--url', 'http://192.0.2.1:8080'], { cwd: ROOT, encoding: 'utf8' })
    expect(run.status).toBe(2)
    expect(run.stderr).toContain('the load test runs against this machine only')
  })
})

describe.skipIf(skip !== null)('a tiny load test against one server on PostgreSQL', () => {
  let databaseUrl: string
  let storage: Storage
  let app: ReturnType<typeof buildServer>
  let url: string

  beforeAll(async () => {
    databaseUrl = await createTestDatabase(inject('postgresUrl'))
    storage = openPostgresStorage({ url: databaseUrl, maxConnections: 4 })
    await storage.migrate()
    app = buildServer({ storage })
    await app.listen({ port: 0, host: '127.0.0.1' })
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await app?.close()
    await storage?.close()
  })

  it('syncs every phone it starts without an error, and every record it pushed is on the server', async () => {
    const plan: Plan = { rates: [3], seconds: 2, newPhones: 4, perCommunity: 3, drain: 30 }
    const prepared = await prepare(databaseUrl, url, plan)
    const measured = await measure('tiny', url, prepared, plan, await postmasterOf(databaseUrl))

    const [step] = measured.steps
    const errors = [...step!.stats.errors, ...measured.campaign.stats.errors, ...measured.first.stats.errors]
    expect(errors).toEqual([])
    expect(step!.arrivals.arrived).toBeGreaterThan(0)
    expect(step!.arrivals.completed).toBe(step!.arrivals.arrived)
    expect(step!.stats.latencies.get('sync')).toHaveLength(step!.arrivals.completed)
    // Every phone of the city pulled its community's campaign; every new phone made its first full pull.
    expect(measured.campaign.stats.latencies.get('campaign pull')!.length).toBeGreaterThanOrEqual(prepared.dayPhones.length)
    expect(measured.first.stats.latencies.get('first full pull')).toHaveLength(plan.newPhones)

    const synced = step!.arrivals.completed
    const client = new pg.Client({ connectionString: databaseUrl })
    await client.connect()
    try {
      const { rows } = await client.query<{ table_name: string; n: string }>('select table_name, count(*) as n from records group by table_name')
      const counts = Object.fromEntries(rows.map((r) => [r.table_name, Number(r.n)]))
      expect(counts).toMatchObject({
        visits: synced * DAY_COUNTS.visits,
        issues: synced * DAY_COUNTS.issues,
        inspections: synced * DAY_COUNTS.inspections,
        campaigns: prepared.offices.length,
      })
      const photos = await client.query<{ n: string }>('select count(*) as n from attachments')
      expect(Number(photos.rows[0]!.n)).toBe(synced * DAY_COUNTS.issues)
      const mutations = await client.query<{ n: string }>('select count(*) as n from mutations')
      expect(Number(mutations.rows[0]!.n)).toBe(synced * (DAY_COUNTS.visits + DAY_COUNTS.issues + DAY_COUNTS.inspections))
    } finally {
      await client.end()
    }
  }, 60_000)
})
