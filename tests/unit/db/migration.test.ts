import { Dexie } from 'dexie'
import { afterEach, describe, expect, it } from 'vitest'
import { DoorstepDatabase } from '@/app/db/database'
import { createRepositories } from '@/app/db'
import type { Visit } from '@/domain'
import { issueFields, visitFields, author } from '../../fixtures'

let name: string
afterEach(() => Dexie.delete(name))

/**
 * Every schema the app has released, as each version declared it: the app declares only those with an upgrade
 * function (src/app/db/database.ts), and a phone may still hold a database of any of them.
 */
const RELEASED: Record<string, string>[] = [
  {
    meta: 'key',
    communities: 'id',
    grids: 'id, communityId',
    buildings: 'id, gridId, communityId',
    households: 'id, buildingId',
    residents: 'id, householdId',
    templates: '[id+version], id',
    visits: 'id, visitedAt, followUpOn, [buildingId+visitedAt], [householdId+visitedAt]',
    issues: 'id, createdAt, status, [buildingId+createdAt]',
    inspections: 'id, startedAt, [buildingId+startedAt]',
    attachments: 'sha256',
    outbox: '++seq, recordId',
    drafts: 'key, updatedAt',
  },
  { rejections: 'mutationId, recordId', held: 'recordId' },
  {
    visits: 'id, visitedAt, followUpOn, [buildingId+visitedAt], [householdId+visitedAt], deletedAt',
    issues: 'id, createdAt, status, [buildingId+createdAt], deletedAt',
    inspections: 'id, startedAt, [buildingId+startedAt], deletedAt',
  },
  { users: 'id' },
  { photoCache: '[sha256+size], [usedAt+bytes]' },
  {},
  { campaigns: 'id', inspections: 'id, startedAt, [buildingId+startedAt], deletedAt, [campaignId+buildingId]' },
  { canvasses: 'id, buildingId, deletedAt', canvassAnswers: 'id, [canvassId+householdId], deletedAt' },
  { pointAdjustments: 'id' },
  { mediations: 'id, buildingId, deletedAt' },
  { mentorNotes: 'id, buildingId, [subject.kind+subject.id], deletedAt', menteeViews: 'mentorship.id' },
  { visits: 'id, visitedAt, [buildingId+visitedAt], [householdId+visitedAt], deletedAt' },
]

/** The app as it was released at `version`: a Dexie declaring versions 1 to `version`, without upgrade functions. */
function releasedAt(dbName: string, version: number): Dexie {
  const old = new Dexie(dbName)
  RELEASED.slice(0, version).forEach((stores, i) => old.version(i + 1).stores(stores))
  return old
}

/** The object stores and indexes IndexedDB holds, and its version: what two databases must agree on. */
async function installedSchema(database: Dexie) {
  await database.open()
  const idb = database.backendDB()
  const names = [...idb.objectStoreNames].sort()
  const tx = idb.transaction(names)
  const stores = names.map((storeName) => {
    const store = tx.objectStore(storeName)
    const indexes = [...store.indexNames].sort().map((i) => {
      const index = store.index(i)
      return [i, index.keyPath, index.unique, index.multiEntry]
    })
    return [storeName, store.keyPath, store.autoIncrement, indexes]
  })
  return { version: idb.version, stores }
}

/** Writes rows as version 1 of the app did (`op` + `changed`), through a database that knows only version 1. */
async function versionOneOutbox(rows: (repos: ReturnType<typeof createRepositories>) => Promise<void>) {
  // Make real records and entries with today's code, then rewrite the entries into the version 1 shape.
  const today = new DoorstepDatabase(`${name}-source`)
  await rows(createRepositories(today))
  const entries = await today.outbox.orderBy('seq').toArray()
  const records = { visits: await today.visits.toArray(), issues: await today.issues.toArray() }
  await today.delete()

  const old = releasedAt(name, 1)
  await old.open()
  await old.table('visits').bulkPut(records.visits)
  await old.table('issues').bulkPut(records.issues)
  for (const { seq: _seq, change, baseRev: _base, ...rest } of entries) {
    const v1 = change.kind === 'put' ? { op: 'put', changed: change.changed } : change.kind === 'delete' ? { op: 'delete', changed: ['deletedAt', 'updatedAt'] } : { op: 'put', changed: ['events', 'updatedAt'] }
    await old.table('outbox').add({ ...rest, ...v1 })
  }
  old.close()
}

describe('the version 2 upgrade', () => {
  it('rewrites every version 1 outbox entry as its wire mutation, in the same order', async () => {
    name = `upgrade-${crypto.randomUUID()}`
    let ids: { visit: string; issue: string } = { visit: '', issue: '' }
    await versionOneOutbox(async (repos) => {
      const visit = await repos.visits.create(visitFields(), author)
      const issue = await repos.issues.create(issueFields(), author)
      await repos.visits.update(visit.id, { outcome: '改了' })
      await repos.issues.comment(issue.id, '住户说晚上在家', author)
      await repos.visits.remove(visit.id)
      ids = { visit: visit.id, issue: issue.id }
    })

    const db = new DoorstepDatabase(name)
    const outbox = await db.outbox.orderBy('seq').toArray()
    expect(outbox.map((e) => [e.recordId, e.change.kind])).toEqual([
      [ids.visit, 'put'],
      [ids.issue, 'put'],
      [ids.visit, 'put'],
      [ids.issue, 'issue.comment'],
      [ids.visit, 'delete'],
    ])
    const comment = outbox[3]!
    const lastEvent = (comment.record as { events: Array<{ id: string }> }).events.at(-1)!
    expect(comment.change).toEqual({ kind: 'issue.comment', eventId: lastEvent.id, text: '住户说晚上在家' })
    const edit = outbox[2]!.change
    expect(edit.kind === 'put' && edit.changed.sort()).toEqual(['outcome', 'updatedAt'])
    expect(outbox.every((e) => e.baseRev === null && !('op' in e) && !('changed' in e))).toBe(true)
    expect(await db.visits.count()).toBe(1)
    expect(await db.rejections.count()).toBe(0)
    db.close()
  })
})

