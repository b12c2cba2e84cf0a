import { randomBytes } from 'node:crypto'
import { isDeepStrictEqual } from 'node:util'
import { expect } from 'vitest'
import { createRepositories, type Author, type Repositories } from '@/app/db'
import { DoorstepDatabase, type MetaEntry, type RecordOutboxEntry, type SyncedRecord } from '@/app/db/database'
import { createQueries } from '@/app/db/queries'
import { createSyncEngine, type SyncEngine } from '@/app/sync/engine'
import { signIn } from '@/app/sync/session'
import { fetchTransport, type SyncTransport } from '@/app/sync/transport'
import {
  DEFAULT_COMMUNITY_SETTINGS,
  InspectionFields,
  CanvassAnswerFields,
  CanvassFields,
  IssueFields,
  MediationFields,
  MentorNoteFields,
  RECORD_TABLES,
  uuidv7,
  type RecordTable,
  VisitFields,
  type Change,
  type ChecklistTemplate,
  type IssueReport,
  type LoginResponse,
  type MutationResult,
} from '@/domain'
import { hashPassword } from '@/server/auth/passwords'
import { newToken } from '@/server/auth/tokens'
import { decodeCursor } from '@/server/sync/cursor'
import type { Storage, UserRecord } from '@/server/storage/types'
import type { TestApi } from './api'
import type { Link, Network } from './network'

/*
 * Phones — the real device engine on fake-indexeddb — talking to the real server through a faulty network
 * (./network.ts), a fresh community for each test or fuzz run, and the check every fault and fuzz test
 * ends with: after a clean sync, nothing lost, nothing twice, every phone equal to the server.
 */

/** The address phones are signed in to; the network sends their requests wherever the server runs now. */
export const SERVER_URL = 'http://doorstep.test'
/** The engine's time limit: no request of a test comes near it, unless a 'late' fault holds it. */
const TIMEOUT_MS = 10_000
/** The time limit while a 'late' fault waits for it: short, so that the fault costs little. */
const HURRIED_TIMEOUT_MS = 40

export interface Phone {
  name: string
  db: DoorstepDatabase
  engine: SyncEngine
  session: LoginResponse
  author: Author
  repos: Repositories
  queries: ReturnType<typeof createQueries>
  link: Link
  /** Every outbox entry the phone ever queued, in order. */
  queued: RecordOutboxEntry[]
  /** The revision of each pull cursor the phone stored, in order. */
  storedCursors: number[]
  close(): Promise<void>
}

/** The leader-owned fields of each record type: what a put carries and the server must end up with. */
const LEADER_FIELDS: Record<RecordTable, string[]> = {
  visits: Object.keys(VisitFields.shape),
  issues: Object.keys(IssueFields.shape),
  inspections: Object.keys(InspectionFields.shape),
  canvasses: Object.keys(CanvassFields.shape),
  canvassAnswers: Object.keys(CanvassAnswerFields.shape),
  mediations: Object.keys(MediationFields.shape),
  mentorNotes: Object.keys(MentorNoteFields.shape),
}

/**
 * The sign-in answer for a new device of `user`, made the way the login route makes it but without its
 * scrypt check, which would cost most of a fuzz run.
 */
export async function registerDevice(storage: Storage, user: UserRecord): Promise<LoginResponse> {
  const { token, hash } = newToken()
  const at = new Date()
  const device = await storage.createDevice({ id: uuidv7(at.getTime()), userId: user.id, name: `${user.username}'s phone`, tokenHash: hash, at: at.toISOString() })
  const { id, username, displayName, role, communityId, buildingIds } = user
  const community = communityId === null ? undefined : await storage.getCommunity(communityId)
  const appLock = (community?.settings ?? DEFAULT_COMMUNITY_SETTINGS).appLock
  return { token, deviceId: device.id, user: { id, username, displayName, role, communityId, buildingIds }, mustChangePassword: false, recoveryKey: device.recoveryKey, appLock }
}

