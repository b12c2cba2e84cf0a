import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DoorstepDatabase } from '@/app/db/database'
import { createRepositories, StorageFullError, ValidationError } from '@/app/db'
import { createQueries } from '@/app/db/queries'
import { seedDemoIfEmpty } from '@/app/db/seed'
import { readWorklist } from '@/app/db/worklist'
import { isUuidv7, type Visit } from '@/domain'
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

describe('saving a record', () => {
  it('writes the record and one outbox entry carrying the same record', async () => {
    const visit = await repos.visits.create(visitFields(), author, new Date('2026-11-20T02:31:00Z'))
    expect(isUuidv7(visit.id)).toBe(true)
    expect(visit).toMatchObject({ createdBy: 'leader-1', deviceId: 'device-1', rev: null, deletedAt: null, createdAt: '2026-11-20T02:31:00.000Z' })
    expect(await db.visits.get(visit.id)).toEqual(visit)
    const outbox = await db.outbox.toArray()
    expect(outbox).toHaveLength(1)
    expect(outbox[0]).toMatchObject({ table: 'visits', recordId: visit.id, baseRev: null, change: { kind: 'put' }, record: visit })
  })

  it('writes neither the record nor the outbox entry when the transaction fails', async () => {
    // The outbox refuses the write (a duplicate primary key): the record put in the same transaction rolls back.
    vi.spyOn(db.outbox, 'add').mockRejectedValueOnce(new Error('disk error'))
    await expect(repos.visits.create(visitFields(), author)).rejects.toThrow('disk error')
    expect(await db.visits.count()).toBe(0)
    expect(await db.outbox.count()).toBe(0)
  })

  it('never writes a record that fails its schema', async () => {
    await expect(repos.issues.create(issueFields({ description: '' }), author)).rejects.toBeInstanceOf(ValidationError)
    expect(await db.issues.count()).toBe(0)
    expect(await db.outbox.count()).toBe(0)
  })

  it('never writes an inspection the server would refuse: an answer off its template version, or one past the size cap', async () => {
    const answer = { result: 'pass' as const, note: '', photos: [] }
    await expect(repos.inspections.create(inspectionFields({ answers: { 'not-an-item': answer } }), author)).rejects.toBeInstanceOf(ValidationError)
    await expect(repos.inspections.create(inspectionFields({ templateVersion: 99 }), author)).rejects.toBeInstanceOf(ValidationError)
    const stuffed = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`item-${i}`, { ...answer, note: '楼'.repeat(500) }]))
    await expect(repos.inspections.create(inspectionFields({ answers: stuffed }), author)).rejects.toBeInstanceOf(ValidationError)
    const saved = await repos.inspections.create(inspectionFields(), author)
    await expect(repos.inspections.update(saved.id, { answers: { 'not-an-item': answer } })).rejects.toBeInstanceOf(ValidationError)
    expect(await db.outbox.count()).toBe(1)
  })

  it('turns a full disk into a StorageFullError and writes nothing', async () => {
    vi.spyOn(db.outbox, 'add').mockRejectedValueOnce(Object.assign(new Error('quota'), { name: 'QuotaExceededError' }))
    await expect(repos.visits.create(visitFields(), author)).rejects.toBeInstanceOf(StorageFullError)
    expect(await db.visits.count()).toBe(0)
  })

  it('starts a new issue report as submitted with no events', async () => {
    const report = await repos.issues.create(issueFields(), author)
    expect(report.status).toBe('submitted')
    expect(report.events).toEqual([])
  })

  it('keeps every change as its own mutation, in order, each with the record as it was then', async () => {
    const visit = await repos.visits.create(visitFields(), author, new Date('2026-11-20T02:31:00Z'))
    await repos.visits.update(visit.id, { outcome: '下周再来' }, new Date('2026-11-20T02:40:00Z'))
    await repos.visits.remove(visit.id, new Date('2026-11-20T02:50:00Z'))
    const outbox = await db.outbox.orderBy('seq').toArray()
    expect(outbox.map((e) => e.change.kind)).toEqual(['put', 'put', 'delete'])
    expect(outbox.map((e) => (e.record as Visit).updatedAt)).toEqual(['2026-11-20T02:31:00.000Z', '2026-11-20T02:40:00.000Z', '2026-11-20T02:50:00.000Z'])
    expect(new Set(outbox.map((e) => e.mutationId)).size).toBe(3)
    // The record's first mutation shares its id, which protocol 3 leaves out on the wire; the others have their own.
    expect(outbox.map((e) => e.mutationId === visit.id)).toEqual([true, false, false])
    expect((outbox[1]!.record as { outcome: string }).outcome).toBe('下周再来')
    const changed = (i: number) => {
      const change = outbox[i]!.change
      return change.kind === 'put' ? change.changed.sort() : change.kind
    }
    expect(changed(0)).toEqual(expect.arrayContaining(['id', 'householdId', 'outcome', 'createdAt']))
    expect(changed(1)).toEqual(['outcome', 'updatedAt'])
    expect(changed(2)).toBe('delete')
    expect(await queries.pendingRecordCount()).toBe(1)
  })

  it('stores and sends nothing for a save that changes nothing but its time', async () => {
    // The server would answer such a change with the revision the phone has, and never send its own copy
    // back: the phone would keep an updatedAt the server never had (found by tests/integration/sync-model).
    const visit = await repos.visits.create(visitFields(), author, new Date('2026-11-20T02:31:00Z'))
    const issue = await repos.issues.create(issueFields(), author, new Date('2026-11-20T02:31:00Z'))
    expect(await repos.visits.update(visit.id, { outcome: visit.outcome }, new Date('2026-11-20T02:40:00Z'))).toEqual(visit)
    expect(await repos.issues.assign(issue.id, null, author, new Date('2026-11-20T02:40:00Z'))).toEqual(issue)
    expect(await db.visits.get(visit.id)).toEqual(visit)
    expect(await db.issues.get(issue.id)).toEqual(issue)
    expect(await db.outbox.count()).toBe(2)
  })

  it('keeps a deleted record as a tombstone that lists no longer show', async () => {
    const visit = await repos.visits.create(visitFields(), author)
    await repos.visits.remove(visit.id)
    expect((await db.visits.get(visit.id))?.deletedAt).not.toBeNull()
    expect(await queries.visits()).toEqual([])
    await expect(repos.visits.update(visit.id, { outcome: 'x' })).rejects.toThrow('not found')
  })

  it('never lets an update change who made the record or when', async () => {
    const issue = await repos.issues.create(issueFields(), author, new Date('2026-11-20T02:00:00Z'))
    const updated = await repos.issues.update(issue.id, (r) => ({ ...r, createdAt: '2000-01-01T00:00:00.000Z', location: '天台' }))
    expect(updated.createdAt).toBe(issue.createdAt)
    expect(updated.location).toBe('天台')
  })

  it('appends a comment as an event', async () => {
    const issue = await repos.issues.create(issueFields(), author)
    const commented = await repos.issues.comment(issue.id, '住户说晚上才在家', author)
    expect(commented.events).toMatchObject([{ type: 'comment', text: '住户说晚上才在家', by: 'leader-1' }])
  })
})

