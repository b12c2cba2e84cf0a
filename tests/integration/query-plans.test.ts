import pg from 'pg'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { uuidv7, type Change } from '@/domain'
import { demoHouseholds } from '@/domain/demo'
import { buildServer, type DoorstepServer } from '@/server/app'
import { hashPassword } from '@/server/auth/passwords'
import { generateCity } from '@/server/cli/city'
import { DEMO_PASSWORD, seedDemo } from '@/server/seed'
import { openPostgresStorage } from '@/server/storage/postgres'
import type { Storage } from '@/server/storage/types'
import { issueFields, visitFields } from '../fixtures'
import { mutation } from '../fixtures/mutations'
import { expectSafeAnswer, pushBody } from './api'
import { createTestDatabase, postgresUnavailable } from './postgres'

/**
 * Every query the server runs has an index that serves it (issue 12 item 4). The real server runs a day's
 * routes on PostgreSQL — a leader's sign-in, push and pulls, the office's moves, and every GET of the OpenAPI
 * document as the office and as the leader — while Kysely's `log` keeps each statement it runs with its
 * parameters. Each distinct statement is then EXPLAINed with those parameters and sequential scans priced
 * out (`enable_seqscan = off`): a plan that still scans a table whole has no index to use instead.
 * The database is a small city (./cli/city.ts) plus the demo community, so that tables have rows and statistics.
 */

/** Tables a sequential scan may read: one row, whatever the city's size. */
const SMALL_TABLES = new Set([
  // The one revision counter.
  'counter',
])

interface Captured {
  sql: string
  parameters: readonly unknown[]
}

interface PlanNode {
  'Node Type': string
  'Relation Name'?: string
  'Index Name'?: string
  'Index Cond'?: string
  Plans?: PlanNode[]
}

/**
 * The tables a plan reads whole: a sequential scan, or — since sequential scans priced out make the planner
 * walk a whole index instead — an index scan with no condition on the index, unless a Limit above it stops
 * it early (the newest 50 audit events, read backwards along their index). A bitmap heap scan's index
 * lookups are its children, checked in turn.
 */
function wholeScans(node: PlanNode, limited = false): string[] {
  const table = node['Relation Name']
  const type = node['Node Type']
  const whole = table && !SMALL_TABLES.has(table) && (type === 'Seq Scan' || (/^Index (Only )?Scan$/.test(type) && !node['Index Cond'] && !limited))
  const own = whole ? [type === 'Seq Scan' ? table : `${table} (all of ${node['Index Name']})`] : []
  return [...own, ...(node.Plans ?? []).flatMap((child) => wholeScans(child, limited || type === 'Limit'))]
}

const unavailable = inject('postgresUrl') ? null : postgresUnavailable()

