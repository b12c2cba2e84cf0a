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
  it('calls back for a save made while a push settles, and reads nothing again for the batches between', async () => {
    const repos = createRepositories(db)
    for (let i = 0; i < 10; i++) await repos.visits.create(visitFields(), author)
    const reads = countLastKeyReads()
    const saved = vi.fn()
    const stop = watchOutbox(saved)
    await vi.waitFor(() => expect(reads.count).toBe(1))
    // As the engine settles five batches of two: each a ranged delete from the front.
    const seqs = await db.outbox.orderBy('seq').primaryKeys()
    const settled = async (i: number) => {
      await db.outbox.where('seq').between(seqs[i]!, seqs[i + 1]!, true, true).delete()
      // Time for a re-run the settling would cause.
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    await settled(0)
    await settled(2)
    // A leader's save between two settlings is seen at once.
    await repos.visits.create(visitFields(), author)
    await vi.waitFor(() => expect(saved).toHaveBeenCalledTimes(1))
    const afterSave = reads.count
    // The batches after the save: the watch holds the save's key and looks only past it.
    await settled(4)
    await settled(6)
    expect(reads.count).toBe(afterSave)
    await settled(8)
    await repos.visits.create(visitFields(), author)
    await vi.waitFor(() => expect(saved).toHaveBeenCalledTimes(2))
    stop()
  })
})