describe('upgrades on a phone with the app lock', () => {
  it('run while the app is still locked (they come when the database opens, before the PIN)', async () => {
    name = `upgrade-${crypto.randomUUID()}`
    await versionOneOutbox(async (repos) => void (await repos.visits.create(visitFields(), author)))

    const db = new DoorstepDatabase(name)
    db.sealing.lock()
    await db.open()
    expect((await db.outbox.toArray()).map((e) => e.change.kind)).toEqual(['put'])
    db.close()
  })
})

describe('the version 6 upgrade', () => {
  it('marks the name cards stored before `active` existed as active, and keeps a card that says', async () => {
    name = `upgrade-${crypto.randomUUID()}`
    const old = new Dexie(name)
    old.version(4).stores({ users: 'id' })
    await old.open()
    await old.table('users').bulkPut([
      { id: 'u-1', communityId: 'c-1', displayName: '老王', role: 'office' },
      { id: 'u-2', communityId: 'c-1', displayName: '老李', role: 'office', active: false },
    ])
    old.close()

    const db = new DoorstepDatabase(name)
    expect((await db.users.toArray()).map((c) => [c.id, c.active])).toEqual([
      ['u-1', true],
      ['u-2', false],
    ])
    db.close()
  })
})

describe('the version 12 upgrade', () => {
  it('drops the follow-up date index of visits and keeps every visit and its follow-up date', async () => {
    name = `upgrade-${crypto.randomUUID()}`
    const source = new DoorstepDatabase(`${name}-source`)
    const visit = await createRepositories(source).visits.create(visitFields({ followUpOn: '2026-12-01' }), author)
    await source.delete()
    const old = new Dexie(name)
    old.version(11).stores({ visits: 'id, visitedAt, followUpOn, [buildingId+visitedAt], [householdId+visitedAt], deletedAt' })
    await old.open()
    await old.table('visits').put(visit)
    old.close()

    const db = new DoorstepDatabase(name)
    await db.open()
    expect([...db.backendDB().transaction('visits').objectStore('visits').indexNames]).not.toContain('followUpOn')
    expect(await db.visits.get(visit.id)).toEqual(visit)
    db.close()
  })
})

describe('a phone that installed any released version', () => {
  it('gets the same tables and indexes as a new phone, from a database made by the twelve versions as released', async () => {
    name = `upgrade-${crypto.randomUUID()}`
    const all = releasedAt(name, RELEASED.length)
    const released = await installedSchema(all)
    all.close()
    await Dexie.delete(name)
    const fresh = new DoorstepDatabase(name)
    expect(await installedSchema(fresh)).toEqual(released)
    fresh.close()
    await Dexie.delete(name)

    for (let version = 1; version < RELEASED.length; version++) {
      const old = releasedAt(name, version)
      await old.open()
      old.close()
      const db = new DoorstepDatabase(name)
      expect({ from: version, ...(await installedSchema(db)) }).toEqual({ from: version, ...released })
      db.close()
      await Dexie.delete(name)
    }
  })

  it('keeps every row of version 1 through the upgrade to the newest, its outbox rewritten', async () => {
    name = `upgrade-${crypto.randomUUID()}`
    let visit: Visit | undefined
    await versionOneOutbox(async (repos) => {
      visit = await repos.visits.create(visitFields({ followUpOn: '2026-12-01' }), author)
      const issue = await repos.issues.create(issueFields(), author)
      await repos.issues.comment(issue.id, '住户说晚上在家', author)
    })
    const old = releasedAt(name, 1)
    await old.table('meta').put({ key: 'deviceId', value: 'device-1' })
    await old.table('drafts').put({ key: 'visit:new', data: { outcome: '没写完' }, updatedAt: '2026-12-01T08:00:00.000Z' })
    old.close()

    const db = new DoorstepDatabase(name)
    expect(db.verno).toBe(RELEASED.length)
    expect(await db.visits.get(visit!.id)).toEqual(visit)
    expect(await db.issues.count()).toBe(1)
    expect((await db.outbox.orderBy('seq').toArray()).map((e) => e.change.kind)).toEqual(['put', 'put', 'issue.comment'])
    expect(await db.meta.get('deviceId')).toEqual({ key: 'deviceId', value: 'device-1' })
    expect((await db.drafts.get('visit:new'))?.data).toEqual({ outcome: '没写完' })
    expect(await db.visits.where('deletedAt').above('').count()).toBe(0)
    db.close()
  })
})
