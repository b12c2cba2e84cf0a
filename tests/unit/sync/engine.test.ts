import Dexie from 'dexie'
import { describe, expect, it, vi } from 'vitest'
import { BACKOFF, INITIAL_BATCH, SETTLE_LAG, createSyncEngine } from '@/app/sync/engine'
import type { DoorstepDatabase } from '@/app/db/database'
import { TransportError } from '@/app/sync/errors'
import type { StoredSession } from '@/app/sync/session'
import { LEADER_FIELDS, PULL_SCHEMAS, PUSH_MAX_MUTATIONS, RECORD_TABLES, uuidv7, withoutImpliedId, type Mutation } from '@/domain'
import { demoBuildings, demoTemplates } from '@/domain/demo'
import { inspectionFields, issueFields, visitFields } from '../../fixtures'
import { canvassAnswerFields, canvassFields } from '../../fixtures/canvass'
import { mediationFields } from '../../fixtures/mediation'
import { mentorNoteOnReport } from '../../fixtures/mentorship'
import { device, pushSizes } from './harness'

const SHA_A = 'a'.repeat(64)

/**
 * Holds the push's first settling, its transaction kept busy (a settling is IndexedDB work, which a promise from
 * elsewhere would end), until `released` answers true or five seconds have passed; then it goes on, or fails with
 * `failure`. Answers the sizes of the record writes of settling, in order.
 */
function holdFirstSettling(db: DoorstepDatabase, released: () => boolean, failure?: Error): number[] {
  const visits = db.table('visits')
  const bulkPut = visits.bulkPut.bind(visits)
  const sizes: number[] = []
  vi.spyOn(visits, 'bulkPut').mockImplementation((async (records: unknown[]) => {
    sizes.push(records.length)
    if (sizes.length === 1) {
      const deadline = Date.now() + 5_000
      while (!released() && Date.now() < deadline) await db.meta.get('syncing')
      if (failure) throw failure
    }
    return bulkPut(records as never)
  }) as never)
  return sizes
}

const pushesOf = (calls: Array<{ op: string }>) => calls.filter((c) => c.op === 'push').length
const SHA_B = 'b'.repeat(64)

