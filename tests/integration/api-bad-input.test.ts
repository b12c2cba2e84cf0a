import { afterAll, beforeAll, expect, it } from 'vitest'
import { uuidv7 } from '@/domain'
import { inspectionFields } from '../fixtures'
import { PNG_192, sha256 } from '../fixtures/images'
import { mutation } from '../fixtures/mutations'
import { describeEngines, newIssue, pushBody, startApi, type TestApi } from './api'

/**
 * Every route gets malformed JSON, wrong types, huge strings, `__proto__` keys and non-image bytes. The
 * server must answer each with a 4xx `{error, message}` (never a 5xx, never a stack trace: `api.call`
 * checks that on every answer) and leave the database as it was.
 */

type Body = { label: string; body: string | Buffer; type: string }

const HUGE = 'x'.repeat(200_000)
const deep = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)

const BODIES: Body[] = [
  { label: 'truncated JSON', body: '{"username": "leader1", ', type: 'application/json' },
  { label: 'a trailing comma', body: '{"a": 1,}', type: 'application/json' },
  { label: 'a bare word', body: 'nul', type: 'application/json' },
  { label: 'an empty JSON body', body: '', type: 'application/json' },
  { label: 'JSON null', body: 'null', type: 'application/json' },
  { label: 'a JSON array', body: '[1, 2, 3]', type: 'application/json' },
  { label: 'a JSON string', body: '"hello"', type: 'application/json' },
  { label: 'wrong types', body: JSON.stringify({ username: 1, password: [], deviceName: {}, protocol: '1', deviceId: 5, mutations: 'all' }), type: 'application/json' },
  { label: 'a huge string', body: JSON.stringify({ username: HUGE, password: HUGE, deviceName: HUGE }), type: 'application/json' },
  { label: 'long strings under the body limit', body: JSON.stringify({ username: 'u'.repeat(20_000), password: 'p'.repeat(20_000), deviceName: 'd' }), type: 'application/json' },
  { label: 'deep nesting', body: deep(5_000), type: 'application/json' },
  // PostgreSQL refuses U+0000 in text: it must never reach a query.
  { label: 'NUL characters', body: JSON.stringify({ username: 'leader1\u0000', password: 'doorstep-demo', deviceName: 'a\u0000b', protocol: 1, mutations: [{ mutationId: '\u0000' }] }), type: 'application/json' },
  { label: 'a __proto__ key', body: '{"__proto__": {"role": "admin"}, "username": "leader1", "password": "doorstep-demo", "deviceName": "x"}', type: 'application/json' },
  { label: 'a nested __proto__ key', body: '{"protocol": 1, "mutations": [{"__proto__": {"kind": "put"}}]}', type: 'application/json' },
  { label: 'constructor.prototype', body: '{"constructor": {"prototype": {"role": "admin"}}}', type: 'application/json' },
  { label: 'non-image bytes as an image', body: Buffer.from([0x00, 0xff, 0x13, 0x37, 0x42, 0x00, 0x01]), type: 'image/png' },
  { label: 'bytes as octet-stream', body: Buffer.from('MZ\x90\x00 not an image', 'latin1'), type: 'application/octet-stream' },
  { label: 'form data', body: 'username=leader1&password=doorstep-demo', type: 'application/x-www-form-urlencoded' },
  { label: 'plain text', body: 'hello', type: 'text/plain' },
  { label: 'a JSON body declared as XML', body: '{"a": 1}', type: 'application/xml' },
]

