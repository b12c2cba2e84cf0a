import { Dexie, type EntityTable, type Table } from 'dexie'
import type {
  Building,
  ChecklistTemplate,
  Community,
  Grid,
  Household,
  Inspection,
  IssueReport,
  Resident,
  Visit,
} from '@/domain'
import type { AttachmentMeta } from '@/domain'

/** The record types made on the device and carried to the server by sync. */
export const SYNCED_TABLES = ['visits', 'issues', 'inspections'] as const
export type SyncedTable = (typeof SYNCED_TABLES)[number]

export interface OutboxEntry {
  /** Local order of changes; sync drains the outbox in this order. */
  seq?: number
  mutationId: string
  table: SyncedTable
  recordId: string
  op: 'put' | 'delete'
  /** The whole record as saved, so that a later edit never changes what an earlier mutation sent. */
  record: Visit | IssueReport | Inspection
  /** The fields this change touched (all of them for a new record): sync sends only these. */
  changed: string[]
  createdAt: string
}

export interface StoredAttachment extends AttachmentMeta {
  /** Bytes as an ArrayBuffer, not a Blob: older iOS Safari loses Blobs stored in IndexedDB. */
  data: ArrayBuffer
  thumb: ArrayBuffer
  thumbType: AttachmentMeta['type']
  createdAt: string
}

export interface Draft {
  /** `visit:new`, `issue:<id>`, `inspection:<id>` … one per form instance. */
  key: string
  data: unknown
  updatedAt: string
}

export interface MetaEntry {
  key: 'deviceId' | 'userId' | 'seededAt'
  value: string
}

export class DoorstepDatabase extends Dexie {
  meta!: Table<MetaEntry, MetaEntry['key']>
  communities!: EntityTable<Community, 'id'>
  grids!: EntityTable<Grid, 'id'>
  buildings!: EntityTable<Building, 'id'>
  households!: EntityTable<Household, 'id'>
  residents!: EntityTable<Resident, 'id'>
  templates!: Table<ChecklistTemplate, [string, number]>
  visits!: EntityTable<Visit, 'id'>
  issues!: EntityTable<IssueReport, 'id'>
  inspections!: EntityTable<Inspection, 'id'>
  attachments!: EntityTable<StoredAttachment, 'sha256'>
  outbox!: EntityTable<OutboxEntry, 'seq'>
  drafts!: EntityTable<Draft, 'key'>

  constructor(name = 'doorstep') {
    super(name)
    // Each index serves a list the UI shows; add a new version() for any change, never edit this one.
    this.version(1).stores({
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
    })
  }
}

/** The app's one database. Tests make their own with `new DoorstepDatabase(name)`. */
export const db = new DoorstepDatabase()
