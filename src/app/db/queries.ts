import { Dexie, type Table } from 'dexie'
import type { ChecklistTemplate, FieldConflict, Inspection, IssueReport, IssueStatus, User, Visit } from '@/domain'
import { textContains } from '@/domain/search'
import type { SyncErrorInfo } from '@/app/sync/errors'
import type { DoorstepDatabase, MetaEntry, PhotoImage, PhotoSize, RecoveryFound, Rejection } from './database'

/**
 * Every read the screens make, through the index that matches it. Reads import no schemas (only types),
 * so the first screen loads without zod; writes and their validation live in the repositories.
 */

export interface PhotoThumb {
  sha256: string
  thumb: PhotoImage | null
  full: boolean
}

export interface VisitFilter {
  buildingId?: string
  householdId?: string
}

export interface IssueFilter {
  buildingId?: string
  status?: IssueStatus
  /** Words the report's location or description contains. */
  text?: string
}

export interface InspectionFilter {
  buildingId?: string
}

/** A list narrowed to one building or household: the compound index that serves it and the field it matches. */
interface Scope {
  index: string
  field: string
  key: string
}

function inScope<T>(table: Table<T, string, unknown>, scope: Scope) {
  return table.where(scope.index).between([scope.key, Dexie.minKey], [scope.key, Dexie.maxKey])
}

/** Records of `table` newest first by `field` (or within `scope`, by its compound index), tombstones too. */
function newestFirstWithDeleted<T, Insert>(table: Table<T, string, Insert>, field: string, scope?: Scope) {
  return scope ? inScope(table, scope).reverse() : table.orderBy(field).reverse()
}

/** The same, without the tombstones. */
function newestFirst<T extends { deletedAt: string | null }, Insert>(table: Table<T, string, Insert>, field: string, scope?: Scope) {
  return newestFirstWithDeleted(table, field, scope).filter((r) => !r.deletedAt)
}

/**
 * The first `limit` records of `newestFirst`. Through its filter, IndexedDB walks a cursor record after record, a
 * round trip to the browser's storage for each few of them (most of the visits list's first read on a cold start);
 * tombstones are few, so the page is read first as one range in one request, and walked with the filter only when
 * that range held one.
 */
async function newestPage<T extends { deletedAt: string | null }, Insert>(table: Table<T, string, Insert>, field: string, scope: Scope | undefined, limit: number): Promise<T[]> {
  const page = await newestFirstWithDeleted(table, field, scope).limit(limit).toArray()
  const live = page.filter((r) => !r.deletedAt)
  if (live.length === page.length || page.length < limit) return live
  return newestFirst(table, field, scope).limit(limit).toArray()
}

/**
 * How many records of a scope are not deleted. Counting through the filter of `newestFirst` would walk a cursor
 * over every record (half a second for 10,000 visits in Chromium); instead IndexedDB counts the index range
 * itself, and only the tombstones, which the `deletedAt` index alone holds, are read and taken off.
 */
async function countLive<T extends { deletedAt: string | null }, Insert>(table: Table<T, string, Insert>, scope?: Scope): Promise<number> {
  const [all, deleted] = await Promise.all([
    scope ? inScope(table, scope).count() : table.count(),
    table
      .where('deletedAt')
      .above('')
      .filter((r) => !scope || (r as Record<string, unknown>)[scope.field] === scope.key)
      .count(),
  ])
  return all - deleted
}

/**
 * Where a record stands with the server, as the leader sees it: waiting on this phone, sent, sent but with
 * a value that lost to someone else's (to settle), or refused with the server's reason.
 */
export type RecordSyncState =
  | { state: 'local' }
  | { state: 'sent' }
  | { state: 'conflict'; conflicts: FieldConflict[] }
  | { state: 'rejected'; code: Rejection['code']; message: string; at: string }

/** The sync session as this device keeps it (the token itself stays out of the screens). */
export interface SyncSessionStatus {
  hasToken: boolean
  user: User | null
  serverUrl: string | null
  lastSuccessAt: string | null
  lastError: SyncErrorInfo | null
}

/** What the leader is told once the first sync after such a sign-in has brought back what the server had. */
export interface RecoveryNotice {
  lastSeenAt: string | null
  /** The user's records now on this phone that were made elsewhere (on the phone before it was cleared), by type. */
  records: { visits: number; issues: number; inspections: number }
}

function parseJson<T>(entry: MetaEntry | undefined): T | null {
  try {
    return entry ? (JSON.parse(entry.value) as T) : null
  } catch {
    return null
  }
}