describe('push', () => {
  it('sends each change once, empties the outbox and records the server revision on the record', async () => {
    const { engine, repos, server, db, queries, author } = await device()
    const visit = await repos.visits.create(visitFields(), author)
    const issue = await repos.issues.create(issueFields(), author)
    await repos.visits.update(visit.id, { outcome: '下周再来' })

    const outcome = await engine.sync()

    expect(outcome).toMatchObject({ status: 'done', pushed: 3, rejected: 0 })
    expect(await db.outbox.count()).toBe(0)
    expect(server.records.get(visit.id)?.record.outcome).toBe('下周再来')
    expect(server.records.get(issue.id)?.record.status).toBe('submitted')
    const states = await queries.recordSyncStates([visit.id, issue.id])
    expect([...states.values()]).toEqual([{ state: 'sent' }, { state: 'sent' }])
    expect((await db.visits.get(visit.id))?.rev).toBe(server.records.get(visit.id)?.rev)
    expect((await queries.syncStatus()).lastSuccessAt).toBe('2026-11-20T03:00:00.000Z')
  })

  it('sends a put with only what the leader owns, and the whole record while the server has never acknowledged it', async () => {
    const { engine, repos, server, author } = await device()
    const issue = await repos.issues.create(issueFields(), author)
    await engine.sync()
    await repos.issues.update(issue.id, { location: '天台' })
    await engine.sync()

    const [created, edited] = server.calls.filter((c) => c.op === 'push').map((c) => c.mutations![0]!)
    expect(created).toMatchObject({ kind: 'put', baseRev: null })
    const createdFields = Object.keys((created as { fields: object }).fields)
    expect(createdFields).toEqual(expect.arrayContaining(['buildingId', 'description', 'photos', 'createdAt']))
    for (const owned of ['status', 'events', 'assignee', 'rev', 'conflicts', 'createdBy', 'id']) expect(createdFields).not.toContain(owned)
    expect(edited).toMatchObject({ kind: 'put', baseRev: 1, fields: { location: '天台' } })
    expect(Object.keys((edited as { fields: object }).fields)).toEqual(['location'])
  })

  it('sends in a new record’s put exactly the domain’s leader fields (the set the server applies) and its creation time', async () => {
    const { engine, repos, server, author } = await device()
    await repos.visits.create(visitFields({ followUpOn: '2026-11-27' }), author)
    await repos.issues.create(issueFields(), author)
    await repos.inspections.create(inspectionFields(), author)
    const canvass = await repos.canvasses.create(canvassFields(), author)
    await repos.canvassAnswers.create(canvassAnswerFields(canvass.id), author)
    await repos.mediations.create(mediationFields(), author)
    await repos.mentorNotes.create(mentorNoteOnReport(), author)
    await engine.sync()

    const puts = server.calls.filter((c) => c.op === 'push').flatMap((c) => c.mutations!)
    expect(puts.map((m) => (m.kind === 'put' ? [m.table, Object.keys(m.fields).sort()] : m.kind))).toEqual(
      RECORD_TABLES.map((table) => [table, [...LEADER_FIELDS[table], 'createdAt'].sort()]),
    )
  })

  it('drains in sequence order, in batches that double after each success up to the limit', async () => {
    const { engine, repos, server, author } = await device()
    const count = INITIAL_BATCH.count + 80
    for (let i = 0; i < count; i++) await repos.visits.create(visitFields({ outcome: `第${i}次` }), author)

    expect(await engine.sync()).toMatchObject({ status: 'done', pushed: count })

    expect(pushSizes(server.calls)).toEqual([INITIAL_BATCH.count, 80])
    const seqs = server.calls.filter((c) => c.op === 'push').flatMap((c) => c.mutations!.map((m) => (m as { deviceSeq: number }).deviceSeq))
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
    expect(new Set(seqs).size).toBe(count)
    expect(engine.batch.count).toBe(PUSH_MAX_MUTATIONS)
  })

  it('sends small changes in batches of the server’s count from the first: 520 visits in two requests', async () => {
    const { engine, repos, server, author } = await device()
    for (let i = 0; i < PUSH_MAX_MUTATIONS + 20; i++) await repos.visits.create(visitFields(), author)

    expect(await engine.sync()).toMatchObject({ status: 'done', pushed: PUSH_MAX_MUTATIONS + 20 })
    expect(pushSizes(server.calls)).toEqual([PUSH_MAX_MUTATIONS, 20])
  })

  it('reads only the first batch before the first request leaves, the next one while it is out', async () => {
    const { engine, repos, server, author, db } = await device()
    for (let i = 0; i < INITIAL_BATCH.count + 20; i++) await repos.visits.create(visitFields(), author)
    // Counts the outbox entries push reads (in sequence order, from a seq on).
    let read = 0
    const where = db.outbox.where.bind(db.outbox)
    vi.spyOn(db.outbox, 'where').mockImplementation(((index: string) => {
      const clause = where(index)
      const above = clause.above.bind(clause)
      clause.above = (key) => {
        const entries = above(key)
        const toArray = entries.toArray.bind(entries)
        entries.toArray = (async () => {
          const found = await toArray()
          read += found.length
          return found
        }) as never
        return entries
      }
      return clause
    }) as never)
    let readBeforeFirst: number | null = null
    const push = server.transport.push.bind(server.transport)
    vi.spyOn(server.transport, 'push').mockImplementation(async (batch, encoded) => {
      readBeforeFirst ??= read
      return push(batch, encoded)
    })

    expect(await engine.sync()).toMatchObject({ status: 'done', pushed: INITIAL_BATCH.count + 20 })
    expect(readBeforeFirst).toBe(INITIAL_BATCH.count)
    expect(read).toBe(INITIAL_BATCH.count + 20)
  })

  it('cuts a batch whose body on the wire is over the limit, and doubles the limit after each success', async () => {
    const { engine, repos, server, author } = await device()
    for (let i = 0; i < 200; i++) await repos.visits.create(visitFields(), author)
    // A kilobyte a mutation on the wire, as a batch of long notes is: the first batch carries 64 of them.
    const perMutation = 1024
    const built: number[] = []
    server.transport.encodePush = async (batch) => {
      built.push(batch.mutations.length)
      return { body: new Uint8Array(batch.mutations.length * perMutation), encoding: 'gzip' }
    }

    expect(await engine.sync()).toMatchObject({ status: 'done', pushed: 200 })
    const first = INITIAL_BATCH.wire / perMutation
    expect(pushSizes(server.calls)).toEqual([first, 2 * first, 200 - 3 * first])
    // Built whole, then again at the size that fits; the read ahead likewise at the doubled limit.
    expect(built).toEqual([200, first, 200 - first, 2 * first, 200 - 3 * first])
    expect(engine.batch.wire).toBe(INITIAL_BATCH.wire * 8)
  })

  it('halves the batch on 413, from what it sent, and sends everything exactly once', async () => {
    const { engine, repos, server, author, db } = await device()
    for (let i = 0; i < 60; i++) await repos.visits.create(visitFields(), author)
    server.limits.maxMutations = 20

    expect(await engine.sync()).toMatchObject({ status: 'done', pushed: 60 })

    const sizes = pushSizes(server.calls)
    expect(sizes.slice(0, 3)).toEqual([60, 30, 15])
    // Every request after a refused one is half its size; every accepted one fits the limit.
    for (let i = 1; i < sizes.length; i++) if (sizes[i - 1]! > 20) expect(sizes[i]).toBe(Math.floor(sizes[i - 1]! / 2))
    expect(server.records.size).toBe(60)
    expect(await db.outbox.count()).toBe(0)
  })

  it('halves the wire limit on 413 from the body it sent, not from the limit', async () => {
    const { engine, repos, server, author } = await device()
    for (let i = 0; i < 40; i++) await repos.visits.create(visitFields(), author)
    // A kilobyte a mutation on the wire: the 40 go in 40 KB, under the 64 KB limit, and are refused once.
    server.transport.encodePush = async (batch) => ({ body: new Uint8Array(batch.mutations.length * 1024), encoding: 'gzip' })
    server.fail('push', 'too_large', { times: 1 })

    expect(await engine.sync()).toMatchObject({ status: 'done', pushed: 40 })
    expect(pushSizes(server.calls)).toEqual([40, 20, 20])
    // 20 KB after the refusal, then doubled after each of the two successes (from the 64 KB limit: 128 KB).
    expect(engine.batch.wire).toBe(80 * 1024)
  })

  it('halves the batch after a timeout, keeps the outbox and resumes with the smaller batch', async () => {
    const { engine, repos, server, author, db } = await device()
    const count = INITIAL_BATCH.count * 2
    for (let i = 0; i < count; i++) await repos.visits.create(visitFields(), author)
    server.fail('push', 'timeout')

    expect(await engine.sync()).toMatchObject({ status: 'failed', error: { code: 'timeout' } })
    expect(await db.outbox.count()).toBe(count)
    expect(engine.batch).toEqual({ count: INITIAL_BATCH.count / 2, bytes: INITIAL_BATCH.bytes / 2, wire: INITIAL_BATCH.wire / 2 })

    await engine.sync()
    const half = INITIAL_BATCH.count / 2
    expect(pushSizes(server.calls)).toEqual([INITIAL_BATCH.count, half, INITIAL_BATCH.count, half])
  })

  it('drops the batch it read ahead when a request fails: the next run sends from the first unanswered change, each once', async () => {
    const { engine, repos, server, author, db } = await device()
    const count = INITIAL_BATCH.count + 80
    for (let i = 0; i < count; i++) await repos.visits.create(visitFields(), author)
    // The second request fails, after its batch was read while the first was out.
    const push = server.transport.push.bind(server.transport)
    vi.spyOn(server.transport, 'push').mockImplementationOnce(async (batch) => {
      const answer = await push(batch)
      server.fail('push', 'offline')
      return answer
    })

    expect(await engine.sync()).toMatchObject({ status: 'failed', error: { code: 'offline' } })
    expect(await db.outbox.count()).toBe(80)
    expect(await engine.sync()).toMatchObject({ status: 'done', pushed: 80 })

    const sent = server.calls.filter((c) => c.op === 'push').map((c) => c.mutations!.map((m) => (m as { deviceSeq: number }).deviceSeq))
    expect(sent.map((seqs) => seqs.length)).toEqual([INITIAL_BATCH.count, 80, 80])
    expect(sent[2]).toEqual(sent[1])
    expect(sent[1]![0]).toBe(sent[0]!.at(-1)! + 1)
    expect(server.records.size).toBe(count)
    expect(await db.outbox.count()).toBe(0)
  })

  it('settles a batch while the next is out; when that settling fails, both batches go again and each change applies once', async () => {
    const { engine, repos, server, author, db } = await device()
    const count = INITIAL_BATCH.count + 80
    const visits = []
    for (let i = 0; i < count; i++) visits.push(await repos.visits.create(visitFields(), author))
    vi.spyOn(console, 'error').mockImplementation(() => {})
    vi.spyOn(db.table('visits'), 'bulkPut').mockRejectedValueOnce(new Error('disk'))

    expect(await engine.sync()).toMatchObject({ status: 'failed', error: { code: 'unknown' } })
    expect(await db.outbox.count()).toBe(count)
    expect(await engine.sync()).toMatchObject({ status: 'done', pushed: count })

    expect(await db.outbox.count()).toBe(0)
    expect(server.records.size).toBe(count)
    const stored = await db.visits.bulkGet(visits.map((v) => v.id))
    expect(stored.map((v) => v?.rev)).toEqual(visits.map((v) => server.records.get(v.id)!.rev))
  })

  it('sends the next requests while a slow settling runs, and settles the answers that arrived meanwhile together', async () => {
    const { engine, repos, server, author, db } = await device()
    // Three batches: two whole ones and the last 300.
    const count = 2 * INITIAL_BATCH.count + 300
    for (let i = 0; i < count; i++) await repos.visits.create(visitFields(), author)
    let sentWhileHeld = 0
    const sizes = holdFirstSettling(db, () => (sentWhileHeld = pushesOf(server.calls)) === 3)

    expect(await engine.sync()).toMatchObject({ status: 'done', pushed: count })
    expect(sentWhileHeld).toBe(3)
    expect(sizes.slice(0, 2)).toEqual([INITIAL_BATCH.count, count - INITIAL_BATCH.count])
    expect(await db.outbox.count()).toBe(0)
  })

  it('lets at most SETTLE_LAG batches wait answered but unsettled', async () => {
    const { engine, repos, server, author, db } = await device()
    // About 12 KB a visit: batches of about 20, 40, then 80 visits, as the byte limit doubles.
    const long = '很长的记录'.repeat(400)
    const count = 320
    for (let i = 0; i < count; i++) await repos.visits.create(visitFields({ needs: long, outcome: long }), author)
    let fullAt: number | null = null
    let sentWhileHeld = 0
    holdFirstSettling(db, () => {
      sentWhileHeld = pushesOf(server.calls)
      if (sentWhileHeld >= SETTLE_LAG) fullAt ??= Date.now()
      // A while longer, for a request that should not leave.
      return fullAt !== null && Date.now() - fullAt > 200
    })

    expect(await engine.sync()).toMatchObject({ status: 'done', pushed: count })
    expect(pushesOf(server.calls)).toBeGreaterThan(SETTLE_LAG)
    expect(sentWhileHeld).toBe(SETTLE_LAG)
    expect(server.records.size).toBe(count)
  })

  it('ends the run when a settling fails, with the batches answered behind it still in the outbox: they go again, each applied once', async () => {
    const { engine, repos, server, author, db, queries } = await device()
    const count = 2 * INITIAL_BATCH.count + 300
    const visits = []
    for (let i = 0; i < count; i++) visits.push(await repos.visits.create(visitFields(), author))
    vi.spyOn(console, 'error').mockImplementation(() => {})
    // The first settling fails once all three batches are answered.
    let answers = 0
    const push = server.transport.push.bind(server.transport)
    vi.spyOn(server.transport, 'push').mockImplementation(async (batch) => {
      const answer = await push(batch)
      answers++
      return answer
    })
    holdFirstSettling(db, () => answers === 3, new Error('disk'))

    expect(await engine.sync()).toMatchObject({ status: 'failed', error: { code: 'unknown' } })
    expect(answers).toBe(3)
    expect(await db.outbox.count()).toBe(count)
    const revs = visits.map((v) => server.records.get(v.id)!.rev)

    expect(await engine.sync()).toMatchObject({ status: 'done', pushed: count })
    expect(await db.outbox.count()).toBe(0)
    expect(server.records.size).toBe(count)
    expect(visits.map((v) => server.records.get(v.id)!.rev)).toEqual(revs)
    const stored = await db.visits.bulkGet(visits.map((v) => v.id))
    expect(stored.map((v) => v?.rev)).toEqual(revs)
    // The duplicate answers carry the first answers' stamps: each record is the server's, as if answered once.
    expect([...(await queries.recordSyncStates(visits.map((v) => v.id))).values()].every((s) => s.state === 'sent')).toBe(true)
  })

  it('builds the next request while one is out, and sends it as built', async () => {
    const { engine, repos, server, author, db } = await device()
    const count = INITIAL_BATCH.count + 80
    for (let i = 0; i < count; i++) await repos.visits.create(visitFields(), author)
    const built: Array<{ body: string }> = []
    let secondBuilt = () => {}
    const whenSecondBuilt = new Promise<void>((resolve) => (secondBuilt = resolve))
    const measured: Array<{ json: unknown; mutations: unknown }> = []
    server.transport.encodePush = async (batch, json) => {
      // Each mutation's JSON as the engine made it to measure the batch: the body is built of it, not made again.
      measured.push({ json: json?.map((mutation) => JSON.parse(new TextDecoder().decode(mutation))), mutations: batch.mutations })
      built.push({ body: `${batch.mutations.length} mutations` })
      if (built.length === 2) secondBuilt()
      return built.at(-1)!
    }
    const push = server.transport.push.bind(server.transport)
    const sent: unknown[] = []
    let aheadOfAnswer = false
    vi.spyOn(server.transport, 'push').mockImplementation(async (batch, encoded) => {
      sent.push(encoded)
      // The first answer waits (a while at most) for the second request to be built.
      if (sent.length === 1) aheadOfAnswer = await Promise.race([whenSecondBuilt.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 1_000))])
      return push(batch)
    })

    expect(await engine.sync()).toMatchObject({ status: 'done', pushed: count })
    expect(aheadOfAnswer).toBe(true)
    expect(built.map((b) => b.body)).toEqual([`${INITIAL_BATCH.count} mutations`, '80 mutations'])
    // Each as protocol 3 sends it: a new visit's first put without the id it shares with the visit.
    expect(measured.map((m) => m.json)).toEqual(measured.map((m) => (m.mutations as Mutation[]).map(withoutImpliedId)))
    expect(measured.flatMap((m) => m.json as object[]).filter((mutation) => 'mutationId' in mutation)).toEqual([])
    expect(sent).toHaveLength(2)
    expect(sent[0]).toBe(built[0])
    expect(sent[1]).toBe(built[1])
    expect(await db.outbox.count()).toBe(0)
  })

  it('sends in the same run a change saved while its last batch was out', async () => {
    const { engine, repos, server, author, db } = await device()
    await repos.visits.create(visitFields(), author)
    const push = server.transport.push.bind(server.transport)
    vi.spyOn(server.transport, 'push').mockImplementationOnce(async (batch) => {
      const answer = await push(batch)
      await repos.visits.create(visitFields(), author)
      return answer
    })

    expect(await engine.sync()).toMatchObject({ status: 'done', pushed: 2 })
    expect(pushSizes(server.calls)).toEqual([1, 1])
    expect(await db.outbox.count()).toBe(0)
  })

  it('splits by bytes as well as by count', async () => {
    const { engine, repos, server, author } = await device()
    const long = '很长的记录'.repeat(380) // about 5.7 KB of UTF-8 per visit
    for (let i = 0; i < 120; i++) await repos.visits.create(visitFields({ needs: long }), author)
    await engine.sync()
    const [first] = pushSizes(server.calls)
    expect(first).toBeLessThan(120)
    const bytes = new TextEncoder().encode(JSON.stringify(server.calls[0]!.mutations)).length
    expect(bytes).toBeLessThanOrEqual(INITIAL_BATCH.bytes + 1024)
  })

  it('resumes after a dropped answer: the retried batch comes back duplicate and nothing is applied twice', async () => {
    const { engine, repos, server, author, db, queries } = await device()
    const visit = await repos.visits.create(visitFields(), author)
    const issue = await repos.issues.create(issueFields(), author)
    server.fail('push', 'timeout', { afterApply: true })

    expect(await engine.sync()).toMatchObject({ status: 'failed', error: { code: 'timeout' } })
    expect(await db.outbox.count()).toBe(2)
    const revs = [server.records.get(visit.id)!.rev, server.records.get(issue.id)!.rev]

    expect(await engine.sync()).toMatchObject({ status: 'done', pushed: 2 })
    expect(await db.outbox.count()).toBe(0)
    expect([server.records.get(visit.id)!.rev, server.records.get(issue.id)!.rev]).toEqual(revs)
    expect(server.records.size).toBe(2)
    expect([...(await queries.recordSyncStates([visit.id, issue.id])).values()].map((s) => s.state)).toEqual(['sent', 'sent'])
  })

  it('keeps going past a refused change, and keeps the refused record on the phone with the reason', async () => {
    const { engine, repos, server, author, db, queries } = await device()
    const first = await repos.visits.create(visitFields(), author)
    const refused = await repos.issues.create(issueFields({ location: '别人的楼' }), author)
    const last = await repos.visits.create(visitFields(), author)
    server.answer((m) => ('recordId' in m && m.recordId === refused.id ? { mutationId: m.mutationId, status: 'rejected', code: 'forbidden', message: 'not your building' } : undefined))

    expect(await engine.sync()).toMatchObject({ status: 'done', pushed: 3, rejected: 1 })
    expect(await db.outbox.count()).toBe(0)
    expect(server.records.has(first.id) && server.records.has(last.id)).toBe(true)
    expect(await db.issues.get(refused.id)).toEqual(refused)
    const states = await queries.recordSyncStates([first.id, refused.id, last.id])
    expect(states.get(refused.id)).toMatchObject({ state: 'rejected', code: 'forbidden', message: 'not your building' })
    expect(states.get(first.id)).toEqual({ state: 'sent' })
    expect((await db.rejections.toArray())[0]).toMatchObject({ recordId: refused.id, kind: 'put', record: refused })
    expect((await queries.syncStatus()).lastError).toMatchObject({ code: 'rejected' })
  })

  it('clears a refusal once a later save of the record goes through', async () => {
    const { engine, repos, server, author, queries } = await device()
    const issue = await repos.issues.create(issueFields(), author)
    server.answer((m) => ({ mutationId: m.mutationId, status: 'rejected', code: 'invalid', message: 'bad' }))
    await engine.sync()
    expect((await queries.recordSyncStates([issue.id])).get(issue.id)?.state).toBe('rejected')

    server.answer(() => undefined)
    await repos.issues.update(issue.id, { description: '改好了' })
    expect((await queries.recordSyncStates([issue.id])).get(issue.id)?.state).toBe('local')
    await engine.sync()
    expect((await queries.recordSyncStates([issue.id])).get(issue.id)).toEqual({ state: 'sent' })
    // The refused create never reached the server: the later put carried the whole record.
    expect(server.records.get(issue.id)?.record).toMatchObject({ description: '改好了', location: issue.location })
  })

  it('settles a batch in order: a refusal a later change of the same batch supersedes is gone, one after an accepted change stays', async () => {
    const { engine, repos, server, author, db, queries } = await device()
    const healed = await repos.issues.create(issueFields(), author)
    await repos.issues.update(healed.id, { description: '改好了' })
    const broken = await repos.issues.create(issueFields(), author)
    await repos.issues.update(broken.id, { description: '又改坏了' })
    // The first change of `healed` and the last of `broken` are refused; all four go in one batch.
    const refused = new Set([(await db.outbox.where('recordId').equals(healed.id).first())!.mutationId, (await db.outbox.where('recordId').equals(broken.id).last())!.mutationId])
    server.answer((m) => (refused.has(m.mutationId) ? { mutationId: m.mutationId, status: 'rejected', code: 'invalid', message: 'bad' } : undefined))

    expect(await engine.sync()).toMatchObject({ status: 'done', pushed: 4, rejected: 2 })
    expect(pushSizes(server.calls)).toEqual([4])
    expect((await db.rejections.toArray()).map((r) => r.recordId)).toEqual([broken.id])
    const states = await queries.recordSyncStates([healed.id, broken.id])
    expect(states.get(healed.id)).toEqual({ state: 'sent' })
    expect(states.get(broken.id)).toMatchObject({ state: 'rejected', code: 'invalid' })
  })

  it('refuses on the phone a single change larger than the server takes, and sends the rest', async () => {
    const { engine, repos, server, author, db, queries } = await device()
    const big = await repos.visits.create(visitFields({ needs: '长'.repeat(2000) }), author)
    const small = await repos.visits.create(visitFields(), author)
    server.limits.maxBytes = 1500

    expect(await engine.sync()).toMatchObject({ status: 'done', rejected: 1 })
    expect(await db.outbox.count()).toBe(0)
    expect(server.records.has(small.id)).toBe(true)
    expect((await queries.recordSyncStates([big.id])).get(big.id)).toMatchObject({ state: 'rejected', code: 'too_large' })
  })

  it('records a conflict answer on the record, to be settled', async () => {
    const { engine, repos, server, author, queries } = await device()
    const visit = await repos.visits.create(visitFields(), author)
    const conflict = { field: 'outcome', value: '我写的', mutationId: '0193f3a0-0000-7000-8000-000000000000', by: author.userId, at: '2026-11-20T03:00:00.000Z' }
    server.answer((m) => ({ mutationId: m.mutationId, status: 'conflict', rev: 7, conflicts: [conflict] }))
    await engine.sync()
    expect((await queries.recordSyncStates([visit.id])).get(visit.id)).toEqual({ state: 'conflict', conflicts: [conflict] })
  })
})

