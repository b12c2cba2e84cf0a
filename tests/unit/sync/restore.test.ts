import { describe, expect, it } from 'vitest'
import type { RecordOutboxEntry, SyncedRecord } from '@/app/db/database'
import { toMutation, type QueuedEntry } from '@/app/sync/mutations'
import { replayAfterRestore } from '@/app/sync/restore'
import { visitFields } from '../../fixtures'
import { device } from './harness'

describe('after the server was restored from a backup (replayAfterRestore)', () => {
  it('queues the leader’s acknowledged records as whole replays ahead of the outbox, whose puts become replays too, and forgets the old revisions', async () => {
    const { db, engine, repos, author } = await device()
    const fields = visitFields({ residentIds: [] })
    const [kept, edited, deleted] = [await repos.visits.create(fields, author), await repos.visits.create(fields, author), await repos.visits.create(fields, author)]
    expect(await engine.sync()).toMatchObject({ status: 'done', pushed: 3 })
    await repos.visits.remove(deleted.id)
    expect(await engine.sync()).toMatchObject({ status: 'done', pushed: 1 })
    await repos.visits.update(edited.id, { outcome: '还要再来' })
    const fresh = await repos.visits.create(fields, author)
    // Someone else's record (pulled), and one of the leader's the server refused (kept with its refusal, never acknowledged).
    const theirs = { ...(await db.visits.get(kept.id))!, id: 'v-theirs', createdBy: 'u-someone-else', rev: 40 }
    const refused = { ...(await db.visits.get(kept.id))!, id: 'v-refused', rev: null }
    await db.visits.bulkPut([theirs, refused])
    await db.meta.bulkPut([{ key: 'epoch', value: 'old' }])
    const waiting = await db.outbox.toArray()

    expect(await replayAfterRestore(db, '2026-11-21T00:00:00.000Z')).toBe(3)

    const outbox = (await db.outbox.toArray()) as Array<QueuedEntry & RecordOutboxEntry>
    const replays = outbox.slice(0, 3)
    expect(replays.map((e) => [e.recordId, e.change.kind]).sort()).toEqual([[deleted.id, 'delete'], [edited.id, 'put'], [kept.id, 'put']].sort())
    const requeued = outbox.slice(3)
    expect(requeued.map((e) => [e.recordId, e.change.kind]), 'the waiting changes, after the replays, in their order').toEqual(waiting.map((e) => [e.recordId, e.change.kind]))
    // Under new ids: the restored server may have lost the answers kept under the old ones, which others may know
    // (a record's first change has the record's own id).
    expect(requeued.filter((e) => waiting.some((w) => w.mutationId === e.mutationId))).toEqual([])
    expect(waiting.some((w) => w.mutationId === w.recordId)).toBe(true)
    for (const entry of outbox) {
      expect(entry).toMatchObject({ baseRev: null, replay: true })
      expect(toMutation(entry)).toMatchObject({ replay: true, baseRev: null })
    }
    const put = toMutation(replays.find((e) => e.recordId === kept.id)!)
    expect(put.kind === 'put' && put.fields, 'a whole record, with its time').toMatchObject({ ...fields, createdAt: kept.createdAt })

    const revs = Object.fromEntries((await db.visits.toArray()).map((v: SyncedRecord) => [v.id, v.rev]))
    expect(revs).toMatchObject({ [kept.id]: 0, [edited.id]: 0, [deleted.id]: 0, 'v-theirs': 0, 'v-refused': null, [fresh.id]: null })
    expect(await db.meta.bulkGet(['cursor', 'epoch'])).toEqual([undefined, undefined])
  })
})
