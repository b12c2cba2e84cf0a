import { isDeepStrictEqual } from 'node:util'
import { sql, type Kysely, type QueryCreator, type Selectable, type Transaction } from 'kysely'
import {
  answerAgain,
  AttachmentMeta,
  Canvass,
  Community,
  MutationResult,
  PULL_MAX_BYTES,
  RECORD_TABLES,
  REFERENCE_SCHEMAS,
  photosOf,
  planRoster,
  templateRowId,
  uuidv7,
  UserCard,
  type Campaign,
  type CanvassAnswer,
  type Change,
  type FieldConflict,
  type Inspection,
  type IssueReport,
  type ChecklistTemplate,
  type Mentorship,
  type MentorshipRow,
  type DeviceHealth,
  type Mutation,
  type PullTable,
  type RecordTable,
  type RosterCounts,
  type RosterEntry,
  type RosterState,
} from '@/domain'
import { applyMutation, canSee, namedPlaces, notedSubject, templateKey, templateWireId, type FieldRevs, type Places, type StoredRecord } from '../sync/apply'
import * as field from './field-storage'
import { communityDevices, reportDeviceHealth, type CommunityDevice } from './device-health'
import * as campaigns from './campaign-storage'
import * as signInThrottle from './sign-in-throttle'
import { recordsPage } from './exports'
import { newRecoveryKey, recoveryKeyOf } from './device-recovery'
import { deviceRevocations, revokeDeviceAs } from './device-revocation'
import type { AuditPage, DeviceRevocation } from '@/domain'
import * as audit from './audit'
import * as canvasses from './canvass-storage'
import * as canvassLinks from './canvass-link-storage'
import * as mentorships from './mentorship-storage'
import { claimJob } from './job-leases'
import * as photoMove from './photo-move'
import { migrateToLatest } from './migrations'
import { readEpoch, renewEpoch } from './database-epoch'
import type { Database, RecordsTable, UsersTable } from './schema'
import type {
  CanvassLinkRecord,
  DeviceRecord,
  DeviceWithRecords,
  IncomingMutation,
  InstantSpan,
  MemberPrincipal,
  NewCanvassLink,
  NewUser,
  Principal,
  PullPage,
  ReferenceRows,
  ReferenceTable,
  Storage,
  StoredRow,
  ThrottleState,
  UserChange,
  UserRecord,
} from './types'

/**
 * The one implementation of Storage, for SQLite and PostgreSQL alike: the engines differ only in how Kysely
 * connects (sqlite.ts, postgres.ts) and where attachment bytes live.
 *
 * Revisions and the pull cursor. Every transaction that writes records locks the one counter row
 * (`UPDATE counter … RETURNING value`), takes its revisions from it and sets it to the last one used before
 * committing. On PostgreSQL the row lock is held until commit, so transactions that write revisions commit
 * one after another in revision order, and a reader can never see revision n+1 while n is still to come:
 * a pull cursor (the last revision seen) never skips a change. SQLite has one writer at a time anyway.
 * A push takes the lock late, so that pushes read and decide side by side and queue only for their writes
 * and commit: on PostgreSQL it notes the counter unlocked, reads what its batch depends on and decides; the
 * procedure push_batch (migrations.ts) then locks the counter, checks that nobody has since answered one of its
 * mutation ids or written what it read, and writes and commits, in one round trip (see `#pushUnlocked`). If
 * the check fails, it reads and decides again. So a racing retry still finds its mutation ids (answered again:
 * `answerAgain`), and a change made meanwhile to a record the batch edits meets conflict detection, exactly as if
 * the pushes had queued.
 */

/** Where attachment bytes live when not in the database (SQLite: files beside the database file). */
/** How long a server trusts the database epoch it read (see databaseEpoch). */
const EPOCH_KEPT_MS = 5000

export interface BlobStore {
  read(sha256: string): Promise<Buffer | undefined>
  /** Stores bytes under their hash; storing the same bytes again is harmless. */
  write(sha256: string, bytes: Buffer): Promise<void>
  /** Removes the bytes under a hash; removing what is not there is harmless. */
  remove(sha256: string): Promise<void>
}

export interface KyselyStorageOptions {
  db: Kysely<Database>
  /** A BlobStore, or `'inline'` for the attachments table's content column (PostgreSQL: servers share no disk). */
  blobs: BlobStore | 'inline'
  /** SQLite: its statements, prepared once by their text, for the rows a push writes (see `writeRows`). */
  prepare?: Prepare
  /**
   * PostgreSQL: one connection that runs every push's locked part (`push_batch`) in the order the pushes
   * decided, so that each can number its changes after those sent before it (see `#pushUnlocked`). Without
   * it they go through `db`: as safe, but a push that PostgreSQL serves out of that order decides again.
   */
  writer?: Kysely<Database>
}

/** A statement prepared once and run again with new values, in whatever transaction is open on its connection. */
export type Prepare = (sql: string) => { run(...values: unknown[]): unknown }

type Tx = Transaction<Database>
type RecordRow = Selectable<RecordsTable>
type UserRow = Selectable<UsersTable>

/** Rows per multi-row statement: far under SQLite's and PostgreSQL's limits on bound parameters. */
const CHUNK = 200


function chunks<T>(items: T[]): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK))
  return out
}

const KEY_SEPARATOR = '\u0000'
const key = (table: string, id: string) => `${table}${KEY_SEPARATOR}${id}`

function decodeRecord(row: RecordRow): StoredRecord {
  return {
    table: row.table_name,
    id: row.id,
    communityId: row.community_id,
    buildingId: row.building_id,
    createdBy: row.created_by,
    rev: Number(row.rev),
    deletedAt: row.deleted_at,
    data: JSON.parse(row.data) as Record<string, unknown>,
    fieldRevs: JSON.parse(row.field_revs) as FieldRevs,
    echoOf: row.echo_device,
  }
}

/** A record as its row: the one place a record's row is made, for every write. */
function encodeRecord(record: StoredRecord, at: string): RecordRow {
  return {
    table_name: record.table,
    id: record.id,
    community_id: record.communityId,
    building_id: record.buildingId,
    created_by: record.createdBy,
    device_id: typeof record.data.deviceId === 'string' ? record.data.deviceId : null,
    rev: record.rev,
    data: JSON.stringify(record.data),
    field_revs: JSON.stringify(record.fieldRevs),
    deleted_at: record.deletedAt,
    updated_at: typeof record.data.updatedAt === 'string' ? record.data.updatedAt : at,
    echo_device: record.echoOf ?? null,
    // A leader's adjustment of points goes to that leader's phones only (the pull's scope, #pullRows).
    for_user: record.table === 'pointAdjustments' ? String(record.data.userId) : null,
  }
}

function toUser(row: UserRow, buildingIds: string[]): UserRecord {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    role: row.role,
    communityId: row.community_id,
    buildingIds,
    disabled: Boolean(row.disabled),
    mustChangePassword: Boolean(row.must_change_password),
    phone: row.phone,
  }
}

/**
 * Writes a user's name card as a `users` reference row of their community with a new revision, so that the
 * community's phones pull it; an admin belongs to no community and has none. Disabling rewrites the card
 * unchanged: the name stays on the records the account made.
 */
async function writeCard(trx: Tx, userId: string, at: string): Promise<void> {
  const last = await lockCounter(trx)
  const user = await trx
    .selectFrom('users')
    .select(['id', 'display_name', 'role', 'community_id', 'disabled'])
    .where('id', '=', userId)
    .executeTakeFirstOrThrow()
  if (user.community_id === null) return
  const card = UserCard.parse({ id: user.id, communityId: user.community_id, displayName: user.display_name, role: user.role, active: !user.disabled })
  const rev = last + 1
  await upsertRecords(trx, [{ table: 'users', id: user.id, communityId: user.community_id, buildingId: null, createdBy: null, rev, deletedAt: null, data: card, fieldRevs: {} }], at)
  await advanceCounter(trx, rev)
}


/** The record a mutation names, as a records-table key; template.publish names its template separately. */
function target(mutation: Mutation): { table: PullTable; id: string } | undefined {
  switch (mutation.kind) {
    case 'put':
    case 'delete':
      return { table: mutation.table, id: mutation.recordId }
    case 'issue.status':
    case 'issue.comment':
    case 'issue.assign':
    case 'issue.resubmit':
      return { table: 'issues', id: mutation.recordId }
    case 'template.publish':
      return undefined
  }
}