/** A new phone signed in with `session` (from registerDevice, or a real login), its engine on `network`. */
export async function openPhone(network: Network, session: LoginResponse): Promise<Phone> {
  const name = `${session.user.username}-${session.deviceId}`
  const db = new DoorstepDatabase(`phone-${name}`)
  const queued: RecordOutboxEntry[] = []
  const storedCursors: number[] = []
  // Below Dexie's API, every write passes here: each outbox entry queued, each cursor stored.
  db.use({
    stack: 'dbcore',
    name: 'observer',
    create: (down) => ({
      ...down,
      table(name) {
        const table = down.table(name)
        if (name !== 'outbox' && name !== 'meta') return table
        return {
          ...table,
          async mutate(request) {
            const result = await table.mutate(request)
            if (request.type !== 'add' && request.type !== 'put') return result
            for (const value of request.values) {
              if (name === 'outbox') queued.push(value as RecordOutboxEntry)
              else if ((value as MetaEntry).key === 'cursor') storedCursors.push(decodeCursor((value as MetaEntry).value)?.rev ?? -1)
            }
            return result
          },
        }
      },
    }),
  })

  const link = network.link()
  const transports = [TIMEOUT_MS, HURRIED_TIMEOUT_MS].map((timeoutMs) => fetchTransport({ baseUrl: SERVER_URL, token: session.token, timeoutMs, fetch: link.fetch }))
  // Each request picks its time limit when it starts: the short one only while a 'late' fault waits.
  const now = () => transports[link.hurried ? 1 : 0]!
  const transport: SyncTransport = {
    // signIn asks the transport to sign in: the answer is ready-made.
    login: async () => session,
    logout: () => now().logout(),
    changePassword: (change) => now().changePassword(change),
    recoveryKey: (password) => now().recoveryKey(password),
    checkIn: () => now().checkIn(),
    push: (batch) => now().push(batch),
    pull: (cursor, limit, options) => now().pull(cursor, limit, options),
    missingAttachments: (hashes) => now().missingAttachments(hashes),
    putAttachment: (sha256, bytes, type) => now().putAttachment(sha256, bytes, type),
    getAttachment: (sha256, size) => now().getAttachment(sha256, size),
    reportHealth: (health) => now().reportHealth(health),
    mentees: () => now().mentees(),
  }
  await signIn(db, transport, { serverUrl: SERVER_URL, username: session.user.username, password: 'unused' })
  return {
    name,
    db,
    engine: createSyncEngine({ db, transport: () => transport }),
    session,
    author: { userId: session.user.id, deviceId: session.deviceId },
    repos: createRepositories(db),
    queries: createQueries(db),
    link,
    queued,
    storedCursors,
    close: () => db.delete(),
  }
}

export interface TestCommunity {
  id: string
  /** Building `a` is leader1's, `b` leader2's, and both look after `shared`. */
  buildings: { a: string; b: string; shared: string }
  /** One household per building, by building id. */
  households: Record<string, string>
  /** The community's one checklist, and the id of its one item. */
  template: { id: string; version: number; itemId: string; record: ChecklistTemplate }
  users: { leader1: UserRecord; leader2: UserRecord; office: UserRecord }
}

let passwordHash: Promise<string> | undefined

