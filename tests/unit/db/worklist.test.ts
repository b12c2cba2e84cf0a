import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createRepositories } from '@/app/db'
import { DoorstepDatabase } from '@/app/db/database'
import { seedDemoIfEmpty } from '@/app/db/seed'
import { readWorklist } from '@/app/db/worklist'
import { DEFAULT_POINT_RULES, type Community } from '@/domain'
import { demoHouseholds } from '@/domain/demo'
import { author, visitFields } from '../../fixtures'

/* The worklist over a phone's IndexedDB: which community's settings apply, and how many requests it costs. */

let db: DoorstepDatabase
let repos: ReturnType<typeof createRepositories>

beforeEach(async () => {
  db = new DoorstepDatabase(`test-${crypto.randomUUID()}`)
  repos = createRepositories(db)
  await seedDemoIfEmpty(db)
})
afterEach(() => {
  vi.restoreAllMocks()
  return db.delete()
})

const TODAY = '2026-12-07'
const household = demoHouseholds[0]!
const visitedTenDaysAgo = () => repos.visits.create(visitFields({ buildingId: household.buildingId, householdId: household.id, visitedAt: '2026-11-27T04:00:00.000Z' }), author)
const dueIds = async () => (await readWorklist(db, TODAY)).dueHouseholds.map((row) => row.household.id)

describe('the worklist on a phone', () => {
  it('takes the interval from the community of each household’s building', async () => {
    await visitedTenDaysAgo()
    expect(await dueIds()).not.toContain(household.id)
    await db.communities.update('c-nanmen', { settings: { visitIntervalDays: 10, careIntervalDays: {}, silentDeviceDays: 3, retentionMonths: 12, appLock: 'required', points: DEFAULT_POINT_RULES } })
    expect(await dueIds()).toContain(household.id)
  })

  it('takes the default intervals for a community pulled before it had settings, or one not on the phone', async () => {
    await visitedTenDaysAgo()
    // As an earlier server sent it: no settings at all.
    await db.communities.put({ id: 'c-nanmen', name: '南门社区' } as Community)
    const list = await readWorklist(db, TODAY)
    expect(list.dueHouseholds.map((row) => row.household.id)).not.toContain(household.id)
    expect(list.dueHouseholds.find((row) => row.careTags.includes('elderly_alone'))?.interval).toBe(7)
    await db.communities.clear()
    expect(await dueIds()).not.toContain(household.id)
    expect((await readWorklist(db, TODAY)).dueHouseholds.length).toBe(demoHouseholds.length - 1)
  })

  it('reads each table once in bulk, never one request per household or visit', async () => {
    for (const h of demoHouseholds.slice(0, 10)) {
      await repos.visits.create(visitFields({ buildingId: h.buildingId, householdId: h.id, visitedAt: '2026-11-01T04:00:00.000Z', followUpOn: '2026-12-01' }), author)
    }
    const getAll = vi.spyOn(IDBObjectStore.prototype, 'getAll')
    const get = vi.spyOn(IDBObjectStore.prototype, 'get')
    const cursors = [vi.spyOn(IDBObjectStore.prototype, 'openCursor'), vi.spyOn(IDBIndex.prototype, 'openCursor'), vi.spyOn(IDBIndex.prototype, 'getAll'), vi.spyOn(IDBIndex.prototype, 'count')]

    const list = await readWorklist(db, TODAY)

    expect(list.followUps).toHaveLength(10)
    expect(getAll.mock.calls.length).toBeGreaterThan(0)
    expect(getAll.mock.calls.length).toBeLessThanOrEqual(5)
    expect(get).not.toHaveBeenCalled()
    for (const spy of cursors) expect(spy).not.toHaveBeenCalled()
  })
})