const ROSTER_TABLES = ['grids', 'buildings', 'households', 'residents'] as const

/** A community's roster as stored, through the domain schemas (which fill the fields older records lack). */
async function loadRoster(db: Kysely<Database> | Tx, communityId: string): Promise<RosterState> {
  const rows = await db
    .selectFrom('records')
    .select(['table_name', 'data'])
    .where('community_id', '=', communityId)
    .where('table_name', 'in', [...ROSTER_TABLES])
    .where('deleted_at', 'is', null)
    .orderBy('rev')
    .execute()
  const state: RosterState = { grids: [], buildings: [], households: [], residents: [] }
  for (const row of rows) {
    const data: unknown = JSON.parse(row.data)
    if (row.table_name === 'grids') state.grids.push(REFERENCE_SCHEMAS.grids.parse(data))
    else if (row.table_name === 'buildings') state.buildings.push(REFERENCE_SCHEMAS.buildings.parse(data))
    else if (row.table_name === 'households') state.households.push(REFERENCE_SCHEMAS.households.parse(data))
    else if (row.table_name === 'residents') state.residents.push(REFERENCE_SCHEMAS.residents.parse(data))
  }
  return state
}

/** Locks the counter row until the transaction ends and returns the last revision handed out. */
async function lockCounter(trx: Tx): Promise<number> {
  const row = await trx.updateTable('counter').set((eb) => ({ value: eb('value', '+', 0) })).where('id', '=', 1).returning('value').executeTakeFirstOrThrow()
  return Number(row.value)
}

/** The last revision committed, without locking. */
async function counterValue(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('counter').select('value').where('id', '=', 1).executeTakeFirstOrThrow()
  return Number(row.value)
}

async function advanceCounter(trx: Tx, value: number): Promise<void> {
  await trx.updateTable('counter').set({ value }).where('id', '=', 1).execute()
}

/**
 * Rows of one shape for one table. On a clash of keys, `upsert` replaces the row of the same key (these
 * columns); without it the row stored stays (`attachment_refs`) or the insert fails.
 */
interface RowWrite {
  table: 'records' | 'mutations' | 'attachment_refs'
  rows: Array<Record<string, unknown>>
  upsert?: string[]
}

/** Bound parameters in one statement: under PostgreSQL's limit of 65,535. */
const MAX_PARAMETERS = 30_000

/**
 * Writes rows to their tables, in order, CHUNK rows an insert. A push passes how its engine writes fastest:
 * SQLite its `prepare`, each row one statement prepared once and reused, as fast as better-sqlite3 alone (a
 * many-row statement would be parsed afresh each time and binds no faster); PostgreSQL `'together'`, the inserts
 * in as few statements as the parameters allow, all but the last as data-modifying CTEs of the last, since each
 * statement is a round trip and a push's records, photo references and answers then go in one. Other writes (a
 * roster, reference rows) run an insert a statement, which both engines take (SQLite has no INSERT in WITH). The
 * columns are the rows' own keys, so that a column added where rows are made (`encodeRecord`) is written by all.
 */
async function writeRows(trx: Tx, writes: RowWrite[], how: Prepare | 'together' | 'apart'): Promise<void> {
  const inserts: Array<{ parameters: number; insert: (db: QueryCreator<Database>) => { execute(): Promise<unknown> } }> = []
  for (const { table, rows, upsert } of writes) {
    if (rows.length === 0) continue
    const columns = Object.keys(rows[0]!)
    const replaced = columns.filter((c) => !upsert?.includes(c))
    if (typeof how === 'function') {
      const conflict = !upsert ? (table === 'attachment_refs' ? ' on conflict do nothing' : '') : ` on conflict (${upsert.join(', ')}) do update set ${replaced.map((c) => `${c} = excluded.${c}`).join(', ')}`
      const statement = how(`insert into ${table} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})${conflict}`)
      for (const row of rows) statement.run(...columns.map((c) => row[c]))
      continue
    }
    // The columns are known at run time only, which Kysely's types cannot follow: the rows are typed where made.
    const set = Object.fromEntries(replaced.map((c) => [c, sql.ref(`excluded.${c}`)]))
    for (const part of chunks(rows)) {
      inserts.push({
        parameters: part.length * columns.length,
        insert: (db) => {
          const insert = db.insertInto(table).values(part as never)
          if (upsert) return insert.onConflict((oc) => oc.columns(upsert as never).doUpdateSet(set as never))
          return table === 'attachment_refs' ? insert.onConflict((oc) => oc.doNothing()) : insert
        },
      })
    }
  }
  while (inserts.length > 0) {
    let parameters = inserts[0]!.parameters
    let count = 1
    while (how === 'together' && count < inserts.length && parameters + inserts[count]!.parameters <= MAX_PARAMETERS) parameters += inserts[count++]!.parameters
    const together = inserts.splice(0, count)
    const last = together.pop()!
    let db: QueryCreator<Database> = trx
    // PostgreSQL runs a statement's data-modifying CTEs all, each on its own rows.
    together.forEach(({ insert }, i) => (db = db.with(`w${i}`, (cte) => insert(cte) as never) as never))
    await last.insert(db).execute()
  }
}

/** The rows that store these records and the photos they keep. */
function recordWrites(records: StoredRecord[], at: string): RowWrite[] {
  const refs = records.flatMap((r) => keptPhotos(r.data).map((sha256) => ({ sha256, table_name: r.table, record_id: r.id })))
  const unique = [...new Map(refs.map((ref) => [`${ref.sha256}/${key(ref.table_name, ref.record_id)}`, ref])).values()]
  return [
    { table: 'records', rows: records.map((r) => encodeRecord(r, at)), upsert: ['table_name', 'id'] },
    { table: 'attachment_refs', rows: unique },
  ]
}

async function upsertRecords(trx: Tx, records: StoredRecord[], at: string): Promise<void> {
  await writeRows(trx, recordWrites(records, at), 'apart')
}

/** Every photo a stored record keeps: its own, and those of values that lost a conflict, which its leader may still choose. */
function keptPhotos(data: Record<string, unknown>): string[] {
  const lost = Array.isArray(data.conflicts) ? (data.conflicts as FieldConflict[]) : []
  return [...photosOf(data), ...lost.flatMap((conflict) => photosOf({ [conflict.field]: conflict.value }))]
}

/**
 * The stored records of these keys, whatever their tables, CHUNK keys a statement (each statement is a round
 * trip on PostgreSQL).
 */
async function loadRecords(trx: Tx, targets: Array<{ table: PullTable; id: string }>): Promise<Map<string, StoredRecord>> {
  const found = new Map<string, StoredRecord>()
  await loadMissing(trx, targets, found, new Set())
  return found
}

/** Adds to `found` the stored records of the keys not in `read` yet, and adds those keys to `read`. */
async function loadMissing(db: Kysely<Database>, targets: Array<{ table: PullTable; id: string }>, found: Map<string, StoredRecord>, read: Set<string>): Promise<void> {
  const missing = [...new Map(targets.map((t) => [key(t.table, t.id), t])).entries()].filter(([k]) => !read.has(k))
  missing.forEach(([k]) => read.add(k))
  for (const part of chunks(missing.map(([, t]) => t))) {
    const idsByTable = new Map<PullTable, string[]>()
    for (const t of part) idsByTable.set(t.table, [...(idsByTable.get(t.table) ?? []), t.id])
    const rows = await db
      .selectFrom('records')
      .selectAll()
      .where((eb) => eb.or([...idsByTable].map(([table, ids]) => eb.and([eb('table_name', '=', table), eb('id', 'in', ids)]))))
      .execute()
    for (const row of rows) found.set(key(row.table_name, row.id), decodeRecord(row))
  }
}

/** The households and residents a put names, as records-table keys, from these fields. */
function placeKeys(data: Record<string, unknown>): Array<{ table: 'households' | 'residents'; id: string }> {
  const named = namedPlaces(data)
  return [...named.households.map((id) => ({ table: 'households' as const, id })), ...named.residents.map((id) => ({ table: 'residents' as const, id }))]
}

/**
 * Where the households and residents named by a batch's puts (or by the records they edit) are stored. The
 * places a put's own fields name were loaded with the batch's records (`readBatch`); only those named by the
 * records edited alone are looked up here, into `records`.
 */