export function createQueries(db: DoorstepDatabase) {
  // One scope per list, shared by the page read and the count, so that the two never disagree.
  const visitScope = (filter: VisitFilter): Scope | undefined =>
    filter.householdId
      ? { index: '[householdId+visitedAt]', field: 'householdId', key: filter.householdId }
      : filter.buildingId
        ? { index: '[buildingId+visitedAt]', field: 'buildingId', key: filter.buildingId }
        : undefined
  const issueScope = (filter: IssueFilter): Scope | undefined =>
    filter.buildingId ? { index: '[buildingId+createdAt]', field: 'buildingId', key: filter.buildingId } : undefined
  const inspectionScope = (filter: InspectionFilter): Scope | undefined =>
    filter.buildingId ? { index: '[buildingId+startedAt]', field: 'buildingId', key: filter.buildingId } : undefined
  const issuesMatching = (filter: IssueFilter) => {
    const { status, text } = filter
    return newestFirst(db.issues, 'createdAt', issueScope(filter)).filter(
      (r) => (!status || r.status === status) && (!text || textContains(r.location, text) || textContains(r.description, text)),
    )
  }

  return {
    visit: (id: string) => db.visits.get(id),
    issue: (id: string) => db.issues.get(id),
    inspection: (id: string) => db.inspections.get(id),

    /** The first `limit` visits newest first (a list grows it page by page as the leader scrolls). */
    visits: (filter: VisitFilter = {}, limit = Infinity): Promise<Visit[]> =>
      newestPage(db.visits, 'visitedAt', visitScope(filter), limit),
    /** How many visits the same filter finds: the list's count agrees with what scrolling shows. */
    visitCount: (filter: VisitFilter = {}): Promise<number> => countLive(db.visits, visitScope(filter)),


    issues: (filter: IssueFilter = {}, limit = Infinity): Promise<IssueReport[]> => issuesMatching(filter).limit(limit).toArray(),
    // Status and words have no index beside the building's: only then is every report of the scope read.
    issueCount: (filter: IssueFilter = {}): Promise<number> =>
      filter.status || filter.text ? issuesMatching(filter).count() : countLive(db.issues, issueScope(filter)),

    /** Every report on this phone, newest first: on an office device, the community's, as sync pulled them. */
    allIssues: (): Promise<IssueReport[]> => newestFirst(db.issues, 'createdAt').toArray(),

    /** Reports raised from an inspection's failed items (they are always filed under its building). */
    issuesFromInspection(inspection: Pick<Inspection, 'id' | 'buildingId'>): Promise<IssueReport[]> {
      return db.issues
        .where('[buildingId+createdAt]')
        .between([inspection.buildingId, Dexie.minKey], [inspection.buildingId, Dexie.maxKey])
        .filter((r) => !r.deletedAt && r.source !== null && 'inspectionId' in r.source && r.source.inspectionId === inspection.id)
        .toArray()
    },

    inspections: (filter: InspectionFilter = {}, limit = Infinity): Promise<Inspection[]> => newestPage(db.inspections, 'startedAt', inspectionScope(filter), limit),
    inspectionCount: (filter: InspectionFilter = {}): Promise<number> => countLive(db.inspections, inspectionScope(filter)),

    /** The newest version of each published template. */
    async templates(): Promise<ChecklistTemplate[]> {
      const newest = new Map<string, ChecklistTemplate>()
      for (const t of await db.templates.toArray()) if ((newest.get(t.id)?.version ?? 0) < t.version) newest.set(t.id, t)
      return [...newest.values()].sort((a, b) => a.title.localeCompare(b.title, 'zh-CN'))
    },
    /** The exact version an inspection followed, even after the office has published a newer one. */
    template: (id: string, version: number) => db.templates.get([id, version]),

    community: (id: string) => db.communities.get(id),
    buildings: () => db.buildings.toArray().then((all) => all.sort((a, b) => a.address.localeCompare(b.address, 'zh-CN'))),
    building: (id: string) => db.buildings.get(id),
    /** Buildings by id, in one transaction (undefined where this phone has none). */
    buildingsById: (ids: string[]) => db.buildings.bulkGet(ids),
    households: (buildingId: string) =>
      db.households
        .where('buildingId')
        .equals(buildingId)
        .toArray()
        .then((all) => all.sort((a, b) => a.floor - b.floor || a.unit.localeCompare(b.unit))),
    household: (id: string) => db.households.get(id),
    /** Households by id, in one transaction (undefined where this phone has none). */
    householdsById: (ids: string[]) => db.households.bulkGet(ids),
    /** Every household and resident on this device: an office's whole community, for its tables. */
    allHouseholds: () => db.households.toArray(),
    allResidents: () => db.residents.toArray(),
    residents: (householdId: string) => db.residents.where('householdId').equals(householdId).toArray(),
    /** Residents of many households at once, for lists that show care tags. */
    residentsOf: (householdIds: string[]) => db.residents.where('householdId').anyOf(householdIds).toArray(),

    /**
     * What this phone has of each photo: its own (taken here) or downloaded ones. `thumb` is null while
     * nothing is here; `full` says whether the whole photo is, without reading it.
     */
    async photoThumbs(hashes: string[]): Promise<PhotoThumb[]> {
      const [own, cached, fullKeys] = await Promise.all([
        db.attachments.bulkGet(hashes),
        db.photoCache.bulkGet(hashes.map((sha256): [string, PhotoSize] => [sha256, 'thumb'])),
        db.photoCache.where('[sha256+size]').anyOf(hashes.map((sha256) => [sha256, 'full'])).primaryKeys(),
      ])
      const full = new Set(fullKeys.map(([sha256]) => sha256))
      return hashes.map((sha256, i) => {
        const mine = own[i]
        if (mine) return { sha256, thumb: { data: mine.thumb, type: mine.thumbType }, full: true }
        const thumb = cached[i]
        return { sha256, thumb: thumb ? { data: thumb.data, type: thumb.type } : null, full: full.has(sha256) }
      })
    },
    /** The whole photo, taken here or downloaded; undefined while it is not on this phone. */
    async photo(sha256: string): Promise<PhotoImage | undefined> {
      const mine = await db.attachments.get(sha256)
      if (mine) return { data: mine.data, type: mine.type }
      const cached = await db.photoCache.get([sha256, 'full'])
      return cached && { data: cached.data, type: cached.type }
    },
    /** The name cards of the community's people, as sync brought them. */
    users: () => db.users.toArray(),

    drafts: () => db.drafts.orderBy('updatedAt').reverse().toArray(),

    /** How many records have changes that have not reached the server yet. */
    pendingRecordCount: async () => (await db.outbox.orderBy('recordId').uniqueKeys()).length,

    /**
     * Each record's sync state, by id (records of any synced table). Changes still waiting come first: they
     * are what the server will see next. Then a refusal (the newest), then a conflict, else sent once the
     * server has a revision of it.
     */
    async recordSyncStates(ids: string[]): Promise<Map<string, RecordSyncState>> {
      // A list not read yet asks for none: five transactions for nothing would queue beside its first page's read.
      if (!ids.length) return new Map()
      const [pending, rejections, ...found] = await Promise.all([
        db.outbox.where('recordId').anyOf(ids).keys(),
        db.rejections.where('recordId').anyOf(ids).toArray(),
        db.visits.bulkGet(ids),
        db.issues.bulkGet(ids),
        db.inspections.bulkGet(ids),
      ])
      const waiting = new Set(pending as string[])
      const refused = new Map<string, Rejection>()
      for (const r of rejections) if ((refused.get(r.recordId)?.at ?? '') <= r.at) refused.set(r.recordId, r)
      const states = new Map<string, RecordSyncState>()
      ids.forEach((id, i) => {
        const record = found[0]![i] ?? found[1]![i] ?? found[2]![i]
        const rejection = refused.get(id)
        if (waiting.has(id)) states.set(id, { state: 'local' })
        else if (rejection) states.set(id, { state: 'rejected', code: rejection.code, message: rejection.message, at: rejection.at })
        else if (record?.conflicts.length) states.set(id, { state: 'conflict', conflicts: record.conflicts })
        else states.set(id, { state: record?.rev == null ? 'local' : 'sent' })
      })
      return states
    },

    /**
     * After a sign-in found this phone's data cleared by the browser: what came back, once a sync has
     * succeeded since (such a phone had never synced before it, see src/app/sync/session.ts); else null.
     */
    async recovery(): Promise<RecoveryNotice | null> {
      const [entry, lastSuccessAt, deviceId, syncDeviceId] = await db.meta.bulkGet(['recovery', 'lastSuccessAt', 'deviceId', 'syncDeviceId'])
      const found = parseJson<RecoveryFound>(entry)
      if (!found || !lastSuccessAt) return null
      // This phone's own records carry its local id, or the server's id for it once synced.
      const here = new Set([deviceId?.value, syncDeviceId?.value])
      const recovered = (r: Visit | IssueReport | Inspection) => r.createdBy === found.userId && !r.deletedAt && !here.has(r.deviceId)
      const [visits, issues, inspections] = await Promise.all([
        db.visits.filter(recovered).count(),
        db.issues.filter(recovered).count(),
        db.inspections.filter(recovered).count(),
      ])
      return { lastSeenAt: found.lastSeenAt, records: { visits, issues, inspections } }
    },

    /** Whether a sync run is writing its answers and pages (any tab's, or the worker's): see LiveQueryOptions. */
    async syncing(): Promise<boolean> {
      return Boolean(await db.meta.get('syncing'))
    },

    /** The sync session and the outcome of the last run, for the status line and the sign-in banner. */
    async syncStatus(): Promise<SyncSessionStatus> {
      const keys = ['token', 'user', 'serverUrl', 'lastSuccessAt', 'lastError'] as const
      const [token, user, serverUrl, lastSuccessAt, lastError] = await db.meta.bulkGet([...keys])
      return {
        hasToken: Boolean(token?.value),
        user: parseJson<User>(user),
        serverUrl: serverUrl?.value ?? null,
        lastSuccessAt: lastSuccessAt?.value ?? null,
        lastError: parseJson<SyncErrorInfo>(lastError),
      }
    },
  }
}
export type Queries = ReturnType<typeof createQueries>