describe('a push’s own changes', () => {
  it('are not pulled back: with the answers’ stamps the phone holds each record as the server does, field for field', async () => {
    const { engine, repos, server, db, author } = await device({ pullLimit: 2 })
    await engine.sync()
    const visit = await repos.visits.create(visitFields(), author)
    const issue = await repos.issues.create(issueFields(), author)
    const other = await repos.visits.create(visitFields(), author)
    // A second change of one record in the same batch: the phone settles it from the last answer alone.
    await repos.visits.update(visit.id, { outcome: '下周再来' })
    const theirs = '0193f3a0-0000-7000-8000-00000000000b'
    server.on('pull', () => {
      server.on('pull', () => undefined)
      server.serverPut('visits', { ...server.records.get(other.id)!.record, id: theirs, createdBy: 'leader-2' })
    })
    server.calls.length = 0

    expect(await engine.sync()).toMatchObject({ status: 'done', pushed: 4, pulled: 1 })
    // One page: the three echoes were read past on the server, not sent.
    expect(server.calls.filter((c) => c.op === 'pull')).toHaveLength(1)
    expect(await db.visits.get(visit.id)).toEqual(server.records.get(visit.id)!.record)
    expect(await db.visits.get(other.id)).toEqual(server.records.get(other.id)!.record)
    expect(await db.issues.get(issue.id)).toEqual(server.records.get(issue.id)!.record)
    expect(await db.visits.get(theirs)).toBeDefined()
  })

  it('come back on every page of a first pull and of a reset, as the phone may have dropped them', async () => {
    const { engine, repos, server, db, author } = await device({ pullLimit: 2 })
    const visits = [await repos.visits.create(visitFields(), author), await repos.visits.create(visitFields(), author), await repos.visits.create(visitFields(), author)]
    expect(await engine.sync()).toMatchObject({ status: 'done', pushed: 3, pulled: 3 })
    server.resetNextPull()
    expect(await engine.sync()).toMatchObject({ status: 'done', pushed: 0, pulled: 3 })
    expect((await db.visits.bulkGet(visits.map((v) => v.id))).map((v) => v?.rev)).toEqual(visits.map((v) => server.records.get(v.id)!.rev))
  })
})

