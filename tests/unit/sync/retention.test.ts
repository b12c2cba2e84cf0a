import { describe, expect, it } from 'vitest'
import { newReportState, uuidv7, type IssueReport, type IssueStatus, type Visit } from '@/domain'
import { demoBuildings, demoCommunity, demoHouseholds } from '@/domain/demo'
import type { DoorstepDatabase } from '@/app/db/database'
import { pruneOldRecords } from '@/app/sync/retention'
import { DOUBLE_USER, type TransportDouble } from '@/app/sync/transport-double'
import { inspectionFields, issueFields, visitFields } from '../../fixtures'
import { device } from './harness'

/*
 * Retention on a leader's phone over fake-indexeddb: the device's clock stands at 2026-11-20 (China), so
 * with the default twelve months the phone keeps what was last touched on 2025-11-20 or later.
 */

const [home, neighbour] = demoHouseholds.filter((h) => h.buildingId === demoHouseholds[0]!.buildingId) as [(typeof demoHouseholds)[0], (typeof demoHouseholds)[0]]

const meta = (at: string) => ({ id: uuidv7(Date.parse(at)), createdAt: at, updatedAt: at, createdBy: 'leader-2', deviceId: 'device-x', rev: null, deletedAt: null, conflicts: [] })
const visit = (visitedAt: string, fields: Partial<Visit> = {}): Visit => ({ ...visitFields({ householdId: home.id, visitedAt }), ...meta(visitedAt), ...fields })
const report = (status: IssueStatus, at: string): IssueReport => ({ ...issueFields(), ...newReportState(), ...meta(at), status })

/** The community (with its setting) and the building of the fixtures, on the server. */
function community(server: TransportDouble, retentionMonths = 12) {
  server.serverPut('communities', { ...demoCommunity, settings: { ...demoCommunity.settings, retentionMonths } })
  for (const building of demoBuildings) if (!server.records.has(building.id)) server.serverPut('buildings', building)
}

/** Puts records on the server as someone else's synced work; answers them by name. */
function onServer<T extends Record<string, Visit | IssueReport>>(server: TransportDouble, records: T): T {
  for (const record of Object.values(records)) server.serverPut('status' in record ? 'issues' : 'visits', record)
  return records
}

const ids = async (db: DoorstepDatabase) => new Set([...(await db.visits.toCollection().primaryKeys()), ...(await db.issues.toCollection().primaryKeys())])