/** A new community of its own (reference data, two leaders, an office user), so that tests never see each other's records. */
export async function provisionCommunity(storage: Storage): Promise<TestCommunity> {
  const tag = randomBytes(5).toString('hex')
  const id = `c-${tag}`
  const grid = `g-${tag}`
  const buildings = { a: `b-${tag}-a`, b: `b-${tag}-b`, shared: `b-${tag}-s` }
  const households = Object.fromEntries(Object.values(buildings).map((b) => [b, `${b}-101`]))
  const itemId = 'exit-clear'
  const record: ChecklistTemplate = {
    id: `t-${tag}`,
    version: 1,
    title: '楼道消防',
    description: '',
    publishedAt: '2026-11-01T00:00:00.000Z',
    items: [{ id: itemId, label: '安全出口畅通', help: '', category: 'safety_hazard' }],
  }
  const template = { id: record.id, version: record.version, itemId, record }
  await storage.putReference(id, 'communities', [{ id, name: `测试社区${tag}` }])
  await storage.putReference(id, 'grids', [{ id: grid, communityId: id, name: '第一网格' }])
  await storage.putReference(
    id,
    'buildings',
    Object.values(buildings).map((b, i) => ({ id: b, gridId: grid, communityId: id, address: `测试路${i + 1}号`, name: '', floors: 6 })),
  )
  await storage.putReference(
    id,
    'households',
    Object.entries(households).map(([buildingId, household]) => ({ id: household, buildingId, unit: '101', floor: 1 })),
  )
  await storage.putReference(id, 'templates', [template.record])
  const hash = await (passwordHash ??= hashPassword(randomBytes(16).toString('hex')))
  const user = (name: string, role: UserRecord['role'], buildingIds: string[]) =>
    storage.createUser({ id: `u-${name}-${tag}`, username: `${name}-${tag}`, displayName: name, role, communityId: id, buildingIds, passwordHash: hash })
  const users = {
    leader1: await user('leader1', 'leader', [buildings.a, buildings.shared]),
    leader2: await user('leader2', 'leader', [buildings.b, buildings.shared]),
    office: await user('office', 'office', []),
  }
  return { id, buildings, households, template, users }
}

/** The answer that settled a mutation on the phone: the last one that reached it. */
function settledAnswer(phone: Phone, mutationId: string): MutationResult | undefined {
  return phone.link.answers.get(mutationId)?.at(-1)
}

/** A server record as the device stores it: by id, tombstones included. */
type ServerRecords = Map<string, SyncedRecord>

function recordsOf(changes: Change[]): ServerRecords {
  const records = changes.filter((c) => (RECORD_TABLES as readonly string[]).includes(c.table))
  expect(new Set(records.map((c) => c.id)).size, 'a record pulled twice').toBe(records.length)
  return new Map(records.map((c) => [c.id, c.record as unknown as SyncedRecord]))
}

async function phoneRecords(phone: Phone): Promise<Map<string, SyncedRecord>> {
  const lists = await Promise.all(RECORD_TABLES.map((t) => phone.db.table<SyncedRecord, string>(t).toArray()))
  return new Map(lists.flat().map((r) => [r.id, r]))
}

/** What expectConverged asks of the server: its tables, and every change a token may see. */
export type ConvergenceCheck = Pick<TestApi, 'tables' | 'pullAll'>

/**
 * What must hold after faults stopped and every phone synced cleanly (syncAllCleanly):
 * - no queue stuck: every outbox is empty, and every mutation a phone queued was answered; the refused ones
 *   are in the phone's rejections with the server's code and message (unless a later change of the record
 *   went through);
 * - every write once: the server's mutations table holds exactly the mutations each phone queued, once,
 *   with the answer the phone got; each acknowledged comment or status move is on its report exactly once,
 *   refused ones not at all, and no report carries an event nobody was told was applied;
 * - acknowledged writes are there: each record's leader fields are those of its last acknowledged put, its
 *   status that of the office's last acknowledged move;
 * - convergence: each phone's records and buildings are what the server's pull gives its user — except a
 *   record with a refusal on the phone, which stays as the user last saved it (and one known gap, below);
 * - cursors never go backwards (unless the server said reset).
 * `existing` names the records that were on the server before the phones.
 */
