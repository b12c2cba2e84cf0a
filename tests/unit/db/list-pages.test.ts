import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createRepositories } from '@/app/db'
import { DoorstepDatabase } from '@/app/db/database'
import { createQueries } from '@/app/db/queries'
import { author, visitFields } from '../../fixtures'

/* A list's page, newest first without the deleted (src/app/db/queries.ts, `newestPage`): its records, and its requests. */

let db: DoorstepDatabase
let repos: ReturnType<typeof createRepositories>

beforeEach(() => {
  db = new DoorstepDatabase(`list-pages-${crypto.randomUUID()}`)
  db.sealing.plain()
  repos = createRepositories(db)
})
afterEach(() => {
  vi.restoreAllMocks()
  return db.delete()
})

/** Visits a day apart, the last newest, in the household `h1` or `h2` by turns; answers their ids, newest first. */
async function visitsOnDays(days: number): Promise<string[]> {
  const ids: string[] = []
  for (let day = 1; day <= days; day++) {
    const visitedAt = `2026-11-${String(day).padStart(2, '0')}T04:00:00.000Z`
    const visit = await repos.visits.create(visitFields({ buildingId: 'b1', householdId: day % 2 ? 'h1' : 'h2', visitedAt }), author)
    ids.unshift(visit.id)
  }
  return ids
}

describe('the first page of a list', () => {
  it('is one request when none of its records is deleted: no cursor walked record after record', async () => {
    const newest = await visitsOnDays(6)
    const cursors = vi.spyOn(IDBIndex.prototype, 'openCursor')
    const queries = createQueries(db)
    expect((await queries.visits({}, 4)).map((v) => v.id)).toEqual(newest.slice(0, 4))
    expect((await queries.visits({ householdId: 'h2' }, 2)).map((v) => v.id)).toEqual([newest[0], newest[2]])
    expect(cursors).not.toHaveBeenCalled()
  })

  it('leaves the deleted out and is still full, whether they are among the page or past it', async () => {
    const newest = await visitsOnDays(6)
    await repos.visits.remove(newest[1]!)
    await repos.visits.remove(newest[5]!)
    const queries = createQueries(db)
    expect((await queries.visits({}, 4)).map((v) => v.id)).toEqual([newest[0], newest[2], newest[3], newest[4]])
    expect((await queries.visits({}, 10)).map((v) => v.id)).toEqual([newest[0], newest[2], newest[3], newest[4]])
    expect((await queries.visits({ householdId: 'h1' }, 2)).map((v) => v.id)).toEqual([newest[3]])
    expect((await queries.visits({ householdId: 'h2' }, 2)).map((v) => v.id)).toEqual([newest[0], newest[2]])
  })
})
