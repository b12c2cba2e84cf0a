import { Dexie, type EntityTable, type Table } from 'dexie'
import type {
  Building,
  ChecklistTemplate,
  Community,
  Grid,
  Household,
  Inspection,
  IssueReport,
  OutboxChange,
  RejectCode,
  Resident,
  UserCard,
  Campaign,
  Canvass,
  CanvassAnswer,
  Mediation,
  MentorNote,
  MenteeView,
  PointAdjustment,
  Visit,
} from '@/domain'
import type { AttachmentMeta } from '@/domain'
import type { RecordTable } from '@/domain/tables'
import { Sealing, sealingMiddleware } from './sealing'

export type SyncedRecord = Visit | IssueReport | Inspection | Canvass | CanvassAnswer | Mediation | MentorNote

interface OutboxEntryBase {
  /** Local order of changes; sync drains the outbox in this order and sends it as the device's sequence. */
  seq?: number
  mutationId: string
  createdAt: string
}

/** A change of a leader's record (or the office's change of a report). */
export interface RecordOutboxEntry extends OutboxEntryBase {
  table: RecordTable
  recordId: string
  /** The record's server revision before this change (null while the server has never acknowledged it). */
  baseRev: number | null
  change: Exclude<OutboxChange, { kind: 'template.publish' }>
  /** The whole record as saved, so that a later edit never changes what an earlier mutation sent. */
  record: SyncedRecord
  /** Sent again after the server was restored from a backup (src/app/sync/restore.ts). */
  replay?: true
}

/** The office's new template version: no revision, no merge; pull brings it back as the server keeps it. */
export interface TemplateOutboxEntry extends OutboxEntryBase {
  table: 'templates'
  /** The template's id (not the version's), so that a later version's success clears an earlier refusal. */
  recordId: string
  baseRev: null
  change: Extract<OutboxChange, { kind: 'template.publish' }>
  record: ChecklistTemplate
}

export type OutboxEntry = RecordOutboxEntry | TemplateOutboxEntry

/** Why a change never reached the server: kept until a later change of the record goes through. */
export interface Rejection {
  mutationId: string
  table: OutboxEntry['table']
  recordId: string
  kind: OutboxChange['kind']
  /** The server's reason, or `too_large` when the mutation alone is more than the server takes. */
  code: RejectCode | 'too_large'
  message: string
  at: string
  /** The record as the leader saved it, so that what they typed is never lost with the refusal. */
  record: OutboxEntry['record']
}

/**
 * The server's newest version of a record that pull could not write because local changes to it were still
 * waiting. Once the server has answered them, this version replaces the local one unless the answer is newer.
 */
export interface HeldChange {
  recordId: string
  table: RecordTable
  rev: number
  record: SyncedRecord
}

export interface StoredAttachment extends AttachmentMeta {
  /** Bytes as an ArrayBuffer, not a Blob: older iOS Safari loses Blobs stored in IndexedDB. */
  data: ArrayBuffer
  thumb: ArrayBuffer
  thumbType: AttachmentMeta['type']
  createdAt: string
}

/** An image's bytes and type, as the screens turn them into object URLs. */
export interface PhotoImage {
  data: ArrayBuffer
  type: string
}

/** Which image of a photo: the server's list thumbnail or the photo itself. */
export type PhotoSize = 'thumb' | 'full'

/**
 * A photo of someone else's record, downloaded to show it (src/app/sync/photos.ts). Kept apart from
 * `attachments`, which holds the photos taken on this phone: the cache is evicted by size, and eviction can
 * never reach a photo that exists only here.
 */
export interface CachedPhoto {
  sha256: string
  size: PhotoSize
  /** An ArrayBuffer, as in `attachments`: older iOS Safari loses Blobs stored in IndexedDB. */
  data: ArrayBuffer
  type: string
  bytes: number
  /** When it was fetched or last shown: the least recently used go first. */
  usedAt: string
}

export interface Draft {
  /** `visit:new`, `issue:<id>`, `inspection:<id>` … one per form instance. */
  key: string
  data: unknown
  updatedAt: string
}

