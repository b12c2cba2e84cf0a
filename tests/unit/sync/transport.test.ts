import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { gunzipSync } from 'node:zlib'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { TransportError } from '@/app/sync/errors'
import { fetchTransport, GZIP_FROM_BYTES, type PushBatch } from '@/app/sync/transport'
import { PROTOCOL_VERSION, uuidv7, withoutImpliedId } from '@/domain'

/** A loopback HTTP server answering with `handler`; what it received is kept for the test to look at. */
let server: Server | undefined
const received: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string; bytes: Buffer }> = []

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  received.length = 0
  server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const bytes = Buffer.concat(chunks)
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body: bytes.toString(), bytes })
      handler(req, res)
    })
  })
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`
}

afterEach(async () => {
  server?.closeAllConnections()
  await new Promise((resolve) => server?.close(resolve))
  server = undefined
})

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body))
}

const mutation = () => ({ kind: 'delete' as const, mutationId: uuidv7(), deviceSeq: 1, table: 'visits' as const, recordId: uuidv7(), baseRev: 3 })

async function failure(promise: Promise<unknown>): Promise<TransportError> {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  expect(error).toBeInstanceOf(TransportError)
  return error as TransportError
}

describe('fetchTransport', () => {
  it('pushes with the token and takes answers that match the mutations one by one', async () => {
    const m = mutation()
    const baseUrl = await serve(json(200, { results: [{ status: 'applied', rev: 4 }] }))
    const transport = fetchTransport({ baseUrl: baseUrl + '/', token: 'tok' })
    const answer = await transport.push({ protocol: PROTOCOL_VERSION, deviceId: 'd-1', mutations: [m] })
    expect(answer.results).toEqual([{ status: 'applied', rev: 4 }])
    expect(received[0]).toMatchObject({ method: 'POST', url: '/api/v1/sync/push', headers: { authorization: 'Bearer tok', 'content-type': 'application/json' } })
    expect(JSON.parse(received[0]!.body)).toEqual({ protocol: PROTOCOL_VERSION, deviceId: 'd-1', mutations: [m] })
  })

  it('takes answers that name their mutations (a server of protocol 1) when each names the one at its place', async () => {
    const [m, n] = [mutation(), mutation()]
    const named = [{ mutationId: m.mutationId, status: 'applied', rev: 4 }, { mutationId: n.mutationId, status: 'applied', rev: 5 }]
    const baseUrl = await serve((req, res) => json(200, { results: received.length === 1 ? named : named.toReversed() })(req, res))
    const transport = fetchTransport({ baseUrl, token: 'tok' })
    expect((await transport.push({ protocol: PROTOCOL_VERSION, deviceId: 'd-1', mutations: [m, n] })).results).toEqual(named)
    expect((await failure(transport.push({ protocol: PROTOCOL_VERSION, deviceId: 'd-1', mutations: [m, n] }))).code).toBe('bad_response')
  })

  it('sends a batch again as protocol 1, every id in it, to a server that refuses a newer protocol (one not yet upgraded), and no other refusal', async () => {
    // A record's first mutation, which shares the record's id: protocol 3 leaves it out, protocol 1 cannot.
    const recordId = uuidv7()
    const m = { kind: 'put' as const, mutationId: recordId, deviceSeq: 1, table: 'visits' as const, recordId, baseRev: null, fields: { notes: '走访' } }
    // What the previous release's server answers a protocol it does not know.
    const refused = json(400, { error: 'bad_request', message: 'body/protocol: Invalid input: expected 1' })
    let baseUrl = await serve((req, res) => (JSON.parse(received.at(-1)!.body).protocol === 1 ? json(200, { results: [{ mutationId: m.mutationId, status: 'applied', rev: 4 }] }) : refused)(req, res))
    // Built ahead as the engine builds it, without the implied id: the fallback must not send that body.
    const transport = fetchTransport({ baseUrl, token: 'tok' })
    const batch: PushBatch = { protocol: PROTOCOL_VERSION, deviceId: 'd-1', mutations: [m] }
    const answer = await transport.push(batch, await transport.encodePush!(batch))
    expect(answer.results).toEqual([{ mutationId: m.mutationId, status: 'applied', rev: 4 }])
    expect(received.map((r) => JSON.parse(r.body))).toEqual([
      { protocol: PROTOCOL_VERSION, deviceId: 'd-1', mutations: [withoutImpliedId(m)] },
      { protocol: 1, deviceId: 'd-1', mutations: [m] },
    ])
    expect(JSON.parse(received[0]!.body).mutations[0]).not.toHaveProperty('mutationId')
    server!.close()
    baseUrl = await serve(json(403, { error: 'forbidden', message: 'no' }))
    expect((await failure(fetchTransport({ baseUrl, token: 'tok' }).push({ protocol: PROTOCOL_VERSION, deviceId: 'd-1', mutations: [m] }))).code).toBe('refused')
    expect(received).toHaveLength(1)
  })

  it('sends a large batch gzip-compressed, a small one as it is', async () => {
    const note = (size: number) => ({ kind: 'put' as const, mutationId: uuidv7(), deviceSeq: 1, table: 'visits' as const, recordId: uuidv7(), baseRev: null, fields: { notes: '走访'.repeat(size) } })
    const small = note(10)
    const large = note(GZIP_FROM_BYTES)
    const answers = [small, large].map((m) => ({ results: [{ mutationId: m.mutationId, status: 'applied', rev: 1 }] }))
    const baseUrl = await serve((req, res) => json(200, answers[received.length - 1])(req, res))
    const transport = fetchTransport({ baseUrl, token: 'tok' })
    await transport.push({ protocol: PROTOCOL_VERSION, deviceId: 'd-1', mutations: [small] })
    await transport.push({ protocol: PROTOCOL_VERSION, deviceId: 'd-1', mutations: [large] })

    expect(received[0]!.headers['content-encoding']).toBeUndefined()
    expect(JSON.parse(received[0]!.body)).toEqual({ protocol: PROTOCOL_VERSION, deviceId: 'd-1', mutations: [small] })
    expect(received[1]!.headers['content-encoding']).toBe('gzip')
    expect(JSON.parse(gunzipSync(received[1]!.bytes).toString())).toEqual({ protocol: PROTOCOL_VERSION, deviceId: 'd-1', mutations: [large] })
    expect(received[1]!.bytes.length).toBeLessThan(JSON.stringify(large).length / 4)
  })

  it('builds a push body around the JSON of its mutations it is given, as made when the batch was measured', async () => {
    const note = (text: string) => ({ kind: 'put' as const, mutationId: uuidv7(), deviceSeq: 1, table: 'visits' as const, recordId: uuidv7(), baseRev: null, fields: { notes: text } })
    const mutations = [note('走访'.repeat(GZIP_FROM_BYTES)), note('电梯')]
    // Keys in another order than JSON.stringify's: the body carries these bytes, not the mutations' JSON made again.
    const given = mutations.map((m) => JSON.stringify(Object.fromEntries(Object.entries(m).reverse())))
    const batch: PushBatch = { protocol: PROTOCOL_VERSION, deviceId: 'd-1', mutations }
    const baseUrl = await serve(json(200, { results: mutations.map(() => ({ status: 'applied', rev: 1 })) }))
    const transport = fetchTransport({ baseUrl, token: 'tok' })
    await transport.push(batch, await transport.encodePush!(batch, given.map((text) => new TextEncoder().encode(text))))

    const body = gunzipSync(received[0]!.bytes).toString()
    expect(body).toBe(`{"protocol":${PROTOCOL_VERSION},"deviceId":"d-1","mutations":[${given.join(',')}]}`)
    expect(JSON.parse(body)).toEqual(batch)
  })

  it('refuses answers that do not match the mutations sent, or the protocol', async () => {
    const m = mutation()
    let baseUrl = await serve(json(200, { results: [{ mutationId: uuidv7(), status: 'applied', rev: 4 }] }))
    expect((await failure(fetchTransport({ baseUrl, token: 't' }).push({ protocol: PROTOCOL_VERSION, deviceId: 'd', mutations: [m] }))).code).toBe('bad_response')
    server!.close()
    // Without ids, the count is what matches them: one answer too many is no answer to trust.
    baseUrl = await serve(json(200, { results: [{ status: 'applied', rev: 4 }, { status: 'applied', rev: 5 }] }))
    expect((await failure(fetchTransport({ baseUrl, token: 't' }).push({ protocol: PROTOCOL_VERSION, deviceId: 'd', mutations: [m] }))).code).toBe('bad_response')
    server!.close()
    baseUrl = await serve(json(200, { changes: 'nope' }))
    expect((await failure(fetchTransport({ baseUrl, token: 't' }).pull(null, 10))).code).toBe('bad_response')
  })

  it('pulls with the cursor and limit in the query, without a cursor the first time, and asks to skip echoes when told', async () => {
    const baseUrl = await serve(json(200, { changes: [], cursor: 'next', hasMore: false, reset: false }))
    const transport = fetchTransport({ baseUrl, token: 't' })
    expect(await transport.pull(null, 500)).toEqual({ changes: [], cursor: 'next', hasMore: false, reset: false })
    await transport.pull('abc', 10)
    await transport.pull('abc', 10, { skipEchoes: true })
    expect(received.map((r) => r.url)).toEqual([
      '/api/v1/sync/pull?limit=500&protocol=2',
      '/api/v1/sync/pull?limit=10&cursor=abc&protocol=2',
      '/api/v1/sync/pull?limit=10&cursor=abc&echoes=skip&protocol=2',
    ])
  })

  it("makes a protocol 2 page's changes whole: the id and revision their records carry, and refuses one that carries neither", async () => {
    const id = uuidv7()
    const record = { id, rev: 7, note: '走访' }
    const page = { changes: [{ table: 'visits', record }, { table: 'templates', id: 'tpl@2', record: { id: 'tpl', version: 2 }, rev: 8 }], cursor: 'c', hasMore: false, reset: false }
    let baseUrl = await serve(json(200, page))
    expect((await fetchTransport({ baseUrl, token: 't' }).pull(null, 10)).changes).toEqual([
      { table: 'visits', id, rev: 7, record },
      { table: 'templates', id: 'tpl@2', rev: 8, record: { id: 'tpl', version: 2 } },
    ])
    server!.close()
    baseUrl = await serve(json(200, { ...page, changes: [{ table: 'visits', record: { id } }] }))
    expect((await failure(fetchTransport({ baseUrl, token: 't' }).pull(null, 10))).code).toBe('bad_response')
  })

  it("keeps a page's records as they came, checked only to be objects: the engine checks each against its table's schema", async () => {
    const record = { id: uuidv7(), rev: 7, note: '走访' }
    const page = (record: unknown) => ({ changes: [{ table: 'visits', id: uuidv7(), rev: 7, record }], cursor: 'c', hasMore: false, reset: false })
    let baseUrl = await serve(json(200, page(record)))
    const parsed = vi.spyOn(Response.prototype, 'json')
    const pulled = await fetchTransport({ baseUrl, token: 't' }).pull(null, 10)
    // The very object the answer's JSON made: a first pull of 10,000 records copies none of them on the main thread.
    const made = (await parsed.mock.results[0]!.value) as ReturnType<typeof page>
    expect(pulled.changes[0]!.record).toBe(made.changes[0]!.record)
    parsed.mockRestore()
    for (const notRecord of [null, 'visit', [record]]) {
      server!.close()
      baseUrl = await serve(json(200, page(notRecord)))
      expect((await failure(fetchTransport({ baseUrl, token: 't' }).pull(null, 10))).code).toBe('bad_response')
    }
  })

  it.each([
    [401, 'unauthorized'],
    [413, 'too_large'],
    [429, 'throttled'],
    [500, 'server'],
    [502, 'server'],
    [400, 'refused'],
    [415, 'refused'],
  ] as const)('turns HTTP %i into %s', async (status, code) => {
    const baseUrl = await serve(json(status, { error: 'bad_request', message: 'no' }, { 'retry-after': '30' }))
    const error = await failure(fetchTransport({ baseUrl, token: 't' }).pull(null, 10))
    expect(error.code).toBe(code)
    expect(error.details.status).toBe(status)
    if (code === 'throttled') expect(error.details.retryAfterMs).toBe(30_000)
  })

  it('answers offline when nothing listens', async () => {
    const baseUrl = await serve(json(200, {}))
    server!.close()
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect((await failure(fetchTransport({ baseUrl, token: 't' }).pull(null, 10))).code).toBe('offline')
  })

  it('times out a server that never answers, and one that stalls in the middle of its answer', async () => {
    let baseUrl = await serve(() => undefined)
    expect((await failure(fetchTransport({ baseUrl, token: 't', timeoutMs: 100 }).pull(null, 10))).code).toBe('timeout')
    server!.closeAllConnections()
    server!.close()
    baseUrl = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"changes": [')
    })
    expect((await failure(fetchTransport({ baseUrl, token: 't', timeoutMs: 100 }).pull(null, 10))).code).toBe('timeout')
  })

  it('asks once which attachments to upload, with a 200, and uploads the bytes with their type', async () => {
    const baseUrl = await serve((req, res) =>
      req.method === 'POST' ? json(200, { missing: ['b'.repeat(64)] })(req, res) : res.writeHead(201).end(),
    )
    const transport = fetchTransport({ baseUrl, token: 't' })
    expect(await transport.missingAttachments(['a'.repeat(64), 'b'.repeat(64)])).toEqual(['b'.repeat(64)])
    expect(received[0]).toMatchObject({ method: 'POST', url: '/api/v1/attachments/missing', body: JSON.stringify({ hashes: ['a'.repeat(64), 'b'.repeat(64)] }) })
    await transport.putAttachment('b'.repeat(64), new TextEncoder().encode('jpeg').buffer, 'image/jpeg')
    expect(received[1]).toMatchObject({ method: 'PUT', url: `/api/v1/attachments/${'b'.repeat(64)}`, body: 'jpeg', headers: { 'content-type': 'image/jpeg' } })
  })

  it('gets a photo or its thumbnail as bytes with their type, a 404 as refused, and anything but an image as a bad answer', async () => {
    const sha = 'c'.repeat(64)
    const baseUrl = await serve((req, res) => {
      if (req.url!.startsWith(`/api/v1/attachments/${sha}`)) res.writeHead(200, { 'content-type': 'image/jpeg' }).end('jpeg')
      else if (req.url!.startsWith('/api/v1/attachments/')) json(404, { error: 'not_found', message: 'No such attachment.' })(req, res)
      else res.writeHead(200, { 'content-type': 'text/html' }).end('<html>')
    })
    const transport = fetchTransport({ baseUrl, token: 't' })
    const thumb = await transport.getAttachment(sha, 'thumb')
    expect(new TextDecoder().decode(thumb.data)).toBe('jpeg')
    expect(thumb.type).toBe('image/jpeg')
    expect(received[0]).toMatchObject({ method: 'GET', url: `/api/v1/attachments/${sha}?size=thumb`, headers: { authorization: 'Bearer t' } })
    expect(await failure(transport.getAttachment('d'.repeat(64), 'full'))).toMatchObject({ code: 'refused', details: { status: 404 } })
    const portal = fetchTransport({ baseUrl: `${baseUrl}/captive`, token: 't' })
    expect((await failure(portal.getAttachment(sha, 'full'))).code).toBe('bad_response')
  })

  it('logs out with no body, and logs in without a token', async () => {
    const user = { id: 'u-1', username: 'leader1', displayName: '楼长', role: 'leader', communityId: 'c', buildingIds: [] }
    const recoveryKey = 'k'.repeat(43)
    const answer = { token: 'new', deviceId: 'd-1', user, recoveryKey, appLock: 'optional' }
    const baseUrl = await serve((req, res) => (req.url === '/api/v1/auth/login' ? json(200, answer)(req, res) : res.writeHead(204).end()))
    // A server older than one-time passwords does not say: the password need not change.
    expect(await fetchTransport({ baseUrl, token: null }).login({ username: 'leader1', password: 'p', deviceName: 'phone' })).toEqual({
      ...answer,
      mustChangePassword: false,
    })
    expect(received[0]!.headers.authorization).toBeUndefined()
    await fetchTransport({ baseUrl, token: 'new' }).logout()
    expect(received[1]).toMatchObject({ method: 'POST', body: '', headers: { authorization: 'Bearer new' } })
    expect(received[1]!.headers['content-type']).toBeUndefined()
  })

  it('sends a password change with the token, and tells a sync held for one from any other refusal', async () => {
    const baseUrl = await serve((req, res) =>
      req.url === '/api/v1/auth/password' ? res.writeHead(204).end() : json(403, { error: 'password_change_required', message: 'change it first' })(req, res),
    )
    const transport = fetchTransport({ baseUrl, token: 'one-time' })
    await transport.changePassword({ currentPassword: 'old', newPassword: 'lao-wang-302-home' })
    expect(received[0]).toMatchObject({ method: 'POST', body: JSON.stringify({ currentPassword: 'old', newPassword: 'lao-wang-302-home' }), headers: { authorization: 'Bearer one-time' } })
    const refused = await transport.pull(null, 10).catch((e: unknown) => e)
    expect(refused).toMatchObject({ code: 'password_change', details: { status: 403, apiError: 'password_change_required' } })
  })
})
