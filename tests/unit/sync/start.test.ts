import { afterEach, describe, expect, it, vi } from 'vitest'
import { db } from '@/app/db/database'
import { createRepositories } from '@/app/db'
import { watchOutbox } from '@/app/sync/start'
import { author, visitFields } from '../../fixtures'

/* What tells the triggers that a change was saved (src/app/sync/start.ts), while a push empties the outbox. */

afterEach(async () => {
  vi.restoreAllMocks()
  await Promise.all(db.tables.map((t) => t.clear()))
})

/** How many times the outbox's last key is looked up (a cursor from its end). */
function countLastKeyReads(): { readonly count: number } {
  const counted = { count: 0 }
  const tally = (store: IDBObjectStore, direction?: IDBCursorDirection) => {
    if (store.name === 'outbox' && direction === 'prev') counted.count++
  }
  const { openCursor, openKeyCursor } = IDBObjectStore.prototype
  vi.spyOn(IDBObjectStore.prototype, 'openCursor').mockImplementation(function (this: IDBObjectStore, query, direction) {
    tally(this, direction)
    return openCursor.call(this, query, direction)
  })
  vi.spyOn(IDBObjectStore.prototype, 'openKeyCursor').mockImplementation(function (this: IDBObjectStore, query, direction) {
    tally(this, direction)
    return openKeyCursor.call(this, query, direction)
  })
  return counted
}

describe('the outbox watch', () => {
  it('calls back for a new save, and reads nothing again for the batches a push settles before the last', async () => {
    const repos = createRepositories(db)
    for (let i = 0; i < 10; i++) await repos.visits.create(visitFields(), author)
    const reads = countLastKeyReads()
    const saved = vi.fn()
    const stop = watchOutbox(saved)
    await vi.waitFor(() => expect(reads.count).toBe(1))
    // As the engine settles five batches of two: each a ranged delete from the front.
    const seqs = await db.outbox.orderBy('seq').primaryKeys()
    for (let i = 0; i < seqs.length; i += 2) await db.outbox.where('seq').between(seqs[i]!, seqs[i + 1]!, true, true).delete()
    await repos.visits.create(visitFields(), author)
    await vi.waitFor(() => expect(saved).toHaveBeenCalledTimes(1))
    // The first answer; again after the first batch (the first read watched the whole outbox) and after the last
    // (it holds the last key seen: Dexie watches a range with its bounds); the save's. None for the three between.
    expect(reads.count).toBe(4)
    stop()
  })
})