/**
 * Small device-wide values. The sync session: `token`, `user` (JSON of the domain User), `serverUrl`,
 * `syncDeviceId` (the id the server gave this device at sign-in), `cursor` (pull's, opaque), `epoch` (the server
 * database's, from the last pull: src/app/sync/restore.ts),
 * `lastSuccessAt`, `lastFullSyncAt` (the end of the last run that pushed everything and pulled to the end),
 * `lastError` (JSON of SyncErrorInfo), `syncing` (set from a run's first write of answers or pages to its end, by whichever
 * context runs it: summaries hold their last answer meanwhile, src/app/db/live.ts), `recovery` (JSON of RecoveryFound: the browser had
 * cleared this phone's data before a sign-in, and the leader has not yet read what came back), `issuesSeen`
 * (the office news on the leader's reports they have seen: ./issue-news.ts), `signedOutAt` (the last sign-out
 * here, which emptied the phone: src/app/sync/session.ts). The app lock's: `keyring` (the wrapped data key),
 * `pinFailures`, `appLock` (the office's rule, from sign-in), `lockSkipped` (src/app/lock/lock.ts).
 */
export interface MetaEntry {
  key:
    | 'deviceId'
    | 'userId'
    | 'seededAt'
    | 'token'
    | 'user'
    | 'serverUrl'
    | 'syncDeviceId'
    | 'cursor'
    | 'epoch'
    | 'lastSuccessAt'
    | 'lastFullSyncAt'
    | 'lastError'
    | 'syncing'
    | 'recovery'
    | 'issuesSeen'
    | 'signedOutAt'
    | 'keyring'
    | 'pinFailures'
    | 'appLock'
    | 'lockSkipped'
  value: string
}

/** Kept in meta as `recovery` by a sign-in that found this phone's data cleared by the browser. */
export interface RecoveryFound {
  userId: string
  /** When the user's earlier device of this phone's name last reached the server (the newest, if several). */
  lastSeenAt: string | null
}

export class DoorstepDatabase extends Dexie {
  meta!: Table<MetaEntry, MetaEntry['key']>
  communities!: EntityTable<Community, 'id'>
  grids!: EntityTable<Grid, 'id'>
  buildings!: EntityTable<Building, 'id'>
  households!: EntityTable<Household, 'id'>
  residents!: EntityTable<Resident, 'id'>
  templates!: Table<ChecklistTemplate, [string, number]>
  users!: EntityTable<UserCard, 'id'>
  campaigns!: EntityTable<Campaign, 'id'>
  pointAdjustments!: EntityTable<PointAdjustment, 'id'>
  visits!: EntityTable<Visit, 'id'>
  issues!: EntityTable<IssueReport, 'id'>
  inspections!: EntityTable<Inspection, 'id'>
  canvasses!: EntityTable<Canvass, 'id'>
  canvassAnswers!: EntityTable<CanvassAnswer, 'id'>
  mediations!: EntityTable<Mediation, 'id'>
  mentorNotes!: EntityTable<MentorNote, 'id'>
  menteeViews!: Table<MenteeView, string>
  attachments!: EntityTable<StoredAttachment, 'sha256'>
  photoCache!: Table<CachedPhoto, [string, PhotoSize]>
  outbox!: EntityTable<OutboxEntry, 'seq'>
  drafts!: EntityTable<Draft, 'key'>
  rejections!: EntityTable<Rejection, 'mutationId'>
  held!: EntityTable<HeldChange, 'recordId'>
  /** Whether residents' data is sealed at rest on this phone, and the key while unlocked: ./sealing.ts. */
  readonly sealing = new Sealing()