describe('a template version the office publishes', () => {
  const published = demoTemplates[0]!
  const next = { ...published, version: 2, title: '楼道消防（新版）', publishedAt: '2026-11-20T02:00:00.000Z' }

  it('goes as template.publish, and comes back with the pull as the server keeps it', async () => {
    const { engine, repos, server, db, queries } = await device()
    await repos.templates.publish(next)
    expect(await engine.sync()).toMatchObject({ status: 'done', pushed: 1, rejected: 0 })
    const [sent] = server.calls.filter((c) => c.op === 'push').flatMap((c) => c.mutations!)
    expect(sent).toEqual({ mutationId: expect.any(String), deviceSeq: expect.any(Number), kind: 'template.publish', template: next })
    expect(await db.templates.get([published.id, 2])).toEqual(next)
    expect((await queries.templates()).find((t) => t.id === published.id)?.version).toBe(2)
    expect(await db.rejections.count()).toBe(0)
  })

  it('is forgotten when refused, but another office’s version of that number, pulled meanwhile, stays', async () => {
    const { engine, repos, server, db } = await device()
    server.serverPut('templates', published)
    await engine.sync()
    // Another office's version 2 reaches the server; this phone publishes its own 2 while the pull that brings
    // the other one is on its way, and that pull writes over it.
    server.serverPut('templates', { ...next, title: '别人先发的', publishedAt: '2026-11-20T01:00:00.000Z' })
    server.on('pull', async () => void (await repos.templates.publish(next)))
    await engine.sync()
    server.on('pull', () => undefined)
    expect(await db.templates.get([published.id, 2])).toMatchObject({ title: '别人先发的' })

    expect(await engine.sync()).toMatchObject({ status: 'done', rejected: 1 })
    expect(await db.templates.get([published.id, 2])).toMatchObject({ title: '别人先发的' })
    expect(await db.rejections.toArray()).toMatchObject([{ table: 'templates', recordId: published.id, code: 'stale_template', record: next }])

    // Refused with nothing of that number on the server: the phone is back at the server's newest.
    await repos.templates.publish({ ...next, version: 3 })
    server.answer((m) => (m.kind === 'template.publish' ? { mutationId: m.mutationId, status: 'rejected', code: 'forbidden', message: 'office only' } : undefined))
    await engine.sync()
    expect(await db.templates.get([published.id, 3])).toBeUndefined()
    expect(await db.templates.get([published.id, 2])).toMatchObject({ title: '别人先发的' })
  })
})

describe('photos', () => {
  it('asks once which photos of a batch the server lacks, and uploads those before the mutation', async () => {
    const { engine, repos, server, author, db } = await device()
    const bytes = new Uint8Array([0xff, 0xd8, 0xff]).buffer
    for (const sha256 of [SHA_A, SHA_B]) {
      await db.attachments.put({ sha256, type: 'image/jpeg', bytes: 3, width: 1, height: 1, data: bytes, thumb: bytes, thumbType: 'image/jpeg', createdAt: '2026-11-20T00:00:00.000Z' })
    }
    server.attachments.add(SHA_B)
    const issue = await repos.issues.create(issueFields({ photos: [SHA_A, SHA_B] }), author)
    await engine.sync()

    expect(server.calls.map((c) => c.op).slice(0, 3)).toEqual(['missingAttachments', 'putAttachment', 'push'])
    expect(server.attachments.has(SHA_A)).toBe(true)

    // A later run asks again: a photo no record named for a day may have been swept from the server since,
    // and is sent again rather than named while missing.
    server.calls.length = 0
    server.attachments.delete(SHA_A)
    await repos.issues.update(issue.id, { description: '补充说明' })
    await engine.sync()
    // (No health report: the phone stands as it did after the first run.)
    expect(server.calls.map((c) => c.op)).toEqual(['missingAttachments', 'putAttachment', 'push', 'pull'])
    expect(server.attachments.has(SHA_A)).toBe(true)
  })

  it('stops the run when an upload fails on the way, and sends no mutation naming the photo', async () => {
    const { engine, repos, server, author, db } = await device()
    const bytes = new Uint8Array([1]).buffer
    await db.attachments.put({ sha256: SHA_A, type: 'image/jpeg', bytes: 1, width: 1, height: 1, data: bytes, thumb: bytes, thumbType: 'image/jpeg', createdAt: '2026-11-20T00:00:00.000Z' })
    await repos.visits.create(visitFields({ photos: [SHA_A] }), author)
    server.fail('putAttachment', 'offline')
    expect(await engine.sync()).toMatchObject({ status: 'failed', error: { code: 'offline' } })
    expect(server.calls.some((c) => c.op === 'push')).toBe(false)
    expect(await db.outbox.count()).toBe(1)
  })

  it('does not hold the records back for a photo the server refuses', async () => {
    const { engine, repos, server, author, db } = await device()
    const bytes = new Uint8Array([1]).buffer
    await db.attachments.put({ sha256: SHA_A, type: 'image/jpeg', bytes: 1, width: 1, height: 1, data: bytes, thumb: bytes, thumbType: 'image/jpeg', createdAt: '2026-11-20T00:00:00.000Z' })
    const visit = await repos.visits.create(visitFields({ photos: [SHA_A] }), author)
    server.fail('putAttachment', 'refused')
    expect(await engine.sync()).toMatchObject({ status: 'done', pushed: 1 })
    expect(server.records.has(visit.id)).toBe(true)
  })
})