async function loadPlaces(db: Kysely<Database>, mutations: Mutation[], records: Map<string, StoredRecord>, read: Set<string>): Promise<Places> {
  const named = mutations.flatMap((mutation) => (mutation.kind === 'put' ? placeKeys({ ...records.get(key(mutation.table, mutation.recordId))?.data, ...mutation.fields }) : []))
  await loadMissing(db, named, records, read)
  const buildingOfHousehold = new Map<string, string>()
  const entranceOfHousehold = new Map<string, string>()
  const householdOfResident = new Map<string, string>()
  for (const { table, id } of named) {
    const record = records.get(key(table, id))
    if (!record || record.deletedAt) continue
    if (record.table === 'households' && record.buildingId) {
      buildingOfHousehold.set(record.id, record.buildingId)
      entranceOfHousehold.set(record.id, String(record.data.entrance ?? ''))
    }
    if (record.table === 'residents') householdOfResident.set(record.id, String(record.data.householdId))
  }
  return { buildingOfHousehold, entranceOfHousehold, householdOfResident }
}

/** The canvass a new canvass answer names, as a records-table key (see `canvassRefusal` in ../sync/apply). */
function answeredCanvass(mutation: Mutation): { table: 'canvasses'; id: string } | undefined {
  if (mutation.kind !== 'put' || mutation.table !== 'canvassAnswers' || typeof mutation.fields.canvassId !== 'string') return undefined
  return { table: 'canvasses', id: mutation.fields.canvassId }
}

/** The pairing a mentor's note names (a stored note keeps its own, which a put cannot change). */
function notedPairing(mutation: Mutation, records: ReadonlyMap<string, StoredRecord>): string | undefined {
  if ((mutation.kind !== 'put' && mutation.kind !== 'delete') || mutation.table !== 'mentorNotes') return undefined
  const stored = records.get(key(mutation.table, mutation.recordId))?.data.mentorshipId
  const named = stored ?? (mutation.kind === 'put' ? mutation.fields.mentorshipId : undefined)
  return typeof named === 'string' ? named : undefined
}

/** What the key of every version of a template starts with: the key of version 0 less its number. */
function templatePrefix(communityId: string, templateId: string): string {
  return templateKey(communityId, templateId, 0).slice(0, -1)
}

/** The newest version of each template id that the community has (another community's of the same id are theirs). */
async function loadNewestTemplates(db: Kysely<Database>, communityId: string, templateIds: string[]): Promise<Map<string, StoredRecord>> {
  const newest = new Map<string, StoredRecord>()
  for (const templateId of new Set(templateIds)) {
    const prefix = templatePrefix(communityId, templateId)
    const pattern = `${prefix.replace(/[!%_]/g, '!$&')}%`
    const rows = await db
      .selectFrom('records')
      .selectAll()
      .where('table_name', '=', 'templates')
      .where('community_id', '=', communityId)
      .where(sql<boolean>`id like ${pattern} escape '!'`)
      .execute()
    for (const record of rows.map(decodeRecord)) {
      // The pattern also matches a template whose own id continues after an `@`.
      if (record.data.id !== templateId) continue
      const seen = newest.get(templateId)
      if (!seen || Number(record.data.version) > Number(seen.data.version)) newest.set(templateId, record)
    }
  }
  return newest
}

/** The template version key an inspection's data names, if any. */
function templateVersionKey(principal: MemberPrincipal, data: Record<string, unknown>): { table: 'templates'; id: string } | undefined {
  return typeof data.templateId === 'string' && typeof data.templateVersion === 'number'
    ? { table: 'templates', id: templateKey(principal.communityId, data.templateId, data.templateVersion) }
    : undefined
}

/** The template versions a batch's inspections name, of the caller's community only (by key), by `templateRowId`; looked up into `records` as `loadPlaces` does. */
async function loadTemplateVersions(
  db: Kysely<Database>,
  principal: MemberPrincipal,
  mutations: Mutation[],
  records: Map<string, StoredRecord>,
  read: Set<string>,
): Promise<Map<string, ChecklistTemplate>> {
  const ids = mutations.flatMap((mutation) => {
    if (mutation.kind !== 'put' || mutation.table !== 'inspections') return []
    return templateVersionKey(principal, { ...records.get(key(mutation.table, mutation.recordId))?.data, ...mutation.fields }) ?? []
  })
  await loadMissing(db, ids, records, read)
  const versions = new Map<string, ChecklistTemplate>()
  for (const { table, id } of ids) {
    const record = records.get(key(table, id))
    const template = record?.data as ChecklistTemplate
    if (record && !record.deletedAt) versions.set(templateRowId(template.id, template.version), template)
  }
  return versions
}

/**
 * Of these hashes, those the principal may read: those they uploaded, and those named by a record they can
 * see (stored or not yet). Few records name one photo, so the rows are read and the one scope rule decides.
 */
async function readableAttachments(db: Kysely<Database> | Tx, principal: Principal, hashes: string[]): Promise<Set<string>> {
  const readable = new Set<string>()
  for (const part of chunks([...new Set(hashes)])) {
    const uploaded = await db
      .selectFrom('attachment_uploads')
      .select('sha256')
      .where('user_id', '=', principal.userId)
      .where('sha256', 'in', part)
      .execute()
    uploaded.forEach((row) => readable.add(row.sha256))
    // An admin of no community sees no community's records, so only what it uploaded itself.
    if (principal.communityId === null) continue
    const named = await db
      .selectFrom('attachment_refs as a')
      .innerJoin('records as r', (join) => join.onRef('r.table_name', '=', 'a.table_name').onRef('r.id', '=', 'a.record_id'))
      .select(['a.sha256', 'r.community_id as communityId', 'r.building_id as buildingId'])
      .where('a.sha256', 'in', part)
      .where('r.community_id', '=', principal.communityId)
      .execute()
    for (const row of named) if (canSee(principal, row)) readable.add(row.sha256)
  }
  return readable
}

/**
 * The photos named by a batch's puts that the principal may name: those they may read, and those the server
 * does not have (naming them reveals nothing; they show as missing until uploaded).
 */
async function loadNamablePhotos(db: Kysely<Database>, principal: MemberPrincipal, hashes: string[]): Promise<Set<string>> {
  const namable = await readableAttachments(db, principal, hashes)
  const stored = await storedAttachments(db, hashes)
  for (const sha256 of hashes) if (!stored.has(sha256)) namable.add(sha256)
  return namable
}

/** The photos a batch's puts name, each once. */
function photosNamed(mutations: Mutation[]): string[] {
  return [...new Set(mutations.flatMap((m) => (m.kind === 'put' ? photosOf(m.fields) : [])))]
}

/** Of these hashes, those whose bytes the server has. */
async function storedAttachments(db: Kysely<Database> | Tx, hashes: string[]): Promise<Set<string>> {
  const stored = new Set<string>()
  for (const part of chunks([...new Set(hashes)])) {
    const rows = await db.selectFrom('attachments').select('sha256').where('sha256', 'in', part).execute()
    rows.forEach((row) => stored.add(row.sha256))
  }
  return stored
}

/** What a push read to decide its batch; `keys` are the records keys it looked up, found or not. */
interface BatchReads {
  /** The last revision committed, when asked for (`readBatch`). */
  counter: number | undefined
  answered: ReadonlyMap<string, MutationResult>
  /** The mutation ids not answered before. */
  fresh: string[]
  records: ReadonlyMap<string, StoredRecord>
  templates: ReadonlyMap<string, StoredRecord>
  places: Places
  templateVersions: Map<string, ChecklistTemplate>
  namablePhotos: Set<string>
  unnamablePhotos: boolean
  assignees: Map<string, Pick<UserRecord, 'role' | 'communityId' | 'disabled'>>
  /** The pairings mentors' notes name, with their mentees' buildings. */
  pairings: Awaited<ReturnType<typeof mentorships.loadPairings>>
  keys: Set<string>
  /** Prefixes of the template keys whose newest version a publish read. */
  templatePrefixes: string[]
}

/**
 * The answers stored for these mutation ids; with `withCounter`, also the last revision committed, read in the
 * same statement as the first ids (a round trip less on PostgreSQL): every read of the batch is then at least
 * as new as that revision, as push_batch's check needs.
 */
