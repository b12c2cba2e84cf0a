import { describe, expect, it, vi } from 'vitest'
import { DoorstepDatabase } from '@/app/db/database'
import { createQueries } from '@/app/db/queries'

// A list's sync states are read for its rows (src/app/ui/useSyncStates.ts), first while it has none yet, beside
// the read of its first page (the visits list from a cold start, docs/where-the-time-goes.md).
describe('the sync states of no records', () => {
  it('are answered without a transaction', async () => {
    // Dexie takes the database's `transaction` when it opens: watched from before.
    const transactions = vi.spyOn(IDBDatabase.prototype, 'transaction')
    const db = new DoorstepDatabase(`sync-states-${crypto.randomUUID()}`)
    await db.open()
    transactions.mockClear()
    expect(await createQueries(db).recordSyncStates([])).toEqual(new Map())
    expect(transactions).not.toHaveBeenCalled()
    expect(await createQueries(db).recordSyncStates(['v1'])).toEqual(new Map([['v1', { state: 'local' }]]))
    expect(transactions).toHaveBeenCalled()
    transactions.mockRestore()
    db.close()
  })
})