describe('backoff', () => {
  it('waits exponentially longer after each failed run, with jitter, and not at all after a success', async () => {
    const { engine, repos, server, author, clock } = await device({ random: () => 0.5 })
    await repos.visits.create(visitFields(), author)
    server.fail('push', 'offline', { times: 3 })
    const waits: number[] = []
    for (let i = 0; i < 3; i++) {
      const outcome = await engine.sync()
      expect(outcome).toMatchObject({ status: 'failed', error: { code: 'offline' } })
      waits.push(engine.nextRetryAt! - clock.now)
    }
    // Equal jitter: half the exponential delay, plus random() of the other half.
    expect(waits).toEqual([0.75, 1.5, 3].map((f) => f * BACKOFF.baseMs))
    expect(await engine.sync()).toMatchObject({ status: 'done' })
    expect(engine.nextRetryAt).toBeNull()
  })

  it('starts over from the shortest wait after a run that got something through before failing', async () => {
    const { engine, repos, server, author, clock } = await device({ random: () => 0.5 })
    server.fail('pull', 'timeout', { times: 3 })
    const waits: number[] = []
    for (let i = 0; i < 3; i++) {
      // Each run pushes a new visit, then loses its pull: the queue drains, so the wait must not grow.
      await repos.visits.create(visitFields(), author)
      expect(await engine.sync()).toMatchObject({ status: 'failed', error: { code: 'timeout' } })
      waits.push(engine.nextRetryAt! - clock.now)
    }
    expect(waits).toEqual([0.75, 0.75, 0.75].map((f) => f * BACKOFF.baseMs))
    expect(server.records.size).toBe(3)
  })

  it('never waits longer than the cap, nor less than the server asks when it throttles', async () => {
    const { engine, server } = await device({ random: () => 0.999 })
    server.fail('pull', 'server', { times: 20 })
    for (let i = 0; i < 20; i++) await engine.sync()
    expect(engine.nextRetryAt! - Date.parse('2026-11-20T03:00:00Z')).toBeLessThanOrEqual(BACKOFF.maxMs)
    expect(engine.nextRetryAt! - Date.parse('2026-11-20T03:00:00Z')).toBeGreaterThan(BACKOFF.maxMs * 0.99)
  })
})

describe('the token', () => {
  it('on 401, keeps the outbox, forgets the token and stops until the next sign-in', async () => {
    const { engine, repos, server, author, db, queries } = await device()
    await repos.visits.create(visitFields(), author)
    server.fail('push', 'unauthorized')

    expect(await engine.sync()).toMatchObject({ status: 'failed', error: { code: 'unauthorized' }, nextRetryAt: null })
    expect(await db.outbox.count()).toBe(1)
    const status = await queries.syncStatus()
    expect(status).toMatchObject({ hasToken: false, user: { id: 'leader-1' }, lastError: { code: 'unauthorized' } })
    expect(await engine.sync()).toEqual({ status: 'signed_out' })
    // Local work goes on without a token.
    await repos.visits.create(visitFields(), author)
    expect(await db.outbox.count()).toBe(2)
  })
})

describe('a device the office revoked', () => {
  /** How many rows the phone holds outside meta: none once it has emptied itself. */
  const rowsLeft = async (db: DoorstepDatabase) => (await Promise.all(db.tables.filter((t) => t.name !== 'meta').map((t) => t.count()))).reduce((a, b) => a + b)

  it('wiped: empties itself at its next contact, unsent changes too, and sends nothing more', async () => {
    const { engine, repos, server, author, db, queries } = await device()
    await repos.visits.create(visitFields(), author)
    await db.attachments.put({ sha256: SHA_A, type: 'image/jpeg', bytes: 4, width: 1, height: 1, data: new ArrayBuffer(4), thumb: new ArrayBuffer(2), thumbType: 'image/jpeg', createdAt: '2026-11-20T02:00:00Z' })
    await repos.issues.create(issueFields({ photos: [SHA_A] }), author)
    server.revoke('wipe')

    expect(await engine.sync()).toEqual({ status: 'failed', error: { code: 'ended_by_office', message: 'device_wiped', at: expect.any(String) }, nextRetryAt: null })
    expect(await rowsLeft(db)).toBe(0)
    expect(server.records.size).toBe(0)
    expect(server.attachments.size).toBe(0)
    expect(await queries.syncStatus()).toMatchObject({ hasToken: false, user: null, lastError: { code: 'ended_by_office' } })
    // The first request was refused, and none followed it: no push, no health report.
    expect(server.calls.map((c) => c.op)).toEqual(['missingAttachments'])
    expect(await engine.sync()).toEqual({ status: 'signed_out' })
  })

  it('signed out: pushes what it holds, photos first, then empties itself', async () => {
    const { engine, repos, server, author, db, queries } = await device()
    await db.attachments.put({ sha256: SHA_A, type: 'image/jpeg', bytes: 4, width: 1, height: 1, data: new ArrayBuffer(4), thumb: new ArrayBuffer(2), thumbType: 'image/jpeg', createdAt: '2026-11-20T02:00:00Z' })
    const visit = await repos.visits.create(visitFields(), author)
    const issue = await repos.issues.create(issueFields({ photos: [SHA_A] }), author)
    server.revoke('sign_out')

    expect(await engine.sync()).toMatchObject({ status: 'failed', error: { code: 'ended_by_office', message: 'device_signed_out' }, nextRetryAt: null })
    expect([...server.records.keys()].sort()).toEqual([visit.id, issue.id].sort())
    expect(server.attachments.has(SHA_A)).toBe(true)
    expect(await rowsLeft(db)).toBe(0)
    expect(await queries.syncStatus()).toMatchObject({ hasToken: false, user: null, lastError: { code: 'ended_by_office' } })
    expect((await db.meta.get('serverUrl'))?.value).toBe('http://server.test')
  })

  it('signed out: a change saved during the run is pushed by the next run before the phone empties itself', async () => {
    const { engine, repos, server, author, db } = await device()
    await repos.visits.create(visitFields(), author)
    server.revoke('sign_out')
    let late: string | undefined
    server.on('pull', async () => {
      late ??= (await repos.visits.create(visitFields({ needs: '刚保存的走访' }), author)).id
    })

    expect(await engine.sync()).toMatchObject({ status: 'failed', error: { code: 'unauthorized' }, nextRetryAt: expect.any(Number) })
    expect(await db.visits.get(late!)).toMatchObject({ needs: '刚保存的走访' })
    expect(await db.outbox.count()).toBe(1)

    expect(await engine.sync()).toMatchObject({ status: 'failed', error: { code: 'ended_by_office' } })
    expect(server.records.has(late!)).toBe(true)
    expect(await rowsLeft(db)).toBe(0)
  })

  it('keeps a session signed in again in another tab while the run was out', async () => {
    const { engine, repos, server, author, db } = await device()
    await repos.visits.create(visitFields(), author)
    server.revoke('wipe')
    server.on('push', async () => {
      await db.meta.put({ key: 'token', value: 'token-of-a-new-sign-in' })
    })
    expect(await engine.sync()).toMatchObject({ status: 'failed', error: { code: 'unauthorized' } })
    expect((await db.meta.get('token'))?.value).toBe('token-of-a-new-sign-in')
    expect(await db.outbox.count()).toBe(1)
  })
})