describeEngines('bad input on every route', (engine) => {
  let api: TestApi
  let office: { token: string; deviceId: string }
  let leader: { token: string; deviceId: string }
  beforeAll(async () => {
    api = await startApi(engine)
    office = await api.login('office1')
    leader = await api.login('leader1')
    // Something to protect: a report with a photo.
    const photo = sha256(PNG_192)
    await api.call('PUT', `/api/v1/attachments/${photo}`, { token: leader.token, body: PNG_192, headers: { 'content-type': 'image/png' } })
    const pushed = await api.call('POST', '/api/v1/sync/push', { token: leader.token, json: pushBody(leader.deviceId, [newIssue()]) })
    expect(pushed.json).toMatchObject({ results: [{ status: 'applied' }] })
  })
  afterAll(() => api.close())

  const sha = sha256(PNG_192)
  const unknownDevice = uuidv7()
  const ROUTES: Array<{ method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD'; url: () => string; auth: boolean }> = [
    { method: 'GET', url: () => '/api/v1/health', auth: false },
    { method: 'GET', url: () => '/api/v1/openapi.json', auth: false },
    { method: 'POST', url: () => '/api/v1/auth/login', auth: false },
    { method: 'POST', url: () => '/api/v1/auth/logout', auth: true },
    { method: 'POST', url: () => '/api/v1/auth/recovery-key', auth: true },
    { method: 'GET', url: () => '/api/v1/auth/device', auth: true },
    { method: 'GET', url: () => '/api/v1/users/u-leader1/devices', auth: true },
    // A device that does not exist: a body the route ignores must not revoke leader1's phone.
    { method: 'DELETE', url: () => `/api/v1/users/u-leader1/devices/${unknownDevice}`, auth: true },
    { method: 'POST', url: () => '/api/v1/sync/push', auth: true },
    { method: 'GET', url: () => '/api/v1/sync/pull', auth: true },
    { method: 'POST', url: () => '/api/v1/sync/health', auth: true },
    { method: 'GET', url: () => '/api/v1/communities/c-nanmen/devices', auth: true },
    { method: 'PUT', url: () => `/api/v1/attachments/${sha}`, auth: true },
    { method: 'HEAD', url: () => `/api/v1/attachments/${sha}`, auth: true },
    { method: 'GET', url: () => `/api/v1/attachments/${sha}`, auth: true },
    { method: 'POST', url: () => '/api/v1/attachments/missing', auth: true },
    { method: 'POST', url: () => '/api/v1/communities/c-nanmen/roster/preview', auth: true },
    { method: 'POST', url: () => '/api/v1/communities/c-nanmen/roster/import', auth: true },
    { method: 'GET', url: () => '/api/v1/communities/c-nanmen/roster.xlsx', auth: true },
    { method: 'POST', url: () => '/api/v1/communities/c-nanmen/rescue', auth: true },
    { method: 'GET', url: () => '/api/v1/roster/template.xlsx', auth: true },
    { method: 'GET', url: () => '/api/v1/communities/c-nanmen/coverage?month=2026-11', auth: true },
    { method: 'GET', url: () => '/api/v1/communities/c-nanmen/coverage/households?month=2026-11&buildingId=b-nanmen-117', auth: true },
    { method: 'GET', url: () => '/api/v1/communities/c-nanmen/report?month=2026-11', auth: true },
    { method: 'PATCH', url: () => '/api/v1/communities/c-nanmen/settings', auth: true },
    { method: 'POST', url: () => '/api/v1/communities/c-nanmen/campaigns', auth: true },
    { method: 'POST', url: () => `/api/v1/campaigns/${unknownDevice}/reminders`, auth: true },
  ]

  it('answers every kind of bad body on every route below 500, and changes nothing', async () => {
    const before = { office: await api.pullAll(office.token), leader: await api.pullAll(leader.token) }
    const statuses = new Map<string, number>()
    for (const route of ROUTES) {
      for (const { label, body, type } of BODIES) {
        // Logout with a body it ignores would sign the caller out: it gets a token of its own each time.
        const token = route.url().endsWith('/logout') ? (await api.login('office1')).token : office.token
        const answer = await api.call(route.method, route.url(), { token: route.auth ? token : undefined, body, headers: { 'content-type': type } })
        statuses.set(`${route.method} ${route.url()} with ${label}`, answer.status)
      }
    }
    // Bodies are refused where a route reads one (a roster preview answers 200 with the file's problems);
    // login never signs anyone in from a malformed request.
    for (const [what, status] of statuses) {
      if (/^(POST \/api\/v1\/(auth\/(login|recovery-key)|sync\/(push|health)|communities\/\S+\/(roster\/import|campaigns|rescue))|PUT|PATCH)/.test(what)) expect(status, what).toBeGreaterThanOrEqual(400)
    }
    expect(({} as Record<string, unknown>).role, 'Object.prototype polluted').toBeUndefined()
    expect({ office: await api.pullAll(office.token), leader: await api.pullAll(leader.token) }).toEqual(before)
    expect((await api.storage.listDevices('u-leader1')).every((d) => d.revokedAt === null)).toBe(true)
  })

  it('answers bad paths, queries and headers below 500', async () => {
    const urls = [
      '/api/v1/users/%00/devices',
      '/api/v1/users/u-leader1%00/devices',
      '/api/v1/sync/pull?cursor=%00',
      `/api/v1/users/${'u'.repeat(5_000)}/devices`,
      '/api/v1/users/u-leader1/devices/%E0%A4%A',
      '/api/v1/attachments/..%2f..%2fetc%2fpasswd',
      `/api/v1/attachments/${'A'.repeat(64)}`,
      `/api/v1/sync/pull?cursor=${'A'.repeat(100_000)}`,
      '/api/v1/sync/pull?limit=-1',
      '/api/v1/sync/pull?limit=1e400',
      '/api/v1/sync/pull?cursor=a&cursor=b',
      '/api/v1/nothing-here',
      '/api/v2/sync/pull',
    ]
    for (const url of urls) {
      const answer = await api.call('GET', url, { token: office.token })
      expect(answer.status, url).toBeGreaterThanOrEqual(400)
    }
    // Bracketed keys are plain, unknown keys to the query parser: ignored, and nothing is polluted.
    for (const url of ['/api/v1/sync/pull?cursor[]=a&cursor[]=b', '/api/v1/sync/pull?__proto__[limit]=5&constructor[prototype][x]=1']) {
      expect((await api.call('GET', url, { token: office.token })).status, url).toBe(200)
    }
    expect(({} as Record<string, unknown>).limit).toBeUndefined()
    for (const authorization of ['Bearer \u0000', `Bearer ${'a'.repeat(100_000)}`, 'Bearer   ', 'bearer']) {
      expect((await api.call('GET', '/api/v1/sync/pull', { headers: { authorization } })).status).toBe(401)
    }
  })

  it('answers pushes whose mutations are wrong, one by one, and applies none of them', async () => {
    const before = await api.pullAll(office.token)
    const bad = [
      null,
      'put',
      [],
      { kind: 'put' },
      { ...newIssue(), fields: { buildingId: 42 } },
      { ...newIssue(), fields: { ...newIssue().fields, description: HUGE.slice(0, 50_000) } },
      { ...newIssue(), table: 'users' },
      { ...newIssue(), fields: { ...newIssue().fields, buildingId: 'b-qiaohu-32' } },
      { ...newIssue(), deviceSeq: -1 },
      { ...newIssue(), fields: { __defineGetter__: 1, hasOwnProperty: 'x' } },
      { ...newIssue(), fields: { ...newIssue().fields, photos: 'not a list' } },
      { ...mutation.put('inspections', uuidv7(), inspectionFields()), fields: { ...inspectionFields(), answers: { 'exit-clear': null } } },
      { ...mutation.put('inspections', uuidv7(), inspectionFields()), fields: { ...inspectionFields(), answers: { 'exit-clear': { photos: 7 } } } },
      { kind: 'issue.status', mutationId: uuidv7(), deviceSeq: 1, recordId: uuidv7(), eventId: uuidv7(), to: 'resolved', note: '' },
      { kind: 'template.publish', mutationId: uuidv7(), deviceSeq: 1, template: { id: 't-x' } },
    ]
    const answer = await api.call('POST', '/api/v1/sync/push', { token: leader.token, json: pushBody(leader.deviceId, bad) })
    expect(answer.status).toBe(200)
    const results = (answer.json as { results: Array<{ status: string }> }).results
    expect(results).toHaveLength(bad.length)
    expect(results.map((r) => r.status)).toEqual(bad.map(() => 'rejected'))
    expect(await api.pullAll(office.token)).toEqual(before)
  })
})