async function loadAnswered(db: Kysely<Database>, ids: string[], withCounter: boolean): Promise<{ answered: Map<string, MutationResult>; counter: number | undefined }> {
  const answered = new Map<string, MutationResult>()
  const parts = chunks(ids)
  let counter: number | undefined
  const found = (rows: Array<{ mutation_id: string | null; result: string | null }>) => {
    for (const row of rows) if (row.mutation_id !== null && row.result !== null) answered.set(row.mutation_id, MutationResult.parse(JSON.parse(row.result)))
  }
  if (withCounter) {
    const first = parts.shift()
    if (first) {
      const rows = await db
        .selectFrom('counter')
        .leftJoin('mutations', (join) => join.on('mutations.mutation_id', 'in', first))
        .select(['counter.value', 'mutations.mutation_id', 'mutations.result'])
        .where('counter.id', '=', 1)
        .execute()
      counter = Number(rows[0]!.value)
      found(rows)
    } else counter = await counterValue(db)
  }
  for (const part of parts) found(await db.selectFrom('mutations').select(['mutation_id', 'result']).where('mutation_id', 'in', part).execute())
  return { answered, counter }
}

/**
 * Everything stored that a batch's mutations depend on, in a few queries for the whole batch; with
 * `withCounter`, also the last revision committed (`counter`), read before the rest.
 */
async function readBatch(db: Kysely<Database>, principal: MemberPrincipal, parsed: Array<Extract<IncomingMutation, { ok: true }>>, withCounter = false): Promise<BatchReads> {
  const { answered, counter } = await loadAnswered(db, [...new Set(parsed.map((m) => m.mutation.mutationId))], withCounter)
  const fresh = parsed.filter((m) => !answered.has(m.mutation.mutationId)).map((m) => m.mutation)
  const keys = new Set<string>()
  // One statement for the records the batch names and, from its puts' own fields, their places and template
  // versions: only an edit whose stored record names others needs more (loadPlaces, loadTemplateVersions).
  const named = fresh.flatMap((m) => [
    ...[target(m), answeredCanvass(m), notedSubject(m)].filter((t) => t !== undefined),
    ...(m.kind === 'put' ? placeKeys(m.fields) : []),
    ...(m.kind === 'put' && m.table === 'inspections' ? [templateVersionKey(principal, m.fields)].filter((t) => t !== undefined) : []),
  ])
  const records = new Map<string, StoredRecord>()
  await loadMissing(db, named, records, keys)
  const published = fresh.flatMap((m) => (m.kind === 'template.publish' ? [m.template.id] : []))
  const templates = await loadNewestTemplates(db, principal.communityId, published)
  const places = await loadPlaces(db, fresh, records, keys)
  const templateVersions = await loadTemplateVersions(db, principal, fresh, records, keys)
  const hashes = photosNamed(fresh)
  const namablePhotos = await loadNamablePhotos(db, principal, hashes)
  const assigneeIds = fresh.flatMap((m) => (m.kind === 'issue.assign' && m.assignee !== null ? [m.assignee] : []))
  // An assignee's name card is rewritten whenever the account changes.
  assigneeIds.forEach((id) => keys.add(key('users', id)))
  return {
    counter,
    answered,
    fresh: fresh.map((m) => m.mutationId),
    records,
    templates,
    places,
    templateVersions,
    namablePhotos,
    unnamablePhotos: hashes.some((sha256) => !namablePhotos.has(sha256)),
    assignees: await loadAssignees(db, assigneeIds),
    pairings: await mentorships.loadPairings(db, fresh.flatMap((m) => notedPairing(m, records) ?? [])),
    keys,
    templatePrefixes: published.map((id) => templatePrefix(principal.communityId, id)),
  }
}

interface DecidedBatch {
  results: MutationResult[]
  writes: StoredRecord[]
  recorded: Array<{ mutationId: string; deviceSeq: number; result: MutationResult }>
  /** The last revision the writes take (`last` when none). */
  rev: number
}

/** The batch's answers and writes, numbering its changes after `last`; pure, so that it can run again on the same reads. */
function decideBatch(principal: MemberPrincipal, mutations: IncomingMutation[], reads: BatchReads, last: number, now: Date): DecidedBatch {
  const answered = new Map(reads.answered)
  const records = new Map(reads.records)
  const templates = new Map(reads.templates)
  let rev = last
  const writes = new Map<string, StoredRecord>()
  const recorded: DecidedBatch['recorded'] = []
  const results = mutations.map((incoming): MutationResult => {
    if (!incoming.ok) return { mutationId: incoming.mutationId, status: 'rejected', code: 'invalid', message: incoming.message }
    const { mutation } = incoming
    const prior = answered.get(mutation.mutationId)
    if (prior) return answerAgain(prior)
    const named = target(mutation)
    const current =
      mutation.kind === 'template.publish'
        ? templates.get(mutation.template.id)
        : named && records.get(key(named.table, named.id))
    const assignee = mutation.kind === 'issue.assign' && mutation.assignee ? reads.assignees.get(mutation.assignee) : undefined
    const namedCanvass = answeredCanvass(mutation)
    const pairingId = notedPairing(mutation, records)
    const subject = notedSubject(mutation)
    const { result, write } = applyMutation({
      principal,
      mutation,
      current,
      assignee,
      rev: rev + 1,
      now,
      places: reads.places,
      templates: reads.templateVersions,
      namablePhotos: reads.namablePhotos,
      canvass: namedCanvass && records.get(key(namedCanvass.table, namedCanvass.id)),
      mentoring: pairingId === undefined ? undefined : { pairing: undefined, menteeBuildings: new Set(), ...reads.pairings.get(pairingId), subject: subject && records.get(key(subject.table, subject.id)) },
    })
    if (write) {
      rev = write.rev
      // Whose exact echo wrote the row, for pull to leave out (StoredRecord.echoOf); any other write clears it.
      // applyMutation makes each write afresh, so it is marked in place.
      write.echoOf = result.status === 'applied' && result.stamps ? principal.deviceId : null
      writes.set(key(write.table, write.id), write)
      if (mutation.kind === 'template.publish') templates.set(mutation.template.id, write)
      else records.set(key(write.table, write.id), write)
    }
    answered.set(mutation.mutationId, result)
    recorded.push({ mutationId: mutation.mutationId, deviceSeq: incoming.deviceSeq, result })
    return result
  })
  return { results, writes: [...writes.values()], recorded, rev }
}

/** The rows that keep a batch's answers, so that a retry of its mutations is answered as they were. */
function answerRows(principal: MemberPrincipal, batch: DecidedBatch, now: Date): RowWrite {
  const rows = batch.recorded.map((r) => ({
    mutation_id: r.mutationId,
    device_id: principal.deviceId,
    user_id: principal.userId,
    device_seq: r.deviceSeq,
    result: JSON.stringify(r.result),
    created_at: now.toISOString(),
  }))
  return { table: 'mutations', rows }
}

/** How often a PostgreSQL push reads and decides unlocked before it takes the lock first (see `#pushUnlocked`). */
const UNLOCKED_ATTEMPTS = 3

export class KyselyStorage implements Storage {
  readonly #db: Kysely<Database>
  readonly #blobs: BlobStore | 'inline'
  /**
   * One writer at a time (SQLite): a push takes the counter's lock before it reads, since it would wait for
   * the other writers anyway; reading first would only risk a write that SQLite cannot start on an old snapshot.
   */
  readonly #oneWriter: boolean
  readonly #writer: Kysely<Database>
  /** PostgreSQL: the revision the counter stands at once the pushes sent to `#writer` are written. */
  #counterAfter = 0
  /** PostgreSQL: how many pushes were sent to `#writer`; only the answer to the last one sent may set `#counterAfter` back. */
  #sent = 0
  /** How a push writes its rows fastest on this engine (see `writeRows`); SQLite runs no INSERT inside WITH. */
  readonly #pushWrites: Prepare | 'together' | 'apart'

  constructor(options: KyselyStorageOptions) {
    this.#db = options.db
    this.#blobs = options.blobs
    this.#oneWriter = field.isSqlite(options.db)
    this.#writer = options.writer ?? options.db
    this.#pushWrites = options.prepare ?? (field.isSqlite(options.db) ? 'apart' : 'together')
  }