describe('pull', () => {
  it('replaces the demo reference data with the server’s on the first pull, and never seeds it again', async () => {
    const { engine, server, db } = await device()
    expect(await db.buildings.count()).toBe(demoBuildings.length)
    server.serverPut('buildings', { id: 'b-server', gridId: 'g-1', communityId: 'c-1', address: '服务器路1号', name: '', floors: 6 })

    expect(await engine.sync()).toMatchObject({ status: 'done', pulled: 1 })
    expect((await db.buildings.toArray()).map((b) => b.id)).toEqual(['b-server'])
    expect(await db.households.count()).toBe(0)
  })

  it('writes pages until the server has no more, each with its cursor', async () => {
    const { engine, server, db, repos, author } = await device({ pullLimit: 3 })
    const mine = await repos.visits.create(visitFields(), author)
    await engine.sync()
    for (let i = 0; i < 7; i++) server.serverPut('grids', { id: `g-${i}`, communityId: 'c-1', name: `网格${i}` })
    server.calls.length = 0
    expect(await engine.sync()).toMatchObject({ status: 'done', pulled: 7 })
    expect(server.calls.filter((c) => c.op === 'pull')).toHaveLength(3)
    expect(await db.grids.count()).toBe(7)
    expect((await db.meta.get('cursor'))?.value).toBe(String(server.records.get('g-6')!.rev))
    expect(await db.visits.get(mine.id)).toBeDefined()
  })

  it('writes the pages that arrived while an earlier one was written in one transaction, with the last one’s cursor', async () => {
    const { engine, server, db } = await device({ pullLimit: 3 })
    await engine.sync()
    for (let i = 0; i < 12; i++) server.serverPut('grids', { id: `g-${i}`, communityId: 'c-1', name: `网格${i}` })
    server.calls.length = 0
    const put = vi.spyOn(db.meta, 'put')
    expect(await engine.sync()).toMatchObject({ status: 'done', pulled: 12 })
    const cursors = put.mock.calls.flatMap(([entry]) => (entry.key === 'cursor' ? [entry.value] : []))
    put.mockRestore()
    expect(server.calls.filter((c) => c.op === 'pull')).toHaveLength(4)
    expect(await db.grids.count()).toBe(12)
    // Fewer cursor writes than pages: each transaction wrote several pages, and one cursor.
    expect(cursors.length).toBeLessThan(4)
    expect(cursors.at(-1)).toBe(String(server.records.get('g-11')!.rev))
  })

  it('keeps the pages that arrived before a failed request, and the next run goes on after them; the syncing mark goes', async () => {
    const { engine, server, db } = await device({ pullLimit: 3 })
    await engine.sync()
    for (let i = 0; i < 9; i++) server.serverPut('grids', { id: `g-${i}`, communityId: 'c-1', name: `网格${i}` })
    let pulls = 0
    server.on('pull', () => {
      if (++pulls === 3) throw new TransportError('offline', 'the network went')
    })
    expect(await engine.sync()).toMatchObject({ status: 'failed', error: { code: 'offline' } })
    expect((await db.grids.toArray()).map((g) => g.id).sort()).toEqual(['g-0', 'g-1', 'g-2', 'g-3', 'g-4', 'g-5'])
    expect((await db.meta.get('cursor'))?.value).toBe(String(server.records.get('g-5')!.rev))
    // The mark that holds live summaries during a pull goes with the run that set it.
    expect(await db.meta.get('syncing')).toBeUndefined()
    server.calls.length = 0
    expect(await engine.sync()).toMatchObject({ status: 'done', pulled: 3 })
    expect(await db.grids.count()).toBe(9)
  })

  it('never puts back an older version than the one the phone holds, whichever of a page’s records it is', async () => {
    const { engine, server, db, repos, author } = await device()
    const ids: string[] = []
    for (let i = 0; i < 3; i++) ids.push((await repos.visits.create(visitFields({ outcome: `第${i}次` }), author)).id)
    await engine.sync()
    // The phone holds a newer version of the middle one than the server is about to send.
    await db.visits.update(ids[1]!, { rev: 1000, outcome: '更新的' })
    for (const id of ids) server.serverPut('visits', { ...server.records.get(id)!.record, id, outcome: '服务器的' })
    await engine.sync()
    expect((await db.visits.bulkGet(ids)).map((v) => v?.outcome)).toEqual(['服务器的', '更新的', '服务器的'])
  })

  it('writes a page and its cursor together: when the cursor cannot be written, neither is the page', async () => {
    const { engine, server, db } = await device()
    await engine.sync()
    const before = (await db.meta.get('cursor'))?.value
    server.serverPut('grids', { id: 'g-ok', communityId: 'c-1', name: '网格' })
    const spy = vi.spyOn(db.meta, 'put').mockRejectedValueOnce(new Error('disk error'))
    expect(await engine.sync()).toMatchObject({ status: 'failed', error: { code: 'unknown' } })
    expect((await db.meta.get('cursor'))?.value).toBe(before)
    expect(await db.grids.get('g-ok')).toBeUndefined()
    spy.mockRestore()
    expect(await engine.sync()).toMatchObject({ status: 'done', pulled: 1 })
    expect(await db.grids.get('g-ok')).toBeDefined()
  })

  it('keeps a record’s local changes on top of a newer server version until the server has answered them', async () => {
    const { engine, server, db, repos, author } = await device()
    const issue = await repos.issues.create(issueFields(), author)
    await engine.sync()
    // The office accepts the report on the server…
    const report = server.records.get(issue.id)!.record
    server.serverPut('issues', { ...report, id: issue.id, status: 'accepted' })
    // …while the leader edits it on the phone, just as the pull runs.
    server.on('pull', async () => {
      server.on('pull', () => undefined)
      await repos.issues.update(issue.id, { description: '又漏水了' })
    })
    await engine.sync()
    const local = await db.issues.get(issue.id)
    expect(local).toMatchObject({ description: '又漏水了', status: 'submitted' })
    expect(await db.held.get(issue.id)).toMatchObject({ record: { status: 'accepted' } })

    // The next run sends the edit; the server's answer is newer than the held version, and pull brings the merge.
    await engine.sync()
    expect(await db.issues.get(issue.id)).toMatchObject({ description: '又漏水了', status: 'accepted' })
    expect(await db.held.count()).toBe(0)
  })

  it('gives a refused change’s record the server version it held back', async () => {
    const { engine, server, db, repos, author, queries } = await device()
    const issue = await repos.issues.create(issueFields(), author)
    await engine.sync()
    server.serverPut('issues', { ...server.records.get(issue.id)!.record, id: issue.id, status: 'accepted' })
    server.on('pull', async () => {
      server.on('pull', () => undefined)
      await repos.issues.update(issue.id, { description: '改了' })
    })
    await engine.sync()
    server.answer((m) => ({ mutationId: m.mutationId, status: 'rejected', code: 'forbidden', message: 'no' }))
    await engine.sync()
    expect(await db.issues.get(issue.id)).toMatchObject({ status: 'accepted', description: issue.description })
    expect((await db.rejections.toArray())[0]?.record).toMatchObject({ description: '改了' })
    expect((await queries.recordSyncStates([issue.id])).get(issue.id)).toMatchObject({ state: 'rejected', code: 'forbidden' })
  })

  it('on reset, drops what was pulled before — never records with changes waiting or never acknowledged — and starts over', async () => {
    const { engine, server, db, repos, author } = await device()
    const sent = await repos.visits.create(visitFields(), author)
    await engine.sync()
    const theirs = '0193f3a0-0000-7000-8000-00000000000a'
    server.serverPut('visits', { ...(await db.visits.get(sent.id))!, id: theirs, createdBy: 'leader-2' })
    server.serverPut('buildings', { id: 'b-old', gridId: 'g-1', communityId: 'c-1', address: '旧楼', name: '', floors: 6 })
    await engine.sync()
    expect(await db.visits.count()).toBe(2)

    // A building is taken away: the server no longer sends the other leader's visit nor the old building,
    // and answers the next pull from the beginning with `reset`…
    server.records.delete(theirs)
    server.records.delete('b-old')
    server.serverPut('buildings', { id: 'b-new', gridId: 'g-1', communityId: 'c-1', address: '新楼', name: '', floors: 6 })
    server.resetNextPull()
    // …while the leader saves a new visit and edits the sent one, just as that pull runs.
    let waiting = ''
    server.on('pull', async () => {
      server.on('pull', () => undefined)
      waiting = (await repos.visits.create(visitFields(), author)).id
      await repos.visits.update(sent.id, { outcome: '还没发出去' })
    })
    await engine.sync()

    expect((await db.buildings.toArray()).map((b) => b.id)).toEqual(['b-new'])
    expect((await db.visits.toArray()).map((v) => v.id).sort()).toEqual([sent.id, waiting].sort())
    expect((await db.visits.get(sent.id))?.outcome).toBe('还没发出去')
    expect(await db.outbox.count()).toBe(2)
    expect((await db.meta.get('cursor'))?.value).toBe(String(server.records.get('b-new')!.rev))
  })

  it('skips and counts a pulled record that fails its schema, and goes on', async () => {
    const { engine, server, db } = await device()
    server.serverPut('grids', { id: 'g-bad', communityId: 'c-1' })
    server.serverPut('grids', { id: 'g-good', communityId: 'c-1', name: '好网格' })
    expect(await engine.sync()).toMatchObject({ status: 'done', pulled: 2, skipped: 1 })
    expect((await db.grids.toArray()).map((g) => g.id)).toEqual(['g-good'])
  })

  it('deletes reference rows the server deleted, and keeps record tombstones', async () => {
    const { engine, server, db, repos, author } = await device()
    const visit = await repos.visits.create(visitFields(), author)
    server.serverPut('grids', { id: 'g-1', communityId: 'c-1', name: '网格' })
    await engine.sync()
    server.serverPut('grids', { id: 'g-1', deletedAt: '2026-11-20T04:00:00.000Z' })
    await repos.visits.remove(visit.id)
    await engine.sync()
    expect(await db.grids.get('g-1')).toBeUndefined()
    expect((await db.visits.get(visit.id))?.deletedAt).not.toBeNull()
    expect(server.records.get(visit.id)?.record.deletedAt).not.toBeNull()
  })
})