  constructor(name = 'doorstep') {
    super(name)
    this.use(sealingMiddleware(this.sealing))
    // Each index serves a list the UI shows. Only versions with an upgrade function are declared: Dexie diffs the
    // schema a phone has installed against each declared version above it, and every declaration re-parses all
    // the ones before it as the app starts (about 40 ms at 4× CPU for twelve). A change of schema alone raises the
    // number of the last declaration and edits it, unless that one has an upgrade function; a change of data adds
    // a version with its upgrade. Every released schema, and the test that a phone at any of them ends with a new
    // phone's schema: tests/unit/db/migration.test.ts.
    // 2 (v1 + sync): outbox entries say which wire mutation they are; refusals and held server versions get tables.
    this.version(2)
      .stores({
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
        rejections: 'mutationId, recordId',
        held: 'recordId',
      })
      .upgrade((tx) => tx.table('outbox').toCollection().modify(migrateOutboxEntry))
    // 3–6. Tombstones by time of deletion: IndexedDB leaves records whose deletedAt is null out of the index, so
    // it holds only the deleted ones, and a list's count is an index count less these few (see queries.ts).
    // The people of the community, so that reports and timelines show names. Photos of other people's records,
    // fetched when shown: [usedAt+bytes] lets eviction add up sizes in age order from the index alone, without
    // reading a single photo. Name cards say whether the account is active; those stored before were of active ones.
    this.version(6)
      .stores({
        visits: 'id, visitedAt, followUpOn, [buildingId+visitedAt], [householdId+visitedAt], deletedAt',
        issues: 'id, createdAt, status, [buildingId+createdAt], deletedAt',
        inspections: 'id, startedAt, [buildingId+startedAt], deletedAt',
        users: 'id',
        photoCache: '[sha256+size], [usedAt+bytes]',
      })
      .upgrade((tx) => tx.table('users').toCollection().modify((card: { active?: boolean }) => void (card.active ??= true)))
    // 7–12. The office's inspection campaigns, and the inspections started for one (a building's task is done by
    // them). Consent canvasses of a building, and every answer each household gave (the latest counts). The
    // office's adjustments of this leader's points, with their reasons (我的积分). Mediation cases of a building
    // (矛盾纠纷调解). 老带新: mentors' notes on a mentee's follow-ups, households and reports, and the server's last
    // copy of each mentee's worklist for the mentor's phone (MenteeView, replaced whole at each sync).
    // No screen reads visits by follow-up date (the worklist picks them from every visit, src/domain/worklist.ts),
    // and each index is written by every save that has its field.
    this.version(12).stores({
      visits: 'id, visitedAt, [buildingId+visitedAt], [householdId+visitedAt], deletedAt',
      inspections: 'id, startedAt, [buildingId+startedAt], deletedAt, [campaignId+buildingId]',
      campaigns: 'id',
      canvasses: 'id, buildingId, deletedAt',
      canvassAnswers: 'id, [canvassId+householdId], deletedAt',
      pointAdjustments: 'id',
      mediations: 'id, buildingId, deletedAt',
      mentorNotes: 'id, buildingId, [subject.kind+subject.id], deletedAt',
      menteeViews: 'mentorship.id',
    })
  }
}

/** A version 1 outbox row (`op` + `changed`) as it was stored before sync existed. */
interface OutboxEntryV1 {
  op: 'put' | 'delete'
  changed: string[]
  record: SyncedRecord
}

/**
 * Rewrites a version 1 outbox row into its wire mutation. Version 1 wrote comments as puts of `events`,
 * which the server refuses (events are append-only and not the leader's field): such a put becomes the
 * `issue.comment` of the event it appended, the last one. The record's rev is the base, since a local
 * write never changes it.
 */
export function migrateOutboxEntry(row: Record<string, unknown>): void {
  const old = row as unknown as OutboxEntryV1
  const isNew = old.op === 'put' && old.changed.includes('id')
  const events = 'events' in old.record ? old.record.events : []
  const last = events[events.length - 1]
  let change: OutboxChange
  if (old.op === 'delete') change = { kind: 'delete' }
  else if (!isNew && old.changed.includes('events') && last?.type === 'comment') change = { kind: 'issue.comment', eventId: last.id, text: last.text }
  else change = { kind: 'put', changed: old.changed }
  row.change = change
  row.baseRev = old.record.rev
  delete row.op
  delete row.changed
}

/** The app's one database. Tests make their own with `new DoorstepDatabase(name)`. */
export const db = new DoorstepDatabase()
