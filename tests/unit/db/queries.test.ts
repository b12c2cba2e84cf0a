import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DoorstepDatabase } from '@/app/db/database'
import { createRepositories } from '@/app/db'
import { createQueries } from '@/app/db/queries'
import { seedDemoIfEmpty } from '@/app/db/seed'
import { demoHouseholds } from '@/domain/demo'
import { author, inspectionFields, issueFields, visitFields } from '../../fixtures'

let db: DoorstepDatabase
let repos: ReturnType<typeof createRepositories>
let queries: ReturnType<typeof createQueries>

beforeEach(async () => {
  db = new DoorstepDatabase(`test-${crypto.randomUUID()}`)
  repos = createRepositories(db)
  queries = createQueries(db)
  await seedDemoIfEmpty(db)
})
afterEach(() => db.delete())

describe('the counts the lists show', () => {
  it('count what the list shows: deleted records not, and within a building or household only theirs', async () => {
    const [a, b] = demoHouseholds.filter((h, i, all) => all.findIndex((o) => o.buildingId === h.buildingId) === i)
    const inA = await Promise.all([1, 2, 3].map(() => repos.visits.create(visitFields({ buildingId: a!.buildingId, householdId: a!.id }), author)))
    await Promise.all([1, 2].map(() => repos.visits.create(visitFields({ buildingId: b!.buildingId, householdId: b!.id }), author)))
    await repos.visits.remove(inA[0]!.id)

    expect(await queries.visitCount()).toBe(4)
    expect(await queries.visitCount({ buildingId: a!.buildingId })).toBe(2)
    expect(await queries.visitCount({ householdId: a!.id })).toBe(2)
    expect(await queries.visitCount({ buildingId: b!.buildingId })).toBe(2)
    for (const filter of [{}, { buildingId: a!.buildingId }, { householdId: b!.id }]) {
      expect(await queries.visitCount(filter)).toBe((await queries.visits(filter)).length)
    }
  })

  it('count reports by building and status, and inspections by building, without the deleted ones', async () => {
    const [a, b] = demoHouseholds.filter((h, i, all) => all.findIndex((o) => o.buildingId === h.buildingId) === i)
    const issues = await Promise.all([a, a, b].map((h) => repos.issues.create(issueFields({ buildingId: h!.buildingId, householdId: null }), author)))
    await repos.issues.remove(issues[1]!.id)
    const inspections = await Promise.all([a, b, b].map((h) => repos.inspections.create(inspectionFields({ buildingId: h!.buildingId }), author)))
    await repos.inspections.remove(inspections[2]!.id)

    expect(await queries.issueCount()).toBe(2)
    expect(await queries.issueCount({ buildingId: a!.buildingId })).toBe(1)
    expect(await queries.issueCount({ status: 'submitted' })).toBe(2)
    expect(await queries.issueCount({ buildingId: b!.buildingId, status: 'accepted' })).toBe(0)
    expect(await queries.inspectionCount()).toBe(2)
    expect(await queries.inspectionCount({ buildingId: b!.buildingId })).toBe(1)
  })
})