  async migrate(): Promise<void> {
    await migrateToLatest(this.#db)
  }

  async close(): Promise<void> {
    if (this.#writer !== this.#db) await this.#writer.destroy()
    await this.#db.destroy()
  }

  async isEmpty(): Promise<boolean> {
    const users = await this.#db.selectFrom('users').select('id').limit(1).execute()
    const counter = await this.#db.selectFrom('counter').select('value').where('id', '=', 1).executeTakeFirstOrThrow()
    return users.length === 0 && Number(counter.value) === 0
  }

  async #buildingsOf(userId: string): Promise<string[]> {
    const rows = await this.#db
      .selectFrom('user_buildings')
      .select('building_id')
      .where('user_id', '=', userId)
      .orderBy('building_id')
      .execute()
    return rows.map((row) => row.building_id)
  }

  async createUser(user: NewUser): Promise<UserRecord> {
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .insertInto('users')
        .values({
          id: user.id,
          username: user.username,
          display_name: user.displayName,
          role: user.role,
          community_id: user.communityId,
          password_hash: user.passwordHash,
          disabled: 0,
          must_change_password: user.mustChangePassword ? 1 : 0,
          phone: user.phone ?? null,
        })
        .execute()
      await insertBuildings(trx, user.id, user.buildingIds)
      await writeCard(trx, user.id, new Date().toISOString())
    })
    const created = await this.getUser(user.id)
    if (!created) throw new Error(`User ${user.id} vanished while being created`)
    return created
  }

  async findUserByUsername(username: string): Promise<(UserRecord & { passwordHash: string }) | undefined> {
    const row = await this.#db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst()
    if (!row) return undefined
    return { ...toUser(row, await this.#buildingsOf(row.id)), passwordHash: row.password_hash }
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    const row = await this.#db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row) return undefined
    return toUser(row, await this.#buildingsOf(row.id))
  }

  async listUsers(communityId: string): Promise<UserRecord[]> {
    const rows = await this.#db.selectFrom('users').selectAll().where('community_id', '=', communityId).orderBy('username').execute()
    const buildings = new Map<string, string[]>()
    for (const part of chunks(rows.map((row) => row.id))) {
      const links = await this.#db.selectFrom('user_buildings').selectAll().where('user_id', 'in', part).orderBy('building_id').execute()
      for (const link of links) buildings.set(link.user_id, [...(buildings.get(link.user_id) ?? []), link.building_id])
    }
    return rows.map((row) => toUser(row, buildings.get(row.id) ?? []))
  }

  async countUsers(): Promise<Map<string, number>> {
    const rows = await this.#db
      .selectFrom('users')
      .select(['community_id', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('community_id', 'is not', null)
      .groupBy('community_id')
      .execute()
    return new Map(rows.map((row) => [row.community_id!, Number(row.n)]))
  }

  async passwordHashOf(userId: string): Promise<string | undefined> {
    const row = await this.#db.selectFrom('users').select('password_hash').where('id', '=', userId).executeTakeFirst()
    return row?.password_hash
  }

  async updateUser(id: string, change: UserChange): Promise<void> {
    const set = {
      ...(change.displayName !== undefined && { display_name: change.displayName }),
      ...(change.disabled !== undefined && { disabled: change.disabled ? 1 : 0 }),
      ...(change.phone !== undefined && { phone: change.phone }),
      ...(change.password && { password_hash: change.password.hash, must_change_password: change.password.mustChange ? 1 : 0 }),
    }
    if (Object.keys(set).length === 0) return
    await this.#db.transaction().execute(async (trx) => {
      await trx.updateTable('users').set(set).where('id', '=', id).execute()
      // A password is nothing the phones need to know of.
      if (change.displayName !== undefined || change.disabled !== undefined) await writeCard(trx, id, new Date().toISOString())
      // Someone who leaves neither mentors nor is mentored: their pairings end with the account, under the counter's
      // lock as any ending (endMentorship), so that no mentor's copy or note outlives it.
      if (change.disabled) {
        await lockCounter(trx)
        await mentorships.endMentorshipsOf(trx, id, new Date().toISOString(), change.by ?? id)
      }
    })
  }

  async assignBuildings(userId: string, buildingIds: string[]): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      await trx.deleteFrom('user_buildings').where('user_id', '=', userId).execute()
      await insertBuildings(trx, userId, buildingIds)
    })
  }

  async createDevice(device: { id: string; userId: string; name: string; tokenHash: string; at: string }): Promise<DeviceRecord & { recoveryKey: string }> {
    const recoveryKey = newRecoveryKey()
    await this.#db
      .insertInto('devices')
      .values({ id: device.id, user_id: device.userId, name: device.name, token_hash: device.tokenHash, created_at: device.at, recovery_key: recoveryKey })
      .execute()
    return { id: device.id, userId: device.userId, name: device.name, createdAt: device.at, lastSeenAt: null, revokedAt: null, recoveryKey }
  }

  async findDeviceByTokenHash(
    tokenHash: string,
  ): Promise<{ device: DeviceRecord & { tokenHash: string }; user: UserRecord } | undefined> {
    const row = await this.#db.selectFrom('devices').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst()
    if (!row) return undefined
    const user = await this.getUser(row.user_id)
    if (!user) return undefined
    return { device: { ...toDevice(row), tokenHash: row.token_hash }, user }
  }

  async getDevice(deviceId: string): Promise<DeviceRecord | undefined> {
    const row = await this.#db.selectFrom('devices').selectAll().where('id', '=', deviceId).executeTakeFirst()
    return row && toDevice(row)
  }

  async listDevices(userId: string): Promise<DeviceRecord[]> {
    const rows = await this.#db.selectFrom('devices').selectAll().where('user_id', '=', userId).orderBy('created_at').execute()
    return rows.map(toDevice)
  }

  async revokeDevice(deviceId: string, at: string): Promise<void> {
    // The first revocation's time stands.
    await this.#db.updateTable('devices').set({ revoked_at: at }).where('id', '=', deviceId).where('revoked_at', 'is', null).execute()
  }

  async touchDevice(deviceId: string, at: string): Promise<void> {
    await this.#db.updateTable('devices').set({ last_seen_at: at }).where('id', '=', deviceId).execute()
  }

  async devicesWithRecords(userId: string, name: string): Promise<DeviceWithRecords[]> {
    const counts = await this.#db
      .selectFrom('devices as d')
      .innerJoin('records as r', 'r.device_id', 'd.id')
      .select(['d.id', 'r.table_name', (eb) => eb.fn.countAll<number | string>().as('n')])
      .where('d.user_id', '=', userId)
      .where('d.name', '=', name)
      .where('d.revoked_at', 'is', null)
      .where('r.created_by', '=', userId)
      .where('r.table_name', 'in', RECORD_TABLES)
      .where('r.deleted_at', 'is', null)
      .groupBy(['d.id', 'r.table_name'])
      .execute()
    const byDevice = new Map<string, Record<RecordTable, number>>()
    for (const row of counts) {
      const records = byDevice.get(row.id) ?? (Object.fromEntries(RECORD_TABLES.map((table) => [table, 0])) as Record<RecordTable, number>)
      // PostgreSQL counts in bigint, which arrives as a string.
      records[row.table_name as RecordTable] = Number(row.n)
      byDevice.set(row.id, records)
    }
    const devices = await this.listDevices(userId)
    return devices.flatMap((device) => {
      const records = byDevice.get(device.id)
      return records ? [{ ...device, records }] : []
    })
  }

  async getCommunity(id: string): Promise<Community | undefined> {
    const row = await this.#db
      .selectFrom('records')
      .select('data')
      .where('table_name', '=', 'communities')
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst()
    return row ? Community.parse(JSON.parse(row.data)) : undefined
  }

  async listCommunities(): Promise<Community[]> {
    const rows = await this.#db.selectFrom('records').select('data').where('table_name', '=', 'communities').where('deleted_at', 'is', null).orderBy('rev').execute()
    return rows.map((row) => Community.parse(JSON.parse(row.data)))
  }

  async listReference(communityId: string, table: ReferenceTable): Promise<ReferenceRows> {
    const rows = await this.#db
      .selectFrom('records')
      .select('data')
      .where('table_name', '=', table)
      .where('community_id', '=', communityId)
      .where('deleted_at', 'is', null)
      .orderBy('rev')
      .execute()
    return rows.map((row) => JSON.parse(row.data) as ReferenceRows[number])
  }

  async putReference(communityId: string, table: ReferenceTable, records: Array<Record<string, unknown> & { id: string }>): Promise<void> {
    if (records.length === 0) return
    const parsed = records.map((record) => REFERENCE_SCHEMAS[table].parse(record) as Record<string, unknown> & { id: string })
    for (const record of parsed) {
      const owner = table === 'communities' ? record.id : (record.communityId ?? communityId)
      if (owner !== communityId) throw new Error(`${table} ${record.id} belongs to community ${String(owner)}, not ${communityId}`)
    }
    const at = new Date().toISOString()
    await this.#db.transaction().execute(async (trx) => {
      const last = await lockCounter(trx)
      // A resident's building is its household's.
      const households =
        table === 'residents'
          ? await loadRecords(trx, parsed.map((r) => ({ table: 'households', id: String(r.householdId) })))
          : new Map<string, StoredRecord>()
      const rows = parsed.map((record, i): StoredRecord => {
        const rev = last + i + 1
        let id = record.id
        let buildingId: string | null = null
        if (table === 'buildings') buildingId = record.id
        if (table === 'households') buildingId = String(record.buildingId)
        if (table === 'residents') {
          const household = households.get(key('households', String(record.householdId)))
          if (!household) throw new Error(`Resident ${record.id} names household ${String(record.householdId)}, which is not stored`)
          buildingId = household.buildingId
        }
        if (table === 'templates') id = templateKey(communityId, record.id, Number(record.version))
        return { table, id, communityId, buildingId, createdBy: null, rev, deletedAt: null, data: record, fieldRevs: {} }
      })
      await upsertRecords(trx, rows, at)
      await advanceCounter(trx, last + rows.length)
    })
  }

  async updateReference<T extends Record<string, unknown> & { id: string }>(
    communityId: string,
    table: 'campaigns' | 'communities',
    id: string,
    change: (current: T | undefined) => T,
  ): Promise<T> {
    return this.#db.transaction().execute(async (trx) => {
      const last = await lockCounter(trx)
      const stored = (await loadRecords(trx, [{ table, id }])).get(key(table, id))
      const current = stored && !stored.deletedAt && stored.communityId === communityId ? (stored.data as T) : undefined
      const next = REFERENCE_SCHEMAS[table].parse(change(current)) as unknown as T
      if (next.id !== id) throw new Error(`${table} ${id} cannot become ${next.id}`)
      const row: StoredRecord = { table, id, communityId, buildingId: null, createdBy: null, rev: last + 1, deletedAt: null, data: next, fieldRevs: {} }
      await upsertRecords(trx, [row], new Date().toISOString())
      await advanceCounter(trx, last + 1)
      return next
    })
  }

  async roster(communityId: string): Promise<RosterState> {
    return loadRoster(this.#db, communityId)
  }

  async importRoster(communityId: string, entries: RosterEntry[], at: string): Promise<RosterCounts> {
    return this.#db.transaction().execute(async (trx) => {
      // The counter first: a second import waits, then plans against what this one wrote.
      const last = await lockCounter(trx)
      const state = await loadRoster(trx, communityId)
      const { writes, counts } = planRoster(communityId, state, entries, { at, newId: () => uuidv7(Date.parse(at)) })
      // Checked as loadRoster reads them: a record it would refuse is never written (the import rolls back).
      const rows = writes.map(
        (w, i): StoredRecord => ({
          table: w.table,
          id: w.record.id,
          communityId,
          buildingId: w.buildingId,
          createdBy: null,
          rev: last + i + 1,
          deletedAt: null,
          data: REFERENCE_SCHEMAS[w.table].parse(w.record),
          fieldRevs: {},
        }),
      )
      await upsertRecords(trx, rows, at)
      if (rows.length) await advanceCounter(trx, last + rows.length)
      return counts
    })
  }

  async push(principal: MemberPrincipal, mutations: IncomingMutation[], now: Date): Promise<MutationResult[]> {
    const parsed = mutations.flatMap((m) => (m.ok ? [m] : []))
    if (!this.#oneWriter) {
      const written = await this.#pushUnlocked(principal, mutations, parsed, now)
      if (written) return written
    }
    // Lock first, then read and decide: SQLite's one writer, and a PostgreSQL batch that others kept changing.
    return this.#db.transaction().execute(async (trx) => {
      const last = await lockCounter(trx)
      const batch = decideBatch(principal, mutations, await readBatch(trx, principal, parsed), last, now)
      await writeRows(trx, [...recordWrites(batch.writes, now.toISOString()), answerRows(principal, batch, now)], this.#pushWrites)
      if (batch.rev !== last) await advanceCounter(trx, batch.rev)
      return batch.results
    })
  }

  /**
   * PostgreSQL: reads and decides the batch unlocked, from what is committed, numbering its changes after the
   * revision the counter will stand at when its turn comes (`#counterAfter`); the procedure `push_batch` then
   * checks under the counter's lock that what it read still holds and writes and commits it, in one round trip.
   * Undefined when it did not hold after a few tries: the batch is then written lock-first.
   */
  async #pushUnlocked(principal: MemberPrincipal, mutations: IncomingMutation[], parsed: Array<Extract<IncomingMutation, { ok: true }>>, now: Date): Promise<MutationResult[] | undefined> {
    const at = now.toISOString()
    for (let attempt = 0; attempt < UNLOCKED_ATTEMPTS; attempt++) {
      const reads = await this.#db.connection().execute((db) => readBatch(db, principal, parsed, true))
      const seen = reads.counter!
      const expected = Math.max(seen, this.#counterAfter)
      const batch = decideBatch(principal, mutations, reads, expected, now)
      // The pushes after this one number their changes after its own: `#writer` runs them in this order.
      this.#counterAfter = batch.rev
      const ticket = ++this.#sent
      const [records, refs] = recordWrites(batch.writes, at).map((write) => JSON.stringify(write.rows))
      const keys = [...reads.keys].map((k) => k.split(KEY_SEPARATOR))
      const lasting = [...reads.pairings.values()].filter(({ pairing }) => pairing.endedAt === null).map(({ pairing }) => pairing.id)
      const { rows } = await sql<{ written: boolean; counter_value: number }>`call push_batch(${seen}, ${expected}, ${batch.rev - expected},
        ${reads.fresh}, ${keys.map(([table]) => table)}, ${keys.map(([, id]) => id)}, ${reads.templatePrefixes}, ${reads.unnamablePhotos}, ${lasting},
        ${records}, ${refs}, ${JSON.stringify(answerRows(principal, batch, now).rows)})`.execute(this.#writer)
      if (rows[0]!.written) return batch.results
      // Others wrote what it read, or took revisions this process did not foresee: the pushes decided from here
      // on number after where the counter stood. Not when pushes were sent since: they number after this one's
      // guess, fail the same way, and the last of them sets it (an older answer would undercut a push about to commit).
      if (ticket === this.#sent) this.#counterAfter = rows[0]!.counter_value
    }
    return undefined
  }

  async pull(principal: Principal, afterRev: number, limit: number, skipEchoes = false): Promise<PullPage> {
    const changes: Change[] = []
    let lastRev = afterRev
    let bytes = 0
    // The caller's echoes are read past, not sent: the page goes on until it has its changes or the rows run
    // out (a page of echoes alone would read as the end to a device), and ends at the last row read.
    for (;;) {
      const rows = await this.#pullRows(principal, lastRev, limit + 1, skipEchoes)
      for (const row of rows) {
        if (changes.length === limit) return { changes, lastRev, hasMore: true }
        if (row.data === null) {
          lastRev = Number(row.rev)
          continue
        }
        bytes += Buffer.byteLength(row.data)
        // A page ends before the byte cap but never empty: a lone record over it would hold the cursor forever.
        // It ends at a revision, like the row limit, so the cursor means the same.
        if (changes.length > 0 && bytes > PULL_MAX_BYTES) return { changes, lastRev, hasMore: true }
        const id = row.table_name === 'templates' ? templateWireId(row.id) : row.id
        changes.push({ table: row.table_name, id, rev: Number(row.rev), record: JSON.parse(row.data) as Record<string, unknown> })
        lastRev = Number(row.rev)
      }
      if (rows.length <= limit) return { changes, lastRev, hasMore: false }
    }
  }

  /**
   * The rows after `afterRev` the principal may see, oldest first; with `skipEchoes`, the caller device's
   * echoes without their data (null), which is never read only to be dropped.
   */
  #pullRows(principal: Principal, afterRev: number, limit: number, skipEchoes: boolean) {
    const data = skipEchoes ? sql<string | null>`case when echo_device = ${principal.deviceId} then null else data end` : sql<string | null>`data`
    return this.#db
      .selectFrom('records')
      .select(['table_name', 'id', 'rev', data.as('data')])
      .where('rev', '>', afterRev)
      .where((eb) => (principal.communityId === null ? eb('table_name', '=', 'communities') : eb('community_id', '=', principal.communityId)))
      .$if(principal.role === 'leader', (q) =>
        q.where((eb) =>
          principal.buildingIds.length === 0
            ? eb('building_id', 'is', null)
            : eb.or([eb('building_id', 'is', null), eb('building_id', 'in', principal.buildingIds)]),
        ),
      )
      .$if(principal.role === 'leader', (q) => q.where((eb) => eb.or([eb('for_user', 'is', null), eb('for_user', '=', principal.userId)])))
      .orderBy('rev')
      .limit(limit)
      .execute()
  }

  async hasAttachment(sha256: string): Promise<boolean> {
    const row = await this.#db.selectFrom('attachments').select('sha256').where('sha256', '=', sha256).executeTakeFirst()
    return row !== undefined
  }

  async putAttachment(meta: AttachmentMeta, bytes: Buffer, uploadedBy: string, at: string): Promise<boolean> {
    const created = !(await this.hasAttachment(meta.sha256))
    const inline = this.#blobs === 'inline'
    // The bytes are stored before the row that announces them, so that a row never names missing bytes.
    if (created && this.#blobs !== 'inline') await this.#blobs.write(meta.sha256, bytes)
    await this.#db.transaction().execute(async (trx) => {
      if (created) {
        await trx
          .insertInto('attachments')
          .values({ ...meta, content: inline ? bytes : null, created_at: at, uploaded_by: uploadedBy })
          .onConflict((oc) => oc.column('sha256').doNothing())
          .execute()
      }
      await trx
        .insertInto('attachment_uploads')
        .values({ sha256: meta.sha256, user_id: uploadedBy, created_at: at })
        // The newest upload is what the sweep ages a photo by.
        .onConflict((oc) => oc.columns(['sha256', 'user_id']).doUpdateSet((eb) => ({ created_at: eb.ref('excluded.created_at') })))
        .execute()
    })
    return created
  }

  async getAttachment(sha256: string): Promise<{ meta: AttachmentMeta; bytes: Buffer } | undefined> {
    const row = await this.#db.selectFrom('attachments').selectAll().where('sha256', '=', sha256).executeTakeFirst()
    if (!row) return undefined
    const bytes = this.#blobs === 'inline' ? row.content : await this.#blobs.read(sha256)
    if (!bytes) return undefined
    const meta = AttachmentMeta.parse({ sha256: row.sha256, type: row.type, bytes: row.bytes, width: row.width, height: row.height })
    return { meta, bytes: Buffer.from(bytes) }
  }

  async canReadAttachment(principal: Principal, sha256: string): Promise<boolean> {
    return (await readableAttachments(this.#db, principal, [sha256])).has(sha256)
  }

  async readableStoredAttachments(principal: Principal, hashes: string[]): Promise<Set<string>> {
    const [readable, stored] = await Promise.all([readableAttachments(this.#db, principal, hashes), storedAttachments(this.#db, hashes)])
    return new Set([...readable].filter((sha256) => stored.has(sha256)))
  }

  async unreferencedUploadBytes(userId: string): Promise<number> {
    const row = await this.#db
      .selectFrom('attachments as a')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number | string>('a.bytes'), eb.lit(0)).as('total'))
      .where('a.uploaded_by', '=', userId)
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('attachment_refs as r').select('r.sha256').whereRef('r.sha256', '=', 'a.sha256'))),
      )
      .executeTakeFirstOrThrow()
    // PostgreSQL's sum of integers is a numeric, which arrives as a string.
    return Number(row.total)
  }

  /**
   * The rows go first, in one statement that checks again that no record names them, and the bytes after:
   * a push that names a photo while the sweep runs either commits first (the photo stays) or finds the row
   * gone, never a row whose bytes were removed. A push that names the photo a moment after the delete leaves
   * a record naming a missing photo, which the device uploads again (it asks again in every sync run).
   * A photo is as old as its newest upload: bytes a phone sent again today are kept a day from today.
   */
  async sweepUnreferencedAttachments(before: string): Promise<{ count: number; bytes: number }> {
    const removed = await this.#db
      // No alias: SQLite's RETURNING takes bare column names only.
      .deleteFrom('attachments')
      .where('created_at', '<', before)
      .where(({ not, exists, selectFrom, and }) =>
        and([
          not(exists(selectFrom('attachment_refs as r').select('r.sha256').whereRef('r.sha256', '=', 'attachments.sha256'))),
          not(
            exists(
              selectFrom('attachment_uploads as u').select('u.sha256').whereRef('u.sha256', '=', 'attachments.sha256').where('u.created_at', '>=', before),
            ),
          ),
        ]),
      )
      .returning(['sha256', 'bytes'])
      .execute()
    // Whoever uploaded a swept photo uploaded nothing that is still here: none of them may name it any more.
    for (const part of chunks(removed.map((row) => row.sha256))) await this.#db.deleteFrom('attachment_uploads').where('sha256', 'in', part).execute()
    const blobs = this.#blobs
    // Bytes uploaded again since the delete are the new row's: they stay.
    if (blobs !== 'inline') for (const { sha256 } of removed) if (!(await this.hasAttachment(sha256))) await blobs.remove(sha256)
    return { count: removed.length, bytes: removed.reduce((sum, row) => sum + Number(row.bytes), 0) }
  }

  // ── Sign-in throttle: see sign-in-throttle.ts ──
  throttleState(key: string) {
    return signInThrottle.throttleState(this.#db, key)
  }

  swapThrottleState(key: string, expected: ThrottleState | undefined, next: ThrottleState) {
    return signInThrottle.swapThrottleState(this.#db, key, expected, next)
  }

  async clearRateLimit(key: string): Promise<void> {
    await this.#db.deleteFrom('rate_limits').where('limit_key', '=', key).execute()
  }

  async dropEndedRateLimits(now: number): Promise<void> {
    await this.#db.deleteFrom('rate_limits').where('resets_at', '<=', now).execute()
  }

  // ── Field overview: see field-storage.ts ──
  visitsByHousehold(communityId: string, before: string, month: InstantSpan) {
    return field.visitsByHousehold(this.#db, communityId, before, month)
  }
  followUpRows(communityId: string, before: string) {
    return field.followUpRows(this.#db, communityId, before)
  }
  monthVisitCounts(communityId: string, month: InstantSpan) {
    return field.monthVisitCounts(this.#db, communityId, month)
  }
  monthIssueCounts(communityId: string, month: InstantSpan) {
    return field.monthIssueCounts(this.#db, communityId, month)
  }
  monthIssueTimelines(communityId: string, month: InstantSpan) {
    return field.monthIssueTimelines(this.#db, communityId, month)
  }
  monthInspectionCounts(communityId: string, month: InstantSpan) {
    return field.monthInspectionCounts(this.#db, communityId, month)
  }
  monthFailedItems(communityId: string, month: InstantSpan) {
    return field.monthFailedItems(this.#db, communityId, month)
  }
  // ── end of field overview ──
  // ---- device health (issue 8, ./device-health.ts) ----
  reportDeviceHealth(deviceId: string, health: DeviceHealth, at: string): Promise<void> {
    return reportDeviceHealth(this.#db, deviceId, health, at)
  }

  communityDevices(communityId: string): Promise<CommunityDevice[]> {
    return communityDevices(this.#db, communityId)
  }
  // ---- end of device health ----
  // ── Inspection campaigns (campaign-storage.ts) ──
  async getCampaign(id: string): Promise<Campaign | undefined> {
    return campaigns.getCampaign(this.#db, id)
  }

  async campaignInspections(communityId: string, campaignIds: string[]): Promise<Inspection[]> {
    return campaigns.campaignInspections(this.#db, communityId, campaignIds)
  }

  async issuesFromInspections(communityId: string, inspectionIds: string[]): Promise<IssueReport[]> {
    return campaigns.issuesFromInspections(this.#db, communityId, inspectionIds)
  }
  // ── end of inspection campaigns ──
  // --- File exports (issue 8) ---
  async recordsPage(communityId: string, table: RecordTable, buildingId: string | null, within: (Partial<InstantSpan> & { field: string }) | null, afterRev: number, limit: number) {
    return recordsPage(this.#db, communityId, table, buildingId, within, afterRev, limit)
  }
  // --- end of file exports ---
  // ---- device revocation (issue 10, ./device-revocation.ts) ----
  revokeDeviceAs(deviceId: string, mode: DeviceRevocation, at: string): Promise<void> {
    return revokeDeviceAs(this.#db, deviceId, mode, at)
  }

  deviceRevocations(userId: string): Promise<Map<string, DeviceRevocation>> {
    return deviceRevocations(this.#db, userId)
  }
  // ---- end of device revocation ----
  // ---- device recovery key (issue 10, ./device-recovery.ts) ----
  recoveryKeyOf(deviceId: string): Promise<string | undefined> {
    return recoveryKeyOf(this.#db, deviceId)
  }
  // ---- end of device recovery key ----
  // ---- audit (issue 10, ./audit.ts) ----
  recordAudit(event: audit.NewAuditEvent): Promise<void> {
    return audit.recordAudit(this.#db, event)
  }

  setAuditRows(id: string, rows: number): Promise<void> {
    return audit.setAuditRows(this.#db, id, rows)
  }

  async auditEvents(filter: audit.AuditFilter): Promise<AuditPage> {
    const communities = new Map((await this.listCommunities()).map((c) => [c.id, c.name]))
    return audit.auditEvents(this.#db, filter, communities)
  }
  // ---- end of audit ----
  // ---- consent canvass (issue 11, ./canvass-storage.ts) ----
  getCanvass(id: string): Promise<{ communityId: string; canvass: Canvass } | undefined> {
    return canvasses.getCanvass(this.#db, id)
  }

  listCanvasses(communityId: string): Promise<Canvass[]> {
    return canvasses.listCanvasses(this.#db, communityId)
  }

  canvassAnswers(communityId: string, canvassIds: string[], buildingId: string | null): Promise<CanvassAnswer[]> {
    return canvasses.canvassAnswers(this.#db, communityId, canvassIds, buildingId)
  }

  async writeCanvass(communityId: string, id: string, deviceId: string, change: (current: Canvass | undefined) => Canvass): Promise<Canvass> {
    return this.#db.transaction().execute(async (trx) => {
      const last = await lockCounter(trx)
      const stored = (await loadRecords(trx, [{ table: 'canvasses', id }])).get(key('canvasses', id))
      const current = stored && !stored.deletedAt && stored.communityId === communityId ? Canvass.parse(stored.data) : undefined
      if (stored && !current) throw new Error(`canvass ${id} is not one of community ${communityId}`)
      const rev = last + 1
      const next = Canvass.parse({ ...change(current), rev })
      // Each field changed here is this device's change, as a push would record it, for conflict detection.
      const fieldRevs: FieldRevs = { ...stored?.fieldRevs }
      for (const [field, value] of Object.entries(next)) if (!isDeepStrictEqual(value, stored?.data[field])) fieldRevs[field] = { rev, device: deviceId }
      const row: StoredRecord = { table: 'canvasses', id, communityId, buildingId: next.buildingId, createdBy: next.createdBy, rev, deletedAt: null, data: next, fieldRevs }
      await upsertRecords(trx, [row], next.updatedAt)
      await advanceCounter(trx, rev)
      return next
    })
  }
  // ---- end of consent canvass ----
  // ---- canvass answer links (issue 11, ./canvass-link-storage.ts) ----
  createCanvassLink(link: NewCanvassLink): Promise<void> {
    return canvassLinks.createCanvassLink(this.#db, link)
  }

  canvassLinks(canvassId: string): Promise<CanvassLinkRecord[]> {
    return canvassLinks.canvassLinks(this.#db, canvassId)
  }

  canvassLink(id: string): Promise<CanvassLinkRecord | undefined> {
    return canvassLinks.canvassLink(this.#db, id)
  }

  canvassLinkByTokenHash(tokenHash: string): Promise<CanvassLinkRecord | undefined> {
    return canvassLinks.canvassLinkByTokenHash(this.#db, tokenHash)
  }

  revokeCanvassLink(id: string, at: string): Promise<boolean> {
    return canvassLinks.revokeCanvassLink(this.#db, id, at)
  }

  markCanvassLinkUsed(id: string, at: string): Promise<void> {
    return canvassLinks.markCanvassLinkUsed(this.#db, id, at)
  }

  storedRow(table: PullTable, id: string): Promise<StoredRow | undefined> {
    return canvassLinks.storedRow(this.#db, table, id)
  }
  // ---- end of canvass answer links ----
  // ---- mentorships, 老带新 (issue 11, ./mentorship-storage.ts) ----
  listMentorships(communityId: string): Promise<MentorshipRow[]> {
    return mentorships.listMentorships(this.#db, communityId)
  }

  getMentorship(id: string): Promise<Mentorship | undefined> {
    return mentorships.getMentorship(this.#db, id)
  }

  activeMentorships(of: { communityId: string } | { mentorId: string }): Promise<Mentorship[]> {
    return mentorships.activeMentorships(this.#db, of)
  }

  createMentorship(pairing: Mentorship): Promise<boolean> {
    return mentorships.createMentorship(this.#db, pairing)
  }

  endMentorship(id: string, at: string, by: string): Promise<Mentorship | undefined> {
    return this.#db.transaction().execute(async (trx) => {
      await lockCounter(trx)
      return mentorships.endMentorship(trx, id, at, by)
    })
  }

  buildingRecords(communityId: string, buildingIds: string[], tables: PullTable[]): Promise<Array<{ table: PullTable; data: Record<string, unknown> }>> {
    return mentorships.buildingRecords(this.#db, communityId, buildingIds, tables)
  }
  // ---- end of mentorships ----
  // ---- periodic jobs: see job-leases.ts ----
  claimJob(job: string, now: number, until: number): Promise<boolean> {
    return claimJob(this.#db, job, now, until)
  }
  // ---- end of periodic jobs ----
  // ---- database epoch (issue 12, ./database-epoch.ts) ----
  #epoch: { value: Promise<string>; until: number } | undefined
  databaseEpoch(): Promise<string> {
    // Read again after EPOCH_KEPT_MS: a server left running through a PostgreSQL restore (`admin restored`) would
    // otherwise answer the old epoch for good, and send every phone round its whole history again and again.
    // A failed read is not kept: it would fail every later request too.
    if (!this.#epoch || this.#epoch.until < Date.now()) {
      const value = readEpoch(this.#db).catch((error: unknown) => {
        this.#epoch = undefined
        throw error
      })
      this.#epoch = { value, until: Date.now() + EPOCH_KEPT_MS }
    }
    return this.#epoch.value
  }
  async renewDatabaseEpoch(): Promise<string> {
    const epoch = await renewEpoch(this.#db)
    this.#epoch = { value: Promise.resolve(epoch), until: Date.now() + EPOCH_KEPT_MS }
    return epoch
  }
  // ---- end of database epoch ----

  // ---- photos moved into object storage (issue 12, ./photo-move.ts) ----
  attachmentHashes(after: string, limit: number): Promise<string[]> {
    return photoMove.attachmentHashes(this.#db, after, limit)
  }

  dropInlineContent(hashes: string[]): Promise<void> {
    return photoMove.dropInlineContent(this.#db, hashes)
  }
  // ---- end of photos moved into object storage ----
}

async function insertBuildings(trx: Tx, userId: string, buildingIds: string[]): Promise<void> {
  const unique = [...new Set(buildingIds)]
  for (const part of chunks(unique)) {
    await trx
      .insertInto('user_buildings')
      .values(part.map((buildingId) => ({ user_id: userId, building_id: buildingId })))
      .execute()
  }
}

/** What issue.assign needs to know of the users a batch names as assignees. */
async function loadAssignees(db: Kysely<Database>, ids: string[]): Promise<Map<string, Pick<UserRecord, 'role' | 'communityId' | 'disabled'>>> {
  const users = new Map<string, Pick<UserRecord, 'role' | 'communityId' | 'disabled'>>()
  for (const part of chunks([...new Set(ids)])) {
    const rows = await db.selectFrom('users').select(['id', 'role', 'community_id', 'disabled']).where('id', 'in', part).execute()
    for (const row of rows) users.set(row.id, { role: row.role, communityId: row.community_id, disabled: Boolean(row.disabled) })
  }
  return users
}

function toDevice(row: Selectable<Database['devices']>): DeviceRecord {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    revokedAt: row.revoked_at,
  }
}
