import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { PULL_SCHEMAS, type PullTable } from '@/domain'
import { buildServer } from '@/server/app'
import { CITY_PASSWORD, generateCity, type City } from '@/server/cli/city'
import { openPostgresStorage } from '@/server/storage/postgres'
import { createTestDatabase, postgresUnavailable } from './postgres'

/**
 * `npm run seed:city` (src/server/cli/city.ts) writes rows as the server would have: every record valid
 * against its zod schema and stored exactly as the server stores a parsed record, revisions unique and the
 * counter at the last, and the city's accounts sign in and pull their buildings through the real server.
 */

const unavailable = inject('postgresUrl') ? null : postgresUnavailable()

describe.skipIf(unavailable)('a generated city [postgres]', () => {
  let url: string
  let city: City
  let client: pg.Client

  beforeAll(async () => {
    url = await createTestDatabase(inject('postgresUrl'))
    city = await generateCity(url, { visits: 3_000, reports: 800, communities: 2, buildingsPerCommunity: 10, householdsPerBuilding: 6 })
    client = new pg.Client({ connectionString: url })
    await client.connect()
  }, 120_000)

  afterAll(async () => {
    await client?.end()
  })

  it('stores every record as the server stores its parsed record, with field revisions for each field a leader wrote', async () => {
    const { rows } = await client.query<{ table_name: PullTable; id: string; rev: string; data: string; field_revs: string; created_by: string | null }>(
      'select table_name, id, rev, data, field_revs, created_by from records',
    )
    expect(rows.length).toBe(city.records)
    expect(new Set(rows.map((r) => r.table_name))).toEqual(new Set(['communities', 'grids', 'buildings', 'households', 'users', 'visits', 'issues']))
    for (const row of rows) {
      const parsed = PULL_SCHEMAS[row.table_name].parse(JSON.parse(row.data))
      expect(JSON.stringify(parsed), `${row.table_name} ${row.id}`).toBe(row.data)
      if (row.created_by === null) continue
      expect(Object.keys(JSON.parse(row.field_revs) as object).sort()).toEqual(Object.keys(parsed).sort())
      expect((parsed as { rev: number }).rev).toBe(Number(row.rev))
    }
    // Reports the office moved on carry its events and its revision.
    expect(rows.filter((r) => r.table_name === 'issues' && (JSON.parse(r.data) as { events: unknown[] }).events.length > 0).length).toBeGreaterThan(300)
  })

  it('numbers the rows from the one counter', async () => {
    const { rows } = await client.query<{ rows: string; revs: string; max: string; counter: string }>(
      'select count(*) as rows, count(distinct rev) as revs, max(rev) as max, (select value from counter) as counter from records',
    )
    expect(rows[0]).toEqual({ rows: String(city.records), revs: String(city.records), max: String(city.lastRev), counter: String(city.lastRev) })
  })

  it("lets a leader sign in and pull its two buildings' records and its community's", async () => {
    const storage = openPostgresStorage({ url })
    const app = buildServer({ storage })
    try {
      const leader = city.leaders[3]!
      const { rows } = await client.query<{ username: string }>('select username from users where id = $1', [leader.id])
      const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: rows[0]!.username, password: CITY_PASSWORD, deviceName: '新手机' } })
      expect(login.statusCode, login.body).toBe(200)
      const { token } = login.json<{ token: string }>()
      const pulled = await app.inject({ method: 'GET', url: '/api/v1/sync/pull?limit=1000', headers: { authorization: `Bearer ${token}` } })
      const { changes, hasMore } = pulled.json<{ changes: Array<{ table: string; record: { buildingId?: string } }>; hasMore: boolean }>()
      expect(hasMore).toBe(false)
      const { rows: expected } = await client.query<{ n: string }>(
        'select count(*) as n from records where community_id = $1 and (building_id is null or building_id = any($2))',
        [leader.communityId, leader.buildingIds],
      )
      expect(changes.length).toBe(Number(expected[0]!.n))
      const visits = changes.filter((c) => c.table === 'visits')
      expect(visits.length).toBeGreaterThan(0)
      expect(new Set(visits.map((c) => c.record.buildingId))).toEqual(new Set(leader.buildingIds))
    } finally {
      await app.close()
      await storage.close()
    }
  })

  it('refuses a database that holds anything', async () => {
    await expect(generateCity(url, { visits: 10, reports: 1 })).rejects.toThrow(/not empty/)
  })
})
