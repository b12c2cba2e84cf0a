import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DoorstepDatabase } from '@/app/db/database'
import { seedDemoIfEmpty } from '@/app/db/seed'
import { demoHouseholds } from '@/domain/demo'

let db: DoorstepDatabase
beforeEach(() => {
  db = new DoorstepDatabase(`seed-${crypto.randomUUID()}`)
})
afterEach(() => db.delete())

/** The modes of the transactions `run` opens through Dexie's `transaction()` (a lone read opens its own, not through it). */
async function transactionModes(run: () => Promise<unknown>): Promise<string[]> {
  const opened = vi.spyOn(db, 'transaction')
  try {
    await run()
    return opened.mock.calls.map(([mode]) => String(mode))
  } finally {
    opened.mockRestore()
  }
}

describe('the demo community', () => {
  it('goes into an empty phone once', async () => {
    expect(await seedDemoIfEmpty(db)).toBe(true)
    expect(await db.households.count()).toBe(demoHouseholds.length)
    expect(await seedDemoIfEmpty(db)).toBe(false)
  })

  // Each start asks while the first screen reads: a readwrite transaction over buildings and households would
  // hold the screen's reads of them behind it.
  it('is looked for on a seeded phone without a readwrite transaction', async () => {
    await seedDemoIfEmpty(db)
    const modes = await transactionModes(() => seedDemoIfEmpty(db))
    expect(modes).not.toContain('rw')
  })
})
