import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { PULL_MAX_BYTES, PUSH_MAX_BYTES, PUSH_MAX_MUTATIONS, uuidv7, type Change, type Mutation, type MutationResult, type PullResponse } from '@/domain'
import { describeEngines, newIssue, pushBody, startApi, type TestApi } from './api'
import { issueFields } from '../fixtures'
import { mutation } from '../fixtures/mutations'

describeEngines('push and pull over HTTP', (engine) => {
  let api: TestApi
  let leader: { token: string; deviceId: string }
  let office: { token: string; deviceId: string }
  beforeAll(async () => {
    api = await startApi(engine)
    leader = await api.login('leader1')
    office = await api.login('office1')
  })
  afterAll(() => api.close())

  async function push(who: { token: string; deviceId: string }, mutations: unknown[]): Promise<MutationResult[]> {
    const answer = await api.call('POST', '/api/v1/sync/push', { token: who.token, json: pushBody(who.deviceId, mutations) })
    expect(answer.status, answer.body).toBe(200)
    return (answer.json as { results: MutationResult[] }).results
  }

  async function pull(token: string, query = ''): Promise<PullResponse> {
    const answer = await api.call('GET', `/api/v1/sync/pull${query}`, { token })
    expect(answer.status, answer.body).toBe(200)
    return answer.json as PullResponse
  }

  it("carries a leader's report to the office, and the office's status change back to the leader", async () => {
    const leaderStart = await pull(leader.token, '?limit=1000')
    expect(leaderStart.hasMore).toBe(false)

    const report = newIssue()
    expect(await push(leader, [report])).toEqual([{ mutationId: report.mutationId, status: 'applied', rev: expect.any(Number), stamps: expect.any(Object) }])

    const seenByOffice = (await api.pullAll(office.token)).filter((c) => c.id === report.recordId)
    expect(seenByOffice).toHaveLength(1)
    expect(seenByOffice[0]!.record).toMatchObject({ status: 'submitted', description: report.fields.description, createdBy: 'u-leader1' })

    const eventId = uuidv7()
    const status = { kind: 'issue.status', mutationId: uuidv7(), deviceSeq: 1, recordId: report.recordId, eventId, to: 'accepted', note: '已派物业处理' }
    expect((await push(office, [status]))[0]).toMatchObject({ status: 'applied' })

    const next = await pull(leader.token, `?cursor=${leaderStart.cursor}`)
    expect(next.reset).toBe(false)
    const changed = next.changes.filter((c) => c.id === report.recordId)
    expect(changed).toHaveLength(1)
    expect(changed[0]!.record).toMatchObject({ status: 'accepted', events: [{ id: eventId, type: 'status', to: 'accepted', note: '已派物业处理' }] })
  })

  it('answers a retried batch with duplicates and applies nothing twice', async () => {
    const report = newIssue()
    const first = await push(leader, [report])
    const again = await push(leader, [report])
    expect(first[0]).toMatchObject({ status: 'applied', stamps: { createdBy: 'u-leader1', status: 'submitted' } })
    const { rev, stamps } = first[0] as Extract<MutationResult, { status: 'applied' }>
    expect(again).toEqual([{ mutationId: report.mutationId, status: 'duplicate', rev, stamps }])
    expect((await api.pullAll(office.token)).filter((c) => c.id === report.recordId)).toHaveLength(1)
  })

  it('answers a malformed mutation rejected/invalid and still applies the ones around it', async () => {
    const before = newIssue()
    const after = newIssue()
    const results = await push(leader, [before, { kind: 'put', mutationId: 'not-a-uuid', table: 'issues' }, 42, after])
    expect(results.map((r) => r.status)).toEqual(['applied', 'rejected', 'rejected', 'applied'])
    expect(results[1]).toMatchObject({ mutationId: 'not-a-uuid', code: 'invalid' })
    expect(results[2]).toMatchObject({ mutationId: '', code: 'invalid' })
  })

  it('refuses a batch that names another device than the signed-in one', async () => {
    const answer = await api.call('POST', '/api/v1/sync/push', { token: leader.token, json: pushBody(office.deviceId, [newIssue()]) })
    expect(answer.status).toBe(403)
  })

  it('answers 413 for too many mutations and for too many bytes, without applying any', async () => {
    const many = Array.from({ length: PUSH_MAX_MUTATIONS + 1 }, () => newIssue())
    const tooMany = await api.call('POST', '/api/v1/sync/push', { token: leader.token, json: pushBody(leader.deviceId, many) })
    expect(tooMany.status).toBe(413)
    expect(tooMany.json).toMatchObject({ error: 'payload_too_large' })

    const huge = newIssue({ description: 'x'.repeat(1024 * 1024) })
    const tooBig = await api.call('POST', '/api/v1/sync/push', { token: leader.token, json: pushBody(leader.deviceId, [huge]) })
    expect(tooBig.status).toBe(413)
    const ids = new Set((await api.pullAll(office.token)).map((c) => c.id))
    expect(ids.has(many[0]!.recordId) || ids.has(huge.recordId)).toBe(false)
  })

  it('takes a gzip-compressed batch as a plain one; refuses a body that is no gzip, another encoding, or one that unpacks past the limit', async () => {
    const send = (body: Buffer, encoding: string) =>
      api.call('POST', '/api/v1/sync/push', { token: leader.token, body, headers: { 'content-type': 'application/json', 'content-encoding': encoding } })
    const report = newIssue()
    const gzipped = await send(gzipSync(JSON.stringify(pushBody(leader.deviceId, [report]))), 'gzip')
    expect(gzipped.status, gzipped.body).toBe(200)
    expect(gzipped.json).toEqual({ results: [{ mutationId: report.mutationId, status: 'applied', rev: expect.any(Number), stamps: expect.any(Object) }] })

    // A few kilobytes on the wire that unpack to more than a push may be.
    const bomb = newIssue({ description: 'x'.repeat(PUSH_MAX_BYTES) })
    const packed = gzipSync(JSON.stringify(pushBody(leader.deviceId, [bomb])))
    expect(packed.length).toBeLessThan(PUSH_MAX_BYTES / 100)
    const tooBig = await send(packed, 'gzip')
    expect(tooBig.status).toBe(413)
    expect(tooBig.json).toMatchObject({ error: 'payload_too_large' })

    const plain = newIssue()
    const notGzip = await send(Buffer.from(JSON.stringify(pushBody(leader.deviceId, [plain]))), 'gzip')
    expect(notGzip.status).toBe(400)
    expect(notGzip.json).toMatchObject({ error: 'bad_request', message: 'The body is not valid gzip.' })
    const brotli = await send(gzipSync(JSON.stringify(pushBody(leader.deviceId, [plain]))), 'br')
    expect(brotli.status).toBe(415)
    expect(brotli.json).toMatchObject({ error: 'unsupported_media_type' })

    const ids = new Set((await api.pullAll(office.token)).map((c) => c.id))
    expect([report, bomb, plain].map((m) => ids.has(m.recordId))).toEqual([true, false, false])
  })

  it('pages with the cursor: every change once, in revision order, and an empty page at the end keeps the cursor', async () => {
    const all = await api.pullAll(office.token)
    const seen: Change[] = []
    let cursor = ''
    let pages = 0
    for (;;) {
      const page = await pull(office.token, `?limit=7&cursor=${cursor}`)
      expect(page.changes.length).toBeLessThanOrEqual(7)
      seen.push(...page.changes)
      cursor = page.cursor
      pages++
      if (!page.hasMore) break
    }
    expect(pages).toBeGreaterThan(3)
    expect(seen.map((c) => c.rev)).toEqual(all.map((c) => c.rev))
    expect(seen.map((c) => c.rev)).toEqual([...seen.map((c) => c.rev)].sort((a, b) => a - b))
    const end = await pull(office.token, `?cursor=${cursor}`)
    expect(end).toMatchObject({ changes: [], hasMore: false, reset: false, cursor })
  })

  it('ends a pull page before it passes the byte cap, and the pages still carry every change once, in order', async () => {
    const { cursor: before } = await pull(office.token, '?limit=1000')
    // Templates are the largest rows the office can make: 100 items with long Chinese help text, about 128 KB
    // each; twelve of them (1.5 MB) go in two pushes, each under the push byte limit.
    const items = Array.from({ length: 100 }, (_, i) => ({ id: `item-${i}`, label: `检查项${i}`, help: '楼'.repeat(400), category: 'safety_hazard' }))
    const publish = Array.from({ length: 12 }, (_, i) => ({
      kind: 'template.publish',
      mutationId: uuidv7(),
      deviceSeq: i + 1,
      template: { id: `t-big-${i}`, version: 1, title: '大模板', description: '', items, publishedAt: '2026-11-20T08:00:00.000Z' },
    }))
    for (const half of [publish.slice(0, 6), publish.slice(6)]) expect((await push(office, half)).every((r) => r.status === 'applied')).toBe(true)
    const seen: Change[] = []
    let cursor = before
    let pages = 0
    for (;;) {
      pages++
      const answer = await api.call('GET', `/api/v1/sync/pull?limit=1000&cursor=${cursor}`, { token: office.token })
      const page = answer.json as PullResponse
      const recordBytes = page.changes.reduce((sum, c) => sum + Buffer.byteLength(JSON.stringify(c.record)), 0)
      expect(recordBytes).toBeLessThanOrEqual(PULL_MAX_BYTES)
      seen.push(...page.changes)
      cursor = page.cursor
      if (!page.hasMore) break
    }
    expect(pages).toBe(2)
    expect(seen.map((c) => c.id)).toEqual(publish.map((m) => `${m.template.id}@1`))
  })

  it('restarts from the beginning with reset when a building is assigned, and sees the new building', async () => {
    const start = await api.pullAll(leader.token)
    expect(start.some((c) => c.table === 'buildings' && c.id === 'b-qiaohu-32')).toBe(false)
    const { cursor } = await pull(leader.token, '?limit=1000')

    await api.storage.assignBuildings('u-leader1', ['b-nanmen-115-2', 'b-nanmen-117', 'b-qiaohu-32'])
    const after = await pull(leader.token, `?limit=1000&cursor=${cursor}`)
    expect(after.reset).toBe(true)
    expect(after.changes[0]!.rev).toBe(start[0]!.rev)
    expect(after.changes.some((c) => c.table === 'buildings' && c.id === 'b-qiaohu-32')).toBe(true)
    // The new cursor carries the new scope: the next pull continues without another reset.
    expect((await pull(leader.token, `?cursor=${after.cursor}`)).reset).toBe(false)

    // Taking the building away again resets too, and its households are no longer sent.
    await api.storage.assignBuildings('u-leader1', ['b-nanmen-115-2', 'b-nanmen-117'])
    const removed = await pull(leader.token, `?limit=1000&cursor=${after.cursor}`)
    expect(removed.reset).toBe(true)
    expect(removed.changes.some((c) => c.table === 'households' && c.record.buildingId === 'b-qiaohu-32')).toBe(false)
  })

  /** Pulls from `cursor` to the end, asking to skip the caller's echoes: every change, and the cursor at the end. */
  async function pullSkipping(token: string, cursor = '', limit = 1000): Promise<{ changes: Change[]; cursor: string; pages: PullResponse[] }> {
    const pages: PullResponse[] = []
    for (;;) {
      const page = await pull(token, `?echoes=skip&limit=${limit}&cursor=${cursor}`)
      pages.push(page)
      cursor = page.cursor
      if (!page.hasMore) return { changes: pages.flatMap((p) => p.changes), cursor, pages }
    }
  }

  const putOf = (...args: Parameters<typeof mutation.put>) => mutation.put(...args) as Extract<Mutation, { kind: 'put' }>
  const stampsOf = (result: MutationResult | undefined) => (result?.status === 'applied' || result?.status === 'duplicate' ? result.stamps : undefined)

  it('a push pulls back none of its own changes; the stamps make the phone hold each record as the server does; others still get them', async () => {
    const phone = await api.login('leader1')
    const { cursor: caughtUp } = await pullSkipping(phone.token)

    const reports = [newIssue(), newIssue(), newIssue()]
    const created = await push(phone, reports)
    const edit = putOf('issues', reports[0]!.recordId, { description: '楼道灯修好又坏了' }, (created[0] as { rev: number }).rev)
    const [edited] = await push(phone, [edit])
    expect([...created, edited].map((r) => [r?.status, stampsOf(r) !== undefined])).toEqual(Array(4).fill(['applied', true]))
    // Someone else's change after them: the only one the phone is sent, found past three echoes read in pages of two.
    const other = newIssue()
    await push(leader, [other])

    const after = await pull(phone.token, `?echoes=skip&limit=2&cursor=${caughtUp}`)
    expect(after.changes.map((c) => c.id)).toEqual([other.recordId])
    expect(after.hasMore).toBe(false)
    // The cursor went past the echoes: a phone that stops asking gets nothing older than it.
    expect((await pull(phone.token, `?cursor=${after.cursor}`)).changes).toEqual([])

    // The phone's copy (its own ids for what the server owns, its own clock) with the answers' stamps over it is the stored record.
    const stored = new Map((await api.pullAll(office.token)).map((c) => [c.id, c]))
    const steps = [
      [[reports[0]!, created[0]!], [edit, edited!]],
      [[reports[1]!, created[1]!]],
      [[reports[2]!, created[2]!]],
    ] as const
    for (const sent of steps) {
      const id = sent[0][0].recordId
      let copy: Record<string, unknown> = { id, createdBy: 'local', deviceId: 'phone-own-id', updatedAt: '2026-01-01T00:00:00.000Z', rev: null, deletedAt: null, conflicts: [], status: 'submitted', events: [], assignee: null }
      for (const [put, answer] of sent) copy = { ...copy, ...put.fields, ...stampsOf(answer), rev: (answer as { rev: number }).rev }
      expect(copy).toEqual(stored.get(id)!.record)
    }

    // A phone that does not ask (an older app) gets them all, as does the leader's other phone and the office.
    const asOld = await pull(phone.token, `?cursor=${caughtUp}`)
    expect(asOld.changes.map((c) => c.id)).toEqual([reports[1], reports[2], reports[0], other].map((r) => r!.recordId))
    const elsewhere = await pullSkipping(leader.token)
    expect(reports.every((r) => elsewhere.changes.some((c) => c.id === r.recordId))).toBe(true)
    expect(reports.every((r) => stored.has(r.recordId))).toBe(true)
  })

  it("brings back what the server wrote beyond a put: the office's status change, a put on a record changed since, a conflict", async () => {
    const phone = await api.login('leader1')
    const second = await api.login('leader1')
    const report = newIssue()
    const shared = putOf('issues', uuidv7(), issueFields())
    const [made, madeToo] = await push(phone, [report, shared])
    const { cursor: caughtUp } = await pullSkipping(phone.token)
    const { cursor: secondCaughtUp } = await pullSkipping(second.token)
    const revOf = (r: MutationResult | undefined) => (r as { rev: number }).rev

    // The leader's other phone edits the second report; this phone, not having pulled that, edits it too: one field
    // the other did not touch (applied, but the phone lacks the other's change), and then one it did (a conflict).
    const [theirs] = await push(second, [putOf('issues', shared.recordId, { description: '另一部手机写的' }, revOf(madeToo))])
    expect(stampsOf(theirs)).toBeDefined()
    const [elsewhere] = await push(phone, [putOf('issues', shared.recordId, { location: '三楼' }, revOf(madeToo))])
    expect(elsewhere).toEqual({ mutationId: expect.any(String), status: 'applied', rev: expect.any(Number) })
    const [lost] = await push(phone, [putOf('issues', shared.recordId, { description: '这部手机写的' }, revOf(madeToo))])
    expect(lost?.status).toBe('conflict')
    const status = { kind: 'issue.status', mutationId: uuidv7(), deviceSeq: 1, recordId: report.recordId, eventId: uuidv7(), to: 'accepted', note: '' }
    expect((await push(office, [status]))[0]).toMatchObject({ status: 'applied' })

    const back = await pullSkipping(phone.token, caughtUp)
    expect(back.changes.map((c) => c.id)).toEqual([shared.recordId, report.recordId])
    expect(back.changes[0]!.record).toMatchObject({ description: '另一部手机写的', location: '三楼', conflicts: [{ field: 'description', value: '这部手机写的' }] })
    expect(back.changes[1]!.record).toMatchObject({ status: 'accepted' })
    // The other phone gets this one's changes of that report, though its own edit came first.
    expect((await pullSkipping(second.token, secondCaughtUp)).changes.map((c) => c.id)).toEqual([shared.recordId, report.recordId])
    expect(stampsOf(made)).toBeDefined()
  })

  it("brings a phone its own records on every page of a first pull and of a reset's, and leaves them out only once caught up", async () => {
    const phone = await api.login('leader1')
    const reports = [newIssue(), newIssue(), newIssue()]
    // A first sign-in pushes before it pulls: the phone has them, but pull brings them all the same.
    await push(phone, reports)
    const first = await pullSkipping(phone.token, '', 2)
    expect(first.pages.length).toBeGreaterThan(2)
    expect(reports.every((r) => first.changes.some((c) => c.id === r.recordId))).toBe(true)

    const later = newIssue()
    await push(phone, [later])
    expect((await pullSkipping(phone.token, first.cursor)).changes).toEqual([])

    // A reset: the phone forgets what it pulled, its own records too, and gets them back page by page.
    await api.storage.assignBuildings('u-leader1', ['b-nanmen-115-2', 'b-nanmen-117', 'b-qiaohu-32'])
    try {
      const reset = await pullSkipping(phone.token, first.cursor, 2)
      expect(reset.pages[0]!.reset).toBe(true)
      expect(reset.pages.length).toBeGreaterThan(2)
      expect([...reports, later].every((r) => reset.changes.some((c) => c.id === r.recordId))).toBe(true)
      await push(phone, [newIssue()])
      expect((await pullSkipping(phone.token, reset.cursor)).changes).toEqual([])
    } finally {
      await api.storage.assignBuildings('u-leader1', ['b-nanmen-115-2', 'b-nanmen-117'])
    }
  })

  it('refuses a malformed cursor and a bad limit with 400', async () => {
    const forged = Buffer.from(JSON.stringify({ v: 9, rev: 1, scope: 'x' })).toString('base64url')
    for (const query of ['?cursor=%%%', `?cursor=${forged}`, '?cursor=abc', '?limit=0', '?limit=abc', '?limit=100000', '?limit=1&limit=2', '?echoes=all']) {
      const answer = await api.call('GET', `/api/v1/sync/pull${query}`, { token: leader.token })
      expect(answer.status, query).toBe(400)
      expect(answer.json, query).toMatchObject({ error: 'bad_request' })
    }
  })
})