describe('the first pages of a new session, fetched before its first run (a new phone’s PIN offer)', () => {
  const pullsOf = (calls: Array<{ op: string }>) => calls.filter((c) => c.op === 'pull').length

  /** A device signed in on a new phone (no cursor), the server holding `count` grids. */
  async function newPhone(count: number) {
    const phone = await device({ pullLimit: 3 })
    for (let i = 0; i < count; i++) phone.server.serverPut('grids', { id: `g-${i}`, communityId: 'c-1', name: `网格${i}` })
    return phone
  }

  it('are fetched into memory only, at most as many as a run fetches ahead, and written by the run without asking again', async () => {
    const { engine, server, db } = await newPhone(20)
    const demoGrids = await db.grids.toArray()
    await engine.fetchFirstPages()
    await vi.waitFor(() => expect(pullsOf(server.calls)).toBe(4))
    // Nothing of them touches IndexedDB before the run: it writes sealed once the PIN is chosen.
    expect(await db.grids.toArray()).toEqual(demoGrids)
    expect(await db.meta.get('cursor')).toBeUndefined()

    expect(await engine.sync()).toMatchObject({ status: 'done', pulled: 20 })
    expect(await db.grids.count()).toBe(20)
    // 20 grids in pages of 3: seven pages, the four fetched before the run among them.
    expect(pullsOf(server.calls)).toBe(7)
    expect(await db.buildings.count()).toBe(0)
  })

  it('come to the run checked against their schemas; no page is checked in the transaction that writes it', async () => {
    const { engine } = await newPhone(20)
    // Whether each check of a grid ran inside an IndexedDB transaction: one that holds the writes behind it.
    const inTransaction: boolean[] = []
    const schema = PULL_SCHEMAS.grids
    const check = schema.safeParse
    const spy = vi.spyOn(schema, 'safeParse').mockImplementation((...args) => (inTransaction.push(Dexie.currentTransaction !== null), check(...args)))
    try {
      await engine.fetchFirstPages()
      // The four pages of three fetched while the PIN offer shows are checked then, not once it is declined.
      await vi.waitFor(() => expect(inTransaction).toHaveLength(12))
      expect(await engine.sync()).toMatchObject({ status: 'done', pulled: 20 })
      expect(inTransaction).toEqual(Array(20).fill(false))
    } finally {
      spy.mockRestore()
    }
  })

  it('each ask for the next page before the page before is checked: a request waits for a cursor, not for records', async () => {
    const { engine, server } = await newPhone(9)
    const order: string[] = []
    server.on('pull', () => void order.push('asked'))
    const schema = PULL_SCHEMAS.grids
    const check = schema.safeParse
    const spy = vi.spyOn(schema, 'safeParse').mockImplementation((...args) => (order.push('checked'), check(...args)))
    try {
      expect(await engine.sync()).toMatchObject({ status: 'done', pulled: 9 })
      // Three pages of three: the first check of the first and of the second page comes after the request for the page after it.
      const nth = (what: string, n: number) => order.findIndex((seen, i) => seen === what && order.slice(0, i + 1).filter((s) => s === what).length === n)
      expect(nth('asked', 2)).toBeLessThan(nth('checked', 1))
      expect(nth('asked', 3)).toBeLessThan(nth('checked', 4))
    } finally {
      spy.mockRestore()
    }
  })

  it('that arrived together are written with one read of the outbox, a record in two of them as the later one has it', async () => {
    const { engine, server, db } = await newPhone(0)
    const visits = Array.from({ length: 7 }, (_, i) => ({ ...visitFields({ needs: `第${i}次` }), id: uuidv7(), createdAt: '2026-11-19T09:00:00.000Z', updatedAt: '2026-11-19T09:00:00.000Z', createdBy: 'leader-2', deviceId: 'device-2', rev: null, deletedAt: null, conflicts: [] }))
    for (const visit of visits) server.serverPut('visits', visit)
    // Changed on the server once the first page has gone: the third page brings it again.
    let pulls = 0
    server.on('pull', () => void (++pulls === 2 && server.serverPut('visits', { ...visits[0]!, needs: '改过' })))
    await engine.fetchFirstPages()
    await vi.waitFor(() => expect(pullsOf(server.calls)).toBe(3))
    const where = vi.spyOn(db.outbox, 'where')
    expect(await engine.sync()).toMatchObject({ status: 'done', pulled: 8 })
    // Each page's reads waited behind the puts of the page before: three pages, one transaction, one read.
    expect(where.mock.calls.filter(([index]) => (index as unknown) === 'recordId')).toHaveLength(1)
    expect(await db.visits.count()).toBe(7)
    expect((await db.visits.get(visits[0]!.id))?.needs).toBe('改过')
  })

  it('that arrived together leave a reference row deleted when a later one of them brings its deletion', async () => {
    const { engine, server, db } = await newPhone(7)
    // Deleted on the server once the first page has gone: the last page brings the deletion.
    let pulls = 0
    server.on('pull', () => void (++pulls === 2 && server.serverPut('grids', { id: 'g-0', deletedAt: '2026-11-20T04:00:00.000Z' })))
    await engine.fetchFirstPages()
    await vi.waitFor(() => expect(pullsOf(server.calls)).toBe(3))
    expect(await engine.sync()).toMatchObject({ status: 'done', pulled: 8 })
    expect(await db.grids.get('g-0')).toBeUndefined()
    expect(await db.grids.count()).toBe(6)
  })

  it('that arrived together, one of them a reset, lose what came before the reset and keep what came with it and after', async () => {
    const { engine, server, db } = await newPhone(7)
    // The leader's scope changes once the first page has gone: g-0 leaves it, and the server starts again.
    let pulls = 0
    server.on('pull', () => {
      if (++pulls !== 2) return
      server.records.delete('g-0')
      server.resetNextPull()
    })
    await engine.fetchFirstPages()
    await vi.waitFor(() => expect(pullsOf(server.calls)).toBe(3))
    expect(await engine.sync()).toMatchObject({ status: 'done', pulled: 9 })
    expect((await db.grids.toArray()).map((g) => g.id).sort()).toEqual(['g-1', 'g-2', 'g-3', 'g-4', 'g-5', 'g-6'])
  })

  it('are dropped when another session is stored by the run: its pull starts again with its own transport', async () => {
    const { db, server, clock } = await newPhone(5)
    const tokens: string[] = []
    const engine = createSyncEngine({ db, transport: (session) => (tokens.push(session.token), server.transport), now: () => clock.now, random: () => 0.5, pullLimit: 3 })
    await engine.fetchFirstPages()
    await vi.waitFor(() => expect(pullsOf(server.calls)).toBe(2))
    // Another sign-in (another tab, another account) lands before the PIN is chosen.
    await db.meta.put({ key: 'token', value: 'token-2' })
    server.calls.length = 0
    expect(await engine.sync()).toMatchObject({ status: 'done', pulled: 5 })
    expect(tokens).toEqual(['token-double', 'token-2'])
    expect(pullsOf(server.calls)).toBe(2)
  })

  it('are dropped by a sign-out: the run pulls afresh', async () => {
    const { engine, server } = await newPhone(5)
    await engine.fetchFirstPages()
    await vi.waitFor(() => expect(pullsOf(server.calls)).toBe(2))
    engine.dropFirstPages()
    server.calls.length = 0
    expect(await engine.sync()).toMatchObject({ status: 'done', pulled: 5 })
    expect(pullsOf(server.calls)).toBe(2)
  })

  it('are not written after a push that sent anything: the pull asks again, after the push', async () => {
    const { engine, server, db, repos, author } = await newPhone(5)
    await repos.visits.create(visitFields(), author)
    await engine.fetchFirstPages()
    await vi.waitFor(() => expect(pullsOf(server.calls)).toBe(2))
    server.calls.length = 0
    // The grids, and the visit pushed (a first pull brings a push's own changes back: see above).
    expect(await engine.sync()).toMatchObject({ status: 'done', pushed: 1, pulled: 6 })
    const ops = server.calls.map((c) => c.op).filter((op) => op === 'push' || op === 'pull')
    expect(ops).toEqual(['push', 'pull', 'pull'])
    expect(await db.grids.count()).toBe(5)
  })

  it('are not written after a run that ended elsewhere meanwhile (another tab, the worker): it may have pushed', async () => {
    const { engine, server, db } = await newPhone(5)
    await engine.fetchFirstPages()
    await vi.waitFor(() => expect(pullsOf(server.calls)).toBe(2))
    // That run pushed this phone's change and failed before its pull stored a cursor: the pages fetched before
    // its push would bring back the record as it was.
    await db.meta.put({ key: 'lastError', value: JSON.stringify({ code: 'offline', message: 'gone', at: '2026-12-07T08:00:00.000Z' }) })
    server.calls.length = 0
    expect(await engine.sync()).toMatchObject({ status: 'done', pulled: 5 })
    expect(pullsOf(server.calls)).toBe(2)
  })

  it('are not fetched when a cursor is stored (not a first pull), nor written over one stored meanwhile', async () => {
    const { engine, server, db } = await newPhone(5)
    await db.meta.put({ key: 'cursor', value: '0' })
    await engine.fetchFirstPages()
    expect(pullsOf(server.calls)).toBe(0)
    await db.meta.delete('cursor')
    await engine.fetchFirstPages()
    await vi.waitFor(() => expect(pullsOf(server.calls)).toBe(2))
    // The service worker's run pulled meanwhile: its cursor is where this run goes on from.
    await db.meta.put({ key: 'cursor', value: String(server.records.get('g-2')!.rev) })
    server.calls.length = 0
    expect(await engine.sync()).toMatchObject({ status: 'done', pulled: 2 })
    expect((await db.grids.toArray()).map((g) => g.id).filter((id) => /^g-\d$/.test(id))).toEqual(['g-3', 'g-4'])
  })

  it('failed (the network away while the PIN offer showed): the run writes those that came, and asks again from there', async () => {
    const { engine, server, db } = await newPhone(9)
    let pulls = 0
    server.on('pull', () => {
      if (++pulls === 2) throw new TransportError('offline', 'the network went')
    })
    await engine.fetchFirstPages()
    await vi.waitFor(() => expect(pulls).toBe(2))
    expect(await engine.sync()).toMatchObject({ status: 'done', pulled: 9 })
    expect(await db.grids.count()).toBe(9)
    // The first page fetched before the run, then the failed one, then pages 2 to 3 asked again by the run.
    expect(pulls).toBe(4)
  })
})