describe.skipIf(unavailable)('every query the server runs has an index that serves it [postgres]', () => {
  const statements = new Map<string, Captured>()
  let capturing = false
  let url: string
  let storage: Storage
  let app: DoorstepServer

  async function call(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, token?: string, json?: unknown) {
    const response = await app.inject({ method, url: `/api/v1${path}`, headers: token ? { authorization: `Bearer ${token}` } : {}, ...(json === undefined ? {} : { payload: json as object }) })
    let parsed: unknown
    try {
      parsed = response.body ? JSON.parse(response.body) : undefined
    } catch {
      parsed = undefined
    }
    expectSafeAnswer({ status: response.statusCode, headers: response.headers, body: response.body, json: parsed }, `${method} ${path}`)
    return { status: response.statusCode, json: parsed as Record<string, unknown> }
  }

  async function login(username: string) {
    const answer = await call('POST', '/auth/login', undefined, { username, password: DEMO_PASSWORD, deviceName: `${username}'s phone` })
    expect(answer.status).toBe(200)
    return answer.json as { token: string; deviceId: string }
  }

  async function pullAll(token: string, cursor = ''): Promise<string> {
    for (;;) {
      const page = (await call('GET', `/sync/pull?limit=500&echoes=skip&cursor=${cursor}`, token)).json as { changes: Change[]; cursor: string; hasMore: boolean }
      cursor = page.cursor
      if (!page.hasMore) return cursor
    }
  }

  beforeAll(async () => {
    url = await createTestDatabase(inject('postgresUrl'))
    await generateCity(url, { visits: 20_000, reports: 4_000, communities: 2 })
    storage = openPostgresStorage({
      url,
      log: (event) => {
        if (!capturing || event.level !== 'query') return
        const { sql, parameters } = event.query
        if (/^\s*(select|insert|update|delete|with)\b/i.test(sql) && !statements.has(sql)) statements.set(sql, { sql, parameters })
      },
    })
    await storage.migrate()
    await seedDemo(storage)
    await storage.createUser({ id: 'u-admin1', username: 'admin1', displayName: '管理员', role: 'admin', communityId: null, buildingIds: [], passwordHash: await hashPassword(DEMO_PASSWORD) })
    // 老带新 pairings across the city, most of them ended, so that the planner knows the table as it will be.
    const db = new pg.Client({ connectionString: url })
    await db.connect()
    const { rows: leaders } = await db.query<{ id: string; community_id: string }>("select id, community_id from users where role = 'leader' order by community_id, id")
    await db.end()
    const at = '2026-11-01T02:00:00.000Z'
    for (const [i, mentee] of leaders.entries()) {
      const mentor = leaders[i - 1]
      if (!mentor || mentor.community_id !== mentee.community_id) continue
      const ended = i % 4 !== 0
      await storage.createMentorship({ id: uuidv7(), communityId: mentee.community_id, mentorId: mentor.id, menteeId: mentee.id, note: '', startedAt: at, startedBy: 'u-office1', endedAt: ended ? at : null, endedBy: ended ? 'u-office1' : null })
    }
    app = buildServer({ storage })
    await app.ready()
    capturing = true

    // A leader's day: sign in, first pull, push visits and a report, pull again, report the phone's health.
    const leader = await login('leader1')
    let cursor = await pullAll(leader.token)
    const [reportId, visitId] = [uuidv7(), uuidv7()]
    const made = await call('POST', '/sync/push', leader.token, pushBody(leader.deviceId, [mutation.put('visits', visitId, visitFields()), mutation.put('issues', reportId, issueFields())]))
    const [visitRev] = (made.json.results as Array<{ status: string; rev: number }>).map((r) => (expect(r.status).toBe('applied'), r.rev))
    // An edit of the visit: conflict detection reads what it changes.
    expect((await call('POST', '/sync/push', leader.token, pushBody(leader.deviceId, [mutation.put('visits', visitId, { ...visitFields(), outcome: '改了' }, visitRev)]))).status).toBe(200)
    cursor = await pullAll(leader.token, cursor)
    await pullAll(leader.token, cursor)
    await call('POST', '/sync/health', leader.token, { appVersion: 'test', outboxSize: 0, oldestUnsentAt: null, storagePersisted: true, storageUsedBytes: 1000, lastFullSyncAt: new Date().toISOString() })
    await call('POST', '/attachments/missing', leader.token, { hashes: ['0'.repeat(64)] })
    await call('POST', '/auth/recovery-key', leader.token, { password: DEMO_PASSWORD })

    // The office's: sign in, its own first pull, move the report on, the workspace's pages, a device revoked.
    const office = await login('office1')
    await pullAll(office.token)
    expect((await call('POST', '/sync/push', office.token, pushBody(office.deviceId, [mutation.status(reportId, 'accepted')]))).status).toBe(200)
    await call('PATCH', '/accounts/u-leader1', office.token, { phone: '13800138000' })
    const deadline = new Date(Date.now() + 7 * 86_400_000).toISOString()
    const campaign = await call('POST', '/communities/c-nanmen/campaigns', office.token, { title: '消防通道巡查', templateId: 't-fire-corridor', deadline })
    const canvass = await call('POST', '/communities/c-nanmen/canvasses', office.token, { buildingId: 'b-nanmen-115-2', question: '是否同意加装电梯？' })
    expect([campaign.status, canvass.status]).toEqual([201, 201])
    // The leader's one-time answer links of the canvass, one revoked.
    const households = demoHouseholds.filter((h) => h.buildingId === 'b-nanmen-115-2').slice(0, 3)
    const links = []
    for (const household of households) links.push((await call('POST', `/canvasses/${String(canvass.json.id)}/links`, leader.token, { householdId: household.id })).json)
    await call('POST', `/canvass-links/${String(links[0]!.id)}/revoke`, leader.token)
    const spare = await login('leader1')
    const admin = await login('admin1')
    // The office's other writes: an account made, given buildings, its password reset and changed by its owner;
    // the community's settings, a points adjustment, a campaign reminded and closed, the canvass closed, a
    // 老带新 pairing made and ended; a community made by the admin.
    const account = await call('POST', '/communities/c-nanmen/accounts', office.token, { username: 'li.ming', displayName: '李明', role: 'leader', buildingIds: [] })
    expect(account.status).toBe(201)
    const newcomer = (account.json.account as { id: string }).id
    const done = [await call('PUT', `/accounts/${newcomer}/buildings`, office.token, { buildingIds: ['b-huanbei-8'] })]
    const reset = await call('POST', `/accounts/${newcomer}/password`, office.token)
    const own = (await call('POST', '/auth/login', undefined, { username: 'li.ming', password: String(reset.json.password), deviceName: 'li' })).json as { token: string }
    done.push(
      reset,
      await call('POST', '/auth/password', own.token, { currentPassword: String(reset.json.password), newPassword: 'Li-Ming-楼长-2026' }),
      await call('PATCH', '/communities/c-nanmen/settings', office.token, { visitIntervalDays: 10 }),
      await call('POST', '/communities/c-nanmen/points/adjustments', office.token, { userId: 'u-leader1', month: new Date().toISOString().slice(0, 7), points: 6, reason: '协助社区疫苗接种登记' }),
      await call('POST', `/campaigns/${String(campaign.json.id)}/reminders`, office.token, { text: '还有两栋没查' }),
      await call('POST', `/campaigns/${String(campaign.json.id)}/close`, office.token),
      await call('POST', `/canvasses/${String(canvass.json.id)}/close`, office.token),
    )
    const pairing = await call('POST', '/communities/c-nanmen/mentorships', office.token, { mentorId: 'u-leader1', menteeId: newcomer })
    done.push(await call('GET', '/mentorships/mine', leader.token), await call('POST', `/mentorships/${String(pairing.json.id)}/end`, office.token))
    // Each did its work: a refusal would run none of the statements it is here for.
    expect(done.map((answer) => answer.status < 300)).not.toContain(false)
    expect([pairing.status, (await call('POST', '/communities', admin.token, { name: '东门社区' })).status]).toEqual([201, 201])

    // Every GET route, as the admin, the office and the leader, its parameters the demo's and the ones made above.
    const document = (await call('GET', '/openapi.json')).json as { paths: Record<string, Record<string, unknown>> }
    const month = new Date().toISOString().slice(0, 7)
    const values: Record<string, string> = { communityId: 'c-nanmen', userId: 'u-leader1', deviceId: spare.deviceId, sha256: '0'.repeat(64), token: 'token' }
    const idOf = (path: string) => (path.startsWith('/campaigns/') ? campaign.json.id : path.startsWith('/canvasses/') ? canvass.json.id : 'c-nanmen')
    for (const [documented, methods] of Object.entries(document.paths)) {
      if (!('get' in methods)) continue
      const path = documented.replace(/^\/api\/v1/, '')
      const route = path.replace(/\{(\w+)\}/g, (_, name: string) => String(name === 'id' ? idOf(path) : values[name]))
      const query = `?month=${month}${route.endsWith('/coverage/households') ? '&buildingId=b-nanmen-115-2' : ''}`
      for (const who of [admin, office, leader]) await call('GET', `${route}${query}`, who.token)
    }
    await call('DELETE', `/users/u-leader1/devices/${spare.deviceId}`, office.token)
    await call('POST', '/auth/logout', leader.token)
    capturing = false
  }, 180_000)

  afterAll(async () => {
    await app?.close()
    await storage?.close()
  })

  it('captured the statements of the routes', () => {
    // Sign-in, push, pull, the workspace: far more than a handful, or the capture missed them.
    expect(statements.size).toBeGreaterThan(40)
  })

  it('finds a plan without a sequential scan of a big table for each', async () => {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      // Statistics as autovacuum would have them by now, so that plans are the ones a running server gets.
      await client.query('analyze')
      await client.query('set enable_seqscan = off')
      const unserved: string[] = []
      for (const { sql, parameters } of statements.values()) {
        const { rows } = await client.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`explain (format json) ${sql}`, [...parameters])
        const scanned = wholeScans(rows[0]!['QUERY PLAN'][0]!.Plan)
        if (scanned.length) unserved.push(`${[...new Set(scanned)].join(', ')}: ${sql}`)
      }
      expect(unserved, `no index serves these (the table before the colon is read whole):\n${unserved.join('\n')}`).toEqual([])
    } finally {
      await client.end()
    }
  })
})
