import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { PROTOCOL_VERSION, RECORD_TABLES, uuidv7, wholeChange, withoutImpliedId, type Mutation, type MutationResult, type PullPage, type PushResponse } from '@/domain'
import { describeEngines, newIssue, startApi, type TestApi } from './api'
import { visitFields } from '../fixtures'
import { mutation } from '../fixtures/mutations'

/**
 * Protocols 2 and 3 (src/domain/sync.ts) send fewer bytes than protocol 1 and mean the same: a push's answers without
 * the echoed mutation ids, a pull's changes without the id and revision their records carry (2), a record's first
 * mutation without the id it shares with the record (3). Old phones speak 1 and 2.
 */
describeEngines('sync protocols 1, 2 and 3', (engine) => {
  let api: TestApi
  let leader: { token: string; deviceId: string }
  beforeAll(async () => {
    api = await startApi(engine)
    leader = await api.login('leader1')
  })
  afterAll(() => api.close())

  async function push(protocol: 1 | 2 | 3, mutations: unknown[]): Promise<{ results: PushResponse['results']; body: string }> {
    const answer = await api.call('POST', '/api/v1/sync/push', { token: leader.token, json: { protocol, deviceId: leader.deviceId, mutations } })
    expect(answer.status, answer.body).toBe(200)
    return { results: (answer.json as PushResponse).results, body: answer.body }
  }

  async function pull(protocol: 1 | 2 | undefined, cursor: string | null = null, limit = 1000): Promise<{ page: PullPage; body: string }> {
    const query = new URLSearchParams({ limit: String(limit), ...(cursor && { cursor }), ...(protocol && { protocol: String(protocol) }) })
    const answer = await api.call('GET', `/api/v1/sync/pull?${query}`, { token: leader.token })
    expect(answer.status, answer.body).toBe(200)
    return { page: answer.json as PullPage, body: answer.body }
  }

  /** 200 new visits of leader1's, their notes varied as a leader's are. */
  const visits = () =>
    Array.from({ length: 200 }, (_, i) =>
      mutation.put('visits', uuidv7(), { ...visitFields({ needs: `第${i}户：${'想了解养老金年审'.slice(0, 1 + (i % 8))}`, othersMet: i % 3 ? '' : '她儿子' }), createdAt: new Date().toISOString() }),
    )
  /** The same, each made as the phone makes a record's first mutation: with the record's id (src/app/db/records.ts). */
  const firstPuts = () => visits().map((m): Mutation => ({ ...m, mutationId: (m as { recordId: string }).recordId }))

  it('answers protocol 1 with each mutation named, protocol 2 with the same answers in order and no ids', async () => {
    const [applied, malformed] = [newIssue(), { kind: 'put', mutationId: 'not-a-uuid', table: 'issues' }]
    const first = (await push(1, [applied, malformed])).results as MutationResult[]
    expect(first.map((r) => [r.mutationId, r.status])).toEqual([
      [applied.mutationId, 'applied'],
      ['not-a-uuid', 'rejected'],
    ])
    const fresh = newIssue()
    // A retry by a phone of protocol 2: the same decisions, the ids left out, in the order sent.
    const again = await push(2, [fresh, applied, malformed, 42])
    expect(again.results).toEqual([
      { status: 'applied', rev: expect.any(Number), stamps: expect.any(Object) },
      { status: 'duplicate', rev: (first[0] as { rev: number }).rev, stamps: (first[0] as { stamps: object }).stamps },
      { status: 'rejected', code: 'invalid', message: expect.any(String) },
      { status: 'rejected', code: 'invalid', message: expect.any(String) },
    ])
    expect(again.body).not.toContain('"mutationId"')
    expect((await push(1, [fresh])).results).toEqual([{ mutationId: fresh.mutationId, status: 'duplicate', rev: expect.any(Number), stamps: expect.any(Object) }])
  })

  it('sends protocol 2 pulls the changes of protocol 1, each without the id and revision its record carries', async () => {
    await push(PROTOCOL_VERSION, visits().slice(0, 20))
    const [one, two] = [await pull(undefined), await pull(2)]
    expect(one.page.hasMore).toBe(false)
    expect(two.page.changes.map(wholeChange)).toEqual(one.page.changes)
    // Every record table's change leaves both out; a template's row id is not its record's id, and stays.
    const records = two.page.changes.filter((c) => (RECORD_TABLES as readonly string[]).includes(c.table))
    expect(records.length).toBeGreaterThanOrEqual(20)
    expect(records.filter((c) => c.id !== undefined || c.rev !== undefined)).toEqual([])
    expect(two.page.changes.filter((c) => c.table === 'templates').every((c) => c.id !== undefined)).toBe(true)
  })

  it('keeps the bytes of protocol 2 near the bare records: a push answer under 5 B a visit, a pull page within 1.15× (gzip)', async () => {
    const gzip = (text: string) => gzipSync(text).length
    const { cursor } = (await pull(2)).page
    const batch = visits()
    const answers = { 1: (await push(1, batch.slice(0, 100))).body, 2: (await push(2, batch.slice(100))).body }
    // The ids were 4/5 of an answer: a random UUID each, which gzip cannot shrink.
    expect(gzip(answers[2]) / 100).toBeLessThan(5)
    expect(gzip(answers[1]) / 100).toBeGreaterThan(15)

    const pages = { 1: await pull(1, cursor), 2: await pull(2, cursor) }
    const records = pages[1].page.changes.map((c) => c.record)
    expect(records).toHaveLength(200)
    const bare = gzip(JSON.stringify(records))
    expect(gzip(pages[2].body) / bare).toBeLessThan(1.15)
    expect(gzip(pages[1].body) / bare).toBeGreaterThan(1.15)
  })

  it('takes a mutation sent without an id in protocol 3 as the one of its record\'s id, and only in protocol 3', async () => {
    const [first, edit] = firstPuts()
    const sent = withoutImpliedId(first!)
    expect(sent).not.toHaveProperty('mutationId')
    // Protocol 2 knows no implied id: the mutation is malformed, nothing applied.
    expect((await push(2, [sent])).results).toEqual([{ status: 'rejected', code: 'invalid', message: expect.any(String) }])
    const applied = (await push(3, [sent])).results
    expect(applied).toEqual([{ status: 'applied', rev: expect.any(Number), stamps: expect.any(Object) }])
    // Kept under the record's id: sent again by an older phone with that id, or again without it, a duplicate.
    const duplicate = { status: 'duplicate', rev: (applied[0] as { rev: number }).rev, stamps: expect.any(Object) }
    expect((await push(1, [first])).results).toEqual([{ mutationId: first!.mutationId, ...duplicate }])
    expect((await push(3, [sent])).results).toEqual([duplicate])
    // Nothing else is implied: what has no record id, or a record id that is no id, stays malformed, alone.
    const { mutationId: _, ...noId } = newIssue()
    const malformed = [{ ...noId, recordId: 42 }, { ...sent, mutationId: null }, null, [sent]]
    expect((await push(3, malformed)).results).toEqual(malformed.map(() => ({ status: 'rejected', code: 'invalid', message: expect.any(String) })))
    // A mutation with an id of its own keeps it in protocol 3 as before.
    const other = newIssue()
    expect(withoutImpliedId(other)).toEqual(other)
    expect((await push(3, [other, edit])).results.map((r) => r.status)).toEqual(['applied', 'applied'])
    expect((await push(1, [other])).results).toEqual([{ mutationId: other.mutationId, status: 'duplicate', rev: expect.any(Number), stamps: expect.any(Object) }])
  })

  it('keeps a protocol 3 push of new visits near the bare records: request and answer within 1.2× their gzip', async () => {
    const gzip = (text: string) => gzipSync(text).length
    const { cursor } = (await pull(2)).page
    const batch = firstPuts()
    const request = (protocol: 2 | 3) => JSON.stringify({ protocol, deviceId: leader.deviceId, mutations: protocol === 3 ? batch.map(withoutImpliedId) : batch })
    const answer = (await push(3, batch.map(withoutImpliedId))).body
    const records = (await pull(2, cursor)).page.changes.map((c) => c.record)
    expect(records).toHaveLength(200)
    const bare = gzip(JSON.stringify(records))
    expect((gzip(request(3)) + gzip(answer)) / bare).toBeLessThan(1.2)
    // The ids left out were a random UUID a visit, which gzip cannot shrink: over the bar with them.
    expect((gzip(request(2)) + gzip(answer)) / bare).toBeGreaterThan(1.2)
  })
})