describe('retention on a leader’s phone', () => {
  it('never writes old visits and closed reports a pull brings, and keeps open reports, recent work and each household’s newest visit', async () => {
    const { engine, server, db } = await device()
    community(server)
    await engine.sync()
    const r = onServer(server, {
      oldVisit: visit('2025-03-01T02:00:00.000Z'),
      // The first China day of the window (2025-11-20 00:30 in Beijing) and the minute before it.
      boundaryKept: visit('2025-11-19T16:30:00.000Z'),
      boundaryGone: visit('2025-11-19T15:59:00.000Z'),
      newest: visit('2026-10-01T02:00:00.000Z'),
      // The only visit to the neighbour, with a follow-up still open: the worklist needs it.
      lonely: visit('2024-01-01T02:00:00.000Z', { householdId: neighbour.id, followUpOn: '2024-01-08' }),
      closedOld: report('closed', '2025-06-01T02:00:00.000Z'),
      resolvedOld: report('resolved', '2025-06-01T02:00:00.000Z'),
      openOld: report('in_progress', '2024-06-01T02:00:00.000Z'),
      closedRecent: report('closed', '2026-06-01T02:00:00.000Z'),
    })

    expect(await engine.sync()).toMatchObject({ status: 'done' })

    const kept = await ids(db)
    for (const name of ['boundaryKept', 'newest', 'lonely', 'openOld', 'closedRecent'] as const) expect(kept.has(r[name].id), name).toBe(true)
    for (const name of ['oldVisit', 'boundaryGone', 'closedOld', 'resolvedOld'] as const) expect(kept.has(r[name].id), name).toBe(false)
    // The server keeps everything.
    for (const record of Object.values(r)) expect(server.records.has(record.id)).toBe(true)
  })

  it('removes what has aged past the setting after a pull, and a pull from scratch does not bring it back', async () => {
    const { engine, server, db, clock } = await device()
    community(server)
    const r = onServer(server, {
      spring: visit('2026-04-01T02:00:00.000Z'),
      summer: visit('2026-08-01T02:00:00.000Z'),
      closed: report('closed', '2026-04-01T02:00:00.000Z'),
    })
    await engine.sync()
    expect(await ids(db)).toEqual(new Set([r.spring.id, r.summer.id, r.closed.id]))

    // Five months on, the spring's work is more than a year old.
    clock.now = Date.parse('2027-04-20T03:00:00Z')
    await engine.sync()
    expect(await ids(db)).toEqual(new Set([r.summer.id]))

    server.resetNextPull()
    await engine.sync()
    expect(await ids(db)).toEqual(new Set([r.summer.id]))
  })

  it('follows the office’s setting with the pull that brings it', async () => {
    const { engine, server, db } = await device()
    community(server)
    const r = onServer(server, { spring: visit('2026-04-01T02:00:00.000Z'), autumn: visit('2026-09-01T02:00:00.000Z') })
    await engine.sync()
    expect((await ids(db)).has(r.spring.id)).toBe(true)

    community(server, 6)
    await engine.sync()
    expect(await ids(db)).toEqual(new Set([r.autumn.id]))
  })

  it('keeps everything while the phone does not know its community’s setting, and on an office computer', async () => {
    const { engine, server, db } = await device()
    const r = onServer(server, { old: visit('2024-03-01T02:00:00.000Z'), newest: visit('2026-10-01T02:00:00.000Z') })
    await engine.sync()
    expect((await ids(db)).has(r.old.id)).toBe(true)

    // The office's computer holds the community for its workspace: nothing leaves it.
    const office = await device()
    await office.db.meta.put({ key: 'user', value: JSON.stringify({ ...DOUBLE_USER, role: 'office' }) })
    community(office.server)
    onServer(office.server, r)
    await office.engine.sync()
    expect((await ids(office.db)).has(r.old.id)).toBe(true)

    // Once the leader's phone has its community, the old visit goes.
    community(server)
    await engine.sync()
    expect((await ids(db)).has(r.old.id)).toBe(false)
  })

  it('looks at old records once a day and after a pull that brought something, not on every live poll', async () => {
    const { engine, server, db, clock } = await device()
    community(server)
    const r = onServer(server, { old: visit('2025-01-10T02:00:00.000Z'), newest: visit('2026-10-01T02:00:00.000Z') })
    await engine.sync()
    // A visit put straight into the phone's table, as an older app version would have left it.
    await db.visits.put({ ...r.old, rev: 7 })
    await engine.sync()
    expect((await ids(db)).has(r.old.id)).toBe(true)

    clock.now += 24 * 60 * 60 * 1000
    await engine.sync()
    expect((await ids(db)).has(r.old.id)).toBe(false)
  })

  it('never touches work that is not on the server: unsent, waiting in the outbox, refused, or open in a form', async () => {
    const { engine, server, db, repos, clock } = await device()
    community(server)
    await engine.sync()
    const synced = (v: Visit): Visit => ({ ...v, rev: 7 })
    const old = '2025-01-10T02:00:00.000Z'
    const r = {
      neverSent: visit(old),
      edited: synced(visit(old)),
      refused: synced(visit(old)),
      drafted: synced(visit(old)),
      followedUp: synced(visit(old, { followUpOn: '2025-01-17' })),
      commented: { ...report('closed', old), rev: 7 },
      free: synced(visit(old)),
      newest: synced(visit('2026-11-01T02:00:00.000Z')),
    }
    await db.visits.bulkPut([r.neverSent, r.edited, r.refused, r.drafted, r.followedUp, r.free, r.newest])
    await db.issues.put(r.commented)
    // A change saved on the phone waits in the outbox (repos write the record and its entry together)…
    await repos.visits.update(r.edited.id, { outcome: '补记' })
    await db.visits.update(r.edited.id, { updatedAt: old })
    // …a refusal keeps what the leader typed, and forms left open name their records.
    await db.rejections.put({ mutationId: uuidv7(), table: 'visits', recordId: r.refused.id, kind: 'put', code: 'forbidden', message: 'no', at: old, record: r.refused })
    await db.drafts.bulkPut([
      { key: `visit:${r.drafted.id}`, data: {}, updatedAt: old },
      { key: `visit:follows:${r.followedUp.id}`, data: {}, updatedAt: old },
      { key: `issue:${r.commented.id}:comment`, data: {}, updatedAt: old },
    ])

    expect(await pruneOldRecords(db, clock.now)).toBe(1)

    expect(await db.visits.get(r.free.id)).toBeUndefined()
    for (const name of ['neverSent', 'edited', 'refused', 'drafted', 'followedUp', 'newest'] as const) expect(await db.visits.get(r[name].id), name).toBeDefined()
    expect(await db.issues.get(r.commented.id)).toBeDefined()
    expect(await db.outbox.where('recordId').equals(r.edited.id).count()).toBe(1)
  })
})

describe('the photos of what leaves the phone', () => {
  const SHA = (c: string) => c.repeat(64)
  const photo = (sha256: string, createdAt: string) => ({
    sha256,
    type: 'image/jpeg' as const,
    bytes: 4,
    width: 1,
    height: 1,
    data: new ArrayBuffer(4),
    thumb: new ArrayBuffer(2),
    thumbType: 'image/jpeg' as const,
    createdAt,
  })

  it('go with it, unless a record that stays, a form being filled in, or a photo just taken names them', async () => {
    const { engine, server, db, clock } = await device()
    community(server)
    await engine.sync()
    const long = '2025-01-10T02:00:00.000Z'
    const gone = { ...visit(long, { photos: [SHA('a'), SHA('b'), SHA('c'), SHA('d')] }), rev: 7 }
    await db.visits.bulkPut([gone, { ...visit('2026-11-01T02:00:00.000Z'), rev: 8 }])
    await db.attachments.bulkPut([photo(SHA('a'), long), photo(SHA('b'), long), photo(SHA('c'), long), photo(SHA('d'), '2026-11-20T01:00:00.000Z')])
    // A failed item of an inspection (which stays) became a report with the same photo.
    await db.inspections.put({ ...inspectionFields({ answers: { 'fire-door': { result: 'fail', note: '门被顶住了', photos: [SHA('b')] } } }), ...meta(long), rev: 5 })
    await db.drafts.put({ key: 'issue:new', data: { photos: [SHA('c')] }, updatedAt: long })
    await db.photoCache.bulkPut([
      { sha256: SHA('a'), size: 'thumb', data: new ArrayBuffer(2), type: 'image/jpeg', bytes: 2, usedAt: long },
      { sha256: SHA('b'), size: 'thumb', data: new ArrayBuffer(2), type: 'image/jpeg', bytes: 2, usedAt: long },
    ])

    expect(await pruneOldRecords(db, clock.now)).toBe(1)

    expect(await db.visits.get(gone.id)).toBeUndefined()
    expect((await db.attachments.toCollection().primaryKeys()).sort()).toEqual([SHA('b'), SHA('c'), SHA('d')])
    expect(await db.photoCache.toCollection().primaryKeys()).toEqual([[SHA('b'), 'thumb']])
  })
})