export async function expectConverged(api: ConvergenceCheck, phones: Phone[], options: { existing?: string[] } = {}): Promise<void> {
  const existing = new Set(options.existing)
  const acknowledgedEvents = new Set<string>()
  const refusedEvents = new Set<string>()
  const lastPut = new Map<string, { phone: Phone; entry: RecordOutboxEntry }>()
  /** Per report, the status its newest acknowledged move (by revision) left it in: the office's or a resubmit. */
  const lastStatus = new Map<string, { rev: number; status: string }>()
  const lastAssignee = new Map<string, string | null>()
  const pulled = new Map<Phone, Change[]>()

  for (const phone of phones) {
    const where = phone.name
    expect(await phone.db.outbox.count(), `${where}: outbox`).toBe(0)

    const rows = await api
      .tables()
      .selectFrom('mutations')
      .select(['mutation_id', 'result'])
      .where('device_id', '=', phone.session.deviceId)
      .execute()
    const stored = new Map(rows.map((r) => [r.mutation_id, JSON.parse(r.result) as MutationResult]))
    expect(rows.length, `${where}: mutation ids stored twice`).toBe(stored.size)
    expect([...stored.keys()].sort(), `${where}: the server's mutations are the ones the phone queued`).toEqual(phone.queued.map((e) => e.mutationId).sort())

    const rejections = new Map((await phone.db.rejections.toArray()).map((r) => [r.mutationId, r]))
    const lastOfRecord = new Map(phone.queued.map((e) => [e.recordId, e.mutationId]))
    for (const entry of phone.queued) {
      const what = `${where}: ${entry.change.kind} ${entry.mutationId} of ${entry.table} ${entry.recordId}`
      const answer = settledAnswer(phone, entry.mutationId)
      const first = stored.get(entry.mutationId)!
      expect(answer, `${what}: never answered`).toBeDefined()
      expect(first.status, `${what}: the stored answer`).not.toBe('duplicate')
      if (answer!.status === 'rejected') {
        expect(first, what).toMatchObject({ status: 'rejected', code: answer!.code })
        const rejection = rejections.get(entry.mutationId)
        if (rejection) expect(rejection, what).toMatchObject({ code: answer!.code, message: answer!.message, recordId: entry.recordId })
        else expect(lastOfRecord.get(entry.recordId), `${what}: refused, but not in the rejections`).not.toBe(entry.mutationId)
        if ('eventId' in entry.change) refusedEvents.add(entry.change.eventId)
        continue
      }
      expect(first.status, what).not.toBe('rejected')
      if (answer!.status !== 'duplicate') expect(answer, what).toEqual(first)
      else if ('rev' in first) expect(answer!.rev, what).toBe(first.rev)
      const change = entry.change
      if (change.kind === 'issue.comment' || change.kind === 'issue.status' || change.kind === 'issue.resubmit') acknowledgedEvents.add(change.eventId)
      if ((change.kind === 'issue.status' || change.kind === 'issue.resubmit') && 'rev' in first) {
        const moved = { rev: first.rev!, status: change.kind === 'issue.status' ? change.to : 'submitted' }
        if (moved.rev > (lastStatus.get(entry.recordId)?.rev ?? -1)) lastStatus.set(entry.recordId, moved)
      }
      if (change.kind === 'issue.assign') lastAssignee.set(entry.recordId, change.assignee)
      if (change.kind === 'put' || change.kind === 'delete') lastPut.set(entry.recordId, { phone, entry })
    }
    for (const rejection of rejections.values()) expect(settledAnswer(phone, rejection.mutationId), `${where}: rejection ${rejection.mutationId}`).toMatchObject({ status: 'rejected' })

    // Cursors: what reached the phone, and what it stored.
    let previous = 0
    for (const cursor of phone.link.cursors) {
      if (!cursor.reset) expect(cursor.rev, `${where}: pull cursors ${JSON.stringify(phone.link.cursors)}`).toBeGreaterThanOrEqual(previous)
      previous = cursor.rev
    }
    for (const [i, rev] of phone.storedCursors.entries()) {
      expect(rev, `${where}: stored cursors ${phone.storedCursors.join(',')}`).toBeGreaterThanOrEqual(phone.storedCursors[i - 1] ?? 0)
    }

    // Convergence with what the server gives this phone's user.
    const changes = await api.pullAll(phone.session.token)
    pulled.set(phone, changes)
    const server = recordsOf(changes)
    const local = await phoneRecords(phone)
    // A record with a refused change stays as the user last saved it, until the server's version changes.
    const refused = new Set([...rejections.values()].map((r) => r.recordId))
    const lastSaved = new Map(phone.queued.map((e) => [e.recordId, e.record]))
    const everRefused = new Set(phone.queued.filter((e) => settledAnswer(phone, e.mutationId)?.status === 'rejected').map((e) => e.recordId))
    for (const id of new Set([...server.keys(), ...local.keys()])) {
      const mine = local.get(id)
      if (isDeepStrictEqual(mine, server.get(id))) continue
      // A known gap, reported: a change refused, then a change back that the server answers as changing
      // nothing (with the revision the phone has) leaves the phone its own updatedAt, and nothing else.
      if (everRefused.has(id) && !refused.has(id) && isDeepStrictEqual({ ...mine, updatedAt: '' }, { ...server.get(id), updatedAt: '' })) continue
      const explained = refused.has(id) ? lastSaved.get(id) : undefined
      expect(mine, `${where}: record ${id} differs from the server's and no refusal explains it`).toEqual(explained ?? server.get(id))
    }
    const buildings = changes.filter((c) => c.table === 'buildings' && !c.record.deletedAt).map((c) => c.id)
    expect((await phone.db.buildings.toArray()).map((b) => b.id).sort(), `${where}: buildings`).toEqual(buildings.sort())
  }

  // The whole community, as the office sees it (every phone's user is in one community).
  const office = phones.find((p) => p.session.user.role === 'office')
  if (!office) return
  const all = recordsOf(pulled.get(office)!)
  for (const [id, { phone, entry }] of lastPut) {
    const record = all.get(id)
    const what = `${phone.name}: ${entry.table} ${id}`
    expect(record, `${what}: acknowledged, but not on the server`).toBeDefined()
    expect(record!.createdBy, what).toBe(phone.session.user.id)
    const leaderOwned = (r: SyncedRecord) => Object.fromEntries(LEADER_FIELDS[entry.table].map((f) => [f, (r as unknown as Record<string, unknown>)[f]]))
    expect(leaderOwned(record!), `${what}: the last acknowledged put`).toEqual(leaderOwned(entry.record))
    expect(record!.deletedAt !== null, `${what}: deleted`).toBe(entry.change.kind === 'delete')
  }
  for (const record of all.values()) {
    expect(lastPut.has(record.id) || existing.has(record.id), `record ${record.id} on the server, but no phone was told it was applied`).toBe(true)
    if (!('events' in record)) continue
    const report = record as IssueReport
    const ids = report.events.map((e) => e.id)
    expect(new Set(ids).size, `report ${report.id}: an event applied twice`).toBe(ids.length)
    for (const id of ids) expect(acknowledgedEvents.has(id) && !refusedEvents.has(id), `report ${report.id}: event ${id} nobody was told was applied`).toBe(true)
    if (lastStatus.has(report.id)) expect(report.status, `report ${report.id}: status`).toBe(lastStatus.get(report.id)!.status)
    if (lastAssignee.has(report.id)) expect(report.assignee, `report ${report.id}: assignee`).toBe(lastAssignee.get(report.id))
  }
  for (const id of acknowledgedEvents) {
    const holders = [...all.values()].filter((r) => 'events' in r && (r as IssueReport).events.some((e) => e.id === id))
    expect(holders, `event ${id}: acknowledged, so on exactly one report`).toHaveLength(1)
  }
}

/**
 * A clean sync of every phone, each of which must succeed, until each has pulled what the others pushed:
 * first every phone, those with changes waiting first, then again each one after which another pushed.
 */
export async function syncAllCleanly(phones: Phone[]): Promise<void> {
  const waiting = new Map(await Promise.all(phones.map(async (p) => [p, await p.db.outbox.count()] as const)))
  const order = [...phones].sort((a, b) => Number(waiting.get(b)! > 0) - Number(waiting.get(a)! > 0))
  const pushed: number[] = []
  for (const phone of order) {
    const outcome = await phone.engine.sync()
    expect(outcome, `${phone.name}: clean sync`).toMatchObject({ status: 'done' })
    pushed.push(outcome.status === 'done' ? outcome.pushed : 0)
  }
  for (const [i, phone] of order.entries()) {
    if (pushed.slice(i + 1).some(Boolean)) expect(await phone.engine.sync(), `${phone.name}: clean sync`).toMatchObject({ status: 'done' })
  }
}