describe('lists', () => {
  it('show visits newest first, filtered by household', async () => {
    const households = await queries.households('b-nanmen-115-2')
    const [a, b] = households
    await repos.visits.create(visitFields({ householdId: a!.id, visitedAt: '2026-11-01T01:00:00.000Z' }), author)
    await repos.visits.create(visitFields({ householdId: b!.id, visitedAt: '2026-11-03T01:00:00.000Z' }), author)
    await repos.visits.create(visitFields({ householdId: a!.id, visitedAt: '2026-11-05T01:00:00.000Z' }), author)
    expect((await queries.visits()).map((v) => v.visitedAt.slice(0, 10))).toEqual(['2026-11-05', '2026-11-03', '2026-11-01'])
    expect((await queries.visits({ householdId: a!.id })).map((v) => v.visitedAt.slice(0, 10))).toEqual(['2026-11-05', '2026-11-01'])
    expect(await queries.visits({ buildingId: 'b-qiaohu-32' })).toEqual([])
  })

  it('put follow-ups on the worklist until a later visit to the household takes care of them', async () => {
    const households = await queries.households('b-nanmen-117')
    const first = await repos.visits.create(
      visitFields({ householdId: households[0]!.id, buildingId: 'b-nanmen-117', visitedAt: '2026-11-01T01:00:00.000Z', followUpOn: '2026-11-10' }),
      author,
    )
    await repos.visits.create(
      visitFields({ householdId: households[1]!.id, buildingId: 'b-nanmen-117', visitedAt: '2026-11-02T01:00:00.000Z', followUpOn: '2026-11-30' }),
      author,
    )
    const due = async () => (await readWorklist(db, '2026-11-27')).followUps.map((row) => row.visit.id)
    // The second one is due in 3 days: on the list, after the overdue one.
    expect(await due()).toEqual([first.id, expect.any(String)])
    await repos.visits.create(visitFields({ householdId: households[0]!.id, buildingId: 'b-nanmen-117', visitedAt: '2026-11-12T01:00:00.000Z' }), author)
    expect(await due()).toHaveLength(1)
    expect(await due()).not.toContain(first.id)
  })

  it('offer the newest version of each template, while an inspection keeps the version it followed', async () => {
    const [first] = await queries.templates()
    await db.templates.put({ ...first!, version: 2, title: first!.title + '（新版）' })
    const newest = await queries.templates()
    expect(newest.find((t) => t.id === first!.id)?.version).toBe(2)
    const inspection = await repos.inspections.create(inspectionFields({ templateId: first!.id, templateVersion: 1 }), author)
    expect((await queries.template(inspection.templateId, inspection.templateVersion))?.title).toBe(first!.title)
  })
})

describe('demo data', () => {
  it('fills an empty device once, and never again', async () => {
    expect(await db.buildings.count()).toBe(4)
    expect(await db.templates.count()).toBe(3)
    await db.buildings.clear()
    expect(await seedDemoIfEmpty(db)).toBe(false)
    expect(await db.buildings.count()).toBe(0)
  })
})

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