describe('one run at a time', () => {
  it('folds calls made during a run into that run and one more after it', async () => {
    const { engine, repos, server, author } = await device()
    await repos.visits.create(visitFields(), author)
    const [a, b, c] = await Promise.all([engine.sync(), engine.sync(), engine.sync()])
    expect(a).toBe(b)
    expect(b).toBe(c)
    // The second run's health is the first's: it is not reported again (see health.test.ts); nor does a phone
    // with no mentee ask for one again so soon (mentees.test.ts).
    expect(server.calls.map((call) => call.op)).toEqual(['push', 'pull', 'mentees', 'reportHealth', 'pull'])
  })
})

describe('the session', () => {
  it('is read once per run: a sign-in landing mid-run takes effect at the next run, with fresh batch sizes', async () => {
    const { db, server, clock, repos, author } = await device()
    const sessions: StoredSession[] = []
    const engine = createSyncEngine({
      db,
      transport: (session) => (sessions.push(session), server.transport),
      now: () => clock.now,
      random: () => 0.5,
    })
    await repos.visits.create(visitFields(), author)
    await engine.sync()
    const grownOnce = { ...engine.batch }
    await repos.visits.create(visitFields(), author)
    // Another tab signs in again while this run pushes: the run goes on as the session it started with.
    server.on('push', async () => void (await db.meta.bulkPut([{ key: 'token', value: 'token-2' }, { key: 'syncDeviceId', value: 'device-2' }])))
    expect(await engine.sync()).toMatchObject({ status: 'done', pushed: 1 })
    // Grown after each of the two runs' pushes (count and bytes up to the server's limits).
    expect(engine.batch).toMatchObject({ count: PUSH_MAX_MUTATIONS, wire: INITIAL_BATCH.wire * 4 })

    server.on('push', () => undefined)
    await repos.visits.create(visitFields(), author)
    expect(await engine.sync()).toMatchObject({ status: 'done', pushed: 1 })

    expect(sessions.map((s) => `${s.token} ${s.deviceId}`)).toEqual(['token-double device-double', 'token-double device-double', 'token-2 device-2'])
    // The new session's first push started from the initial batch again, and doubled after it.
    expect(engine.batch).toEqual(grownOnce)
    expect(grownOnce).toMatchObject({ count: PUSH_MAX_MUTATIONS, wire: INITIAL_BATCH.wire * 2 })
  })

  it('gone, leaves the run signed out without asking for a transport', async () => {
    const { db, server } = await device()
    await db.meta.delete('token')
    const transport = vi.fn(() => server.transport)
    expect(await createSyncEngine({ db, transport }).sync()).toEqual({ status: 'signed_out' })
    expect(transport).not.toHaveBeenCalled()
  })

  it('clears a syncing mark left by a run that died, even when it then has nothing to do', async () => {
    const { db, server } = await device()
    // A tab closed mid-run: its mark would hold the live summaries for good.
    await db.meta.put({ key: 'syncing', value: '2026-11-20T03:00:00.000Z' })
    await db.meta.delete('token')
    expect(await createSyncEngine({ db, transport: () => server.transport }).sync()).toEqual({ status: 'signed_out' })
    expect(await db.meta.get('syncing')).toBeUndefined()
  })
})
