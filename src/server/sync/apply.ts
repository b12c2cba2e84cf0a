import { isDeepStrictEqual } from 'node:util'
import type { z } from 'zod'
import {
  CANVASS_FIXED_FIELDS,
  IssueReport,
  LEADER_FIELDS,
  MENTOR_NOTE_FIXED_FIELDS,
  RECORD_SCHEMAS,
  addComment,
  answersRefusal,
  mayBeAssigned,
  newReportState,
  partyHouseholds,
  sessionsRefusal,
  noteRequired,
  photosOf,
  reporterMayEdit,
  resubmit,
  answerRefusal,
  templateRowId,
  transition,
  type Canvass,
  type CanvassAnswerFields,
  type CanvassFields,
  type ChecklistTemplate,
  type InspectionFields,
  type MediationFields,
  type Mentorship,
  type MentorNoteFields,
  type MentorNoteSubject,
  type FieldConflict,
  type IssueMutation,
  type Mutation,
  type MutationResult,
  type PullTable,
  type RecordTable,
  type RejectCode,
} from '@/domain'
import type { MemberPrincipal, Principal, UserRecord } from '../storage/types'

/**
 * The apply rules of push, as pure code: given who is asking, one parsed mutation, the stored record it
 * names and the time, decide the record's next state or refuse. Storage runs this inside the push
 * transaction and persists what it returns; nothing here reads a clock or a database.
 *
 * Conflicts are decided per field. The server remembers, for each field, the revision and the device of
 * its last change. A put based on an older revision than that change, carrying a different value, loses
 * the field: the stored value stays and the losing one joins the record's `conflicts`, so nothing is
 * dropped silently. Two exceptions keep this from crying wolf:
 * - a device never conflicts with itself: its mutations arrive in its own order (the outbox), so a later
 *   one is always newer than its earlier ones, even though offline edits all carry the same stale base;
 * - a put whose value equals the stored one is agreement, not a conflict.
 * Conflicts on a field are settled by a put of that field from someone who had seen them (a base at or
 * after the revision that last changed the conflicts list); a stale put never clears what it never saw.
 */

/** Per field: the revision and the device of its last change. `conflicts` is tracked like any field. */
export type FieldRevs = Record<string, { rev: number; device: string }>

/** A row of the records table, decoded. */
export interface StoredRecord {
  table: PullTable
  id: string
  communityId: string
  /** Null for community-wide reference rows (communities, grids, templates). */
  buildingId: string | null
  createdBy: string | null
  rev: number
  deletedAt: string | null
  data: Record<string, unknown>
  fieldRevs: FieldRevs
  /**
   * The device whose exact echo (see `echoStamps`) wrote this revision, and so holds it as stored; null or
   * absent otherwise. Storage sets it on every write from the answer: a copy spread from the record before is never kept.
   */
  echoOf?: string | null
}

/**
 * A template version's key on the server's records table. Template ids are the office's own slugs, so two
 * communities may well both call theirs `t-fire`: the key carries the community, so that neither clashes
 * with nor finds out about the other's. The community is URI-encoded, so the first `/` ends it whatever
 * either id holds (`a/b` + `c` never meets `a` + `b/c`). The wire keeps `templateRowId`: a caller only ever
 * sees their own community's.
 */
export function templateKey(communityId: string, templateId: string, version: number): string {
  return `${encodeURIComponent(communityId)}/${templateRowId(templateId, version)}`
}

/** A template key as the wire has it: without its community. */
export function templateWireId(key: string): string {
  return key.slice(key.indexOf('/') + 1)
}

export interface ApplyInput {
  principal: MemberPrincipal
  mutation: Mutation
  /** The stored record the mutation names; for `template.publish`, the newest version of that template the caller's community has. */
  current: StoredRecord | undefined
  /** For `issue.assign` to someone: that user, if they exist. */
  assignee?: Pick<UserRecord, 'role' | 'communityId' | 'disabled'>
  /** The revision this mutation's change gets if it changes anything. */
  rev: number
  now: Date
  /** Where the households and residents the record names really are (see `placementRefusal`). */
  places?: Places
  /** The caller's community's template versions an inspection names, by `templateRowId`. */
  templates?: ReadonlyMap<string, ChecklistTemplate>
  /** The photos named by the batch that the caller may name (see `photoRefusal`); none when absent. */
  namablePhotos?: ReadonlySet<string>
  /** For a new canvass answer: the stored canvass it names, if any (see `canvassRefusal`). */
  canvass?: StoredRecord
  /** For a mentor's note: what the push loaded of the pairing it names and of its subject (see `mentorNoteRefusal`). */
  mentoring?: Mentoring
}

/** A mentor's note's pairing, if it exists, with its mentee's buildings now, and for a new note its subject's stored record. */
export interface Mentoring {
  pairing: Mentorship | undefined
  menteeBuildings: ReadonlySet<string>
  subject?: StoredRecord | undefined
}

/** Stored reference data the push loads for the records it changes: household → building and stairwell, resident → household. */
export interface Places {
  buildingOfHousehold: ReadonlyMap<string, string>
  entranceOfHousehold: ReadonlyMap<string, string>
  householdOfResident: ReadonlyMap<string, string>
}

export interface Applied {
  result: MutationResult
  /** The record after the mutation, when the mutation changed it. */
  write?: StoredRecord
}

/**
 * Stamped by the server (updatedAt on every change, createdAt when the phone's clock was off, see
 * `createdAtOnArrival`); a put may carry the device's value, which gives way: a record the server has not yet
 * acknowledged goes whole with every change, the phone's createdAt included.
 */
const SERVER_STAMPED = new Set(['updatedAt', 'createdAt'])
/** The record schema's bound on kept conflicts; beyond it the oldest go first. */
const MAX_CONFLICTS = 50

/**
 * How far from the server's time a device's `createdAt` is believed. Phones stay offline for days, so the
 * past reaches far; a time in the future is a wrong clock. Outside the window the server stamps its own
 * time rather than refusing: a cheap phone's wrong clock must never cost a leader the record.
 */
export const CREATED_AT_PAST_MS = 90 * 24 * 60 * 60 * 1000
export const CREATED_AT_FUTURE_MS = 10 * 60 * 1000

/**
 * The `createdAt` a new record is stored with: the device's when believable, else the server's time. A replay
 * (after a restore) sends the time the server stamped before, however old: only the future is a wrong clock.
 */
export function createdAtOnArrival(sent: unknown, now: Date, replay = false): string {
  const at = typeof sent === 'string' ? Date.parse(sent) : Number.NaN
  const believable = (replay || at >= now.getTime() - CREATED_AT_PAST_MS) && at <= now.getTime() + CREATED_AT_FUTURE_MS
  return believable ? String(sent) : now.toISOString()
}

/** Whether the principal may see a stored record: their community, and for a leader only their buildings' rows. */
export function canSee(principal: Principal, record: Pick<StoredRecord, 'communityId' | 'buildingId'>): boolean {
  if (record.communityId !== principal.communityId) return false
  return principal.role !== 'leader' || record.buildingId === null || principal.buildingIds.includes(record.buildingId)
}

/** Decides what one mutation does to the record it names. */
export function applyMutation(input: ApplyInput): Applied {
  const { mutation } = input
  switch (mutation.kind) {
    case 'put':
      return input.current ? edit(input, mutation, input.current) : create(input, mutation)
    case 'delete':
      return remove(input, mutation)
    case 'issue.status':
    case 'issue.comment':
    case 'issue.assign':
    case 'issue.resubmit':
      return issueEvent(input, mutation)
    case 'template.publish':
      return publish(input, mutation)
  }
}

type PutMutation = Extract<Mutation, { kind: 'put' }>
type DeleteMutation = Extract<Mutation, { kind: 'delete' }>
type PublishMutation = Extract<Mutation, { kind: 'template.publish' }>

/**
 * Whether two JSON values are equal. A push compares every field of every record it writes, and most are
 * strings, numbers, null or lists of strings (topics, residents, photos), compared at once: node's deep
 * comparison is kept for the rest.
 */
function equalJson(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return false
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((value, i) => value === b[i])) return true
  return isDeepStrictEqual(a, b)
}

function rejected(mutation: Mutation, code: RejectCode, message: string): Applied {
  return { result: { mutationId: mutation.mutationId, status: 'rejected', code, message } }
}

function describeError(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.map(String).join('.') || 'record'}: ${issue.message}`)
    .join('; ')
}

/** Why the principal may not put or delete this record, or null when they may. */
function leaderWriteRefusal(principal: Principal, current: StoredRecord): string | null {
  if (current.table === 'mentorNotes') return principal.role === 'leader' && current.createdBy === principal.userId ? null : 'Only the mentor who wrote a note changes it'
  if (principal.role !== 'leader') return 'Only the leader who reported a record changes it'
  if (!canSee(principal, current) || current.buildingId === null) return 'The record is in a building not assigned to you'
  if (current.createdBy !== principal.userId) return 'Only the leader who reported a record changes it'
  return null
}

/**
 * Why a record's household or residents do not fit its building, or null. A leader may only file a record
 * about a household of the building it is filed under, or the office would read about the wrong door.
 */
function placementRefusal(record: { buildingId: string; householdId?: string | null; residentIds?: string[] }, places: Places | undefined): string | null {
  if (!record.householdId) return null
  if (places?.buildingOfHousehold.get(record.householdId) !== record.buildingId) return 'The household is not in this building'
  const strangers = (record.residentIds ?? []).filter((id) => places.householdOfResident.get(id) !== record.householdId)
  return strangers.length ? 'A resident named does not live in this household' : null
}

/**
 * Why a record may not name one of its new photos, or null. A photo goes only on records of those who uploaded
 * it or who can already see a record naming it: naming a hash must not open another building's photo. A hash
 * the server does not have reveals nothing, and a photo the server refused to store must not cost the record,
 * so storage counts those as namable (they show as missing).
 */
function photoRefusal(record: Record<string, unknown>, before: Record<string, unknown> | undefined, namable: ReadonlySet<string> | undefined): string | null {
  const had = new Set(before ? photosOf(before) : [])
  const foreign = photosOf(record).find((sha256) => !had.has(sha256) && !namable?.has(sha256))
  return foreign === undefined ? null : `Photo ${foreign} is not yours to use`
}

/** Why an inspection does not fit its template version, or null (visits and reports have no template). */
function templateRefusal(table: RecordTable, record: Record<string, unknown>, templates: ApplyInput['templates']): string | null {
  if (table !== 'inspections') return null
  // Parsed with the inspection schema already.
  const inspection = record as InspectionFields
  return answersRefusal(inspection, templates?.get(templateRowId(inspection.templateId, inspection.templateVersion)))
}

/** Why a put or delete's base is not a revision the record had, or null. A base from the future would skip conflict detection. */
function baseRefusal(baseRev: number | null, current: StoredRecord): string | null {
  return baseRev !== null && baseRev > current.rev ? `Revision ${baseRev} is newer than the record's ${current.rev}` : null
}

/**
 * Why a new canvass or canvass answer does not fit what it names, and the code to refuse it with; null when it
 * fits. A canvass puts to the vote only households of its building (and of its stairwell, when it names one),
 * or the office would count the wrong doors. An answer answers a canvass its leader can see, of the same
 * building, about a household that canvass asks, and before it closed: an answer made offline after the
 * canvass closed would change figures already settled, so it is `locked` out.
 */
function canvassRefusal(table: RecordTable, record: Record<string, unknown>, input: ApplyInput): { code: RejectCode; message: string } | null {
  if (table === 'canvasses') {
    // Parsed with the canvass schema already.
    const { buildingId, entrance, households } = record as CanvassFields
    const places = input.places
    const stranger = households.find(
      ({ householdId }) => places?.buildingOfHousehold.get(householdId) !== buildingId || (entrance !== '' && places.entranceOfHousehold.get(householdId) !== entrance),
    )
    return stranger ? { code: 'invalid', message: `Household ${stranger.householdId} is not in this building${entrance ? ' and stairwell' : ''}` } : null
  }
  if (table !== 'canvassAnswers') return null
  const answer = record as CanvassAnswerFields
  const stored = input.canvass
  // A canvass outside the caller's scope does not exist for them.
  if (!stored || stored.deletedAt || !canSee(input.principal, stored)) return { code: 'not_found', message: 'No such canvass' }
  switch (answerRefusal(stored.data as Canvass, answer)) {
    case 'otherBuilding':
      return { code: 'invalid', message: 'The canvass is of another building' }
    case 'notAsked':
      return { code: 'invalid', message: 'The canvass does not ask this household' }
    case 'closed':
      return { code: 'locked', message: 'The canvass closed before this answer was given' }
    case null:
      return null
  }
}

/**
 * Why a mediation case does not fit, or null: its parties' households are of its building (the case is about a
 * quarrel there, and only that building's leaders see it), and an edit keeps every session it had, adding only
 * after them (sessionsRefusal), so that what was said at a sitting is never rewritten or lost.
 */
function mediationRefusal(table: RecordTable, record: Record<string, unknown>, before: Record<string, unknown> | undefined, places: Places | undefined): string | null {
  if (table !== 'mediations') return null
  // Parsed with the mediation schema already; a stored case was too.
  const { buildingId, parties, sessions } = record as MediationFields
  const stranger = partyHouseholds(parties).find((id) => places?.buildingOfHousehold.get(id) !== buildingId)
  if (stranger) return `Household ${stranger} is not in this building`
  return before && sessionsRefusal((before as MediationFields).sessions, sessions) ? 'A session once kept is never changed or removed: add a new one' : null
}

/** The record table a mentor's note's subject is stored in. */
const SUBJECT_TABLES = { visit: 'visits', household: 'households', issue: 'issues' } as const satisfies Record<MentorNoteSubject['kind'], PullTable>

/** The stored record a mentor's note is about, as a records-table key; undefined for anything but a note's put. */
export function notedSubject(mutation: Mutation): { table: PullTable; id: string } | undefined {
  if (mutation.kind !== 'put' || mutation.table !== 'mentorNotes') return undefined
  const subject = mutation.fields.subject as Partial<MentorNoteSubject> | undefined
  const table = subject && typeof subject.id === 'string' && Object.hasOwn(SUBJECT_TABLES, String(subject.kind)) ? SUBJECT_TABLES[subject.kind!] : undefined
  return table && { table, id: subject!.id! }
}

/**
 * Why a mentor may not write this note, and the code to refuse it with; null when they may. A mentor writes
 * only through a pairing of theirs that lasts, only in a building their mentee leads now (the note is pulled
 * by that building's leaders), and a new note only about a visit, household or report of that building. The
 * pairing outside the caller's reach does not tell them whether it exists (`forbidden` either way); an ended
 * one is `locked`, as the device must drop what it could not send in time rather than retry it.
 */
function mentorNoteRefusal(principal: MemberPrincipal, note: MentorNoteFields, mentoring: Mentoring | undefined, isNew: boolean): { code: RejectCode; message: string } | null {
  const pairing = mentoring?.pairing
  if (!pairing || pairing.communityId !== principal.communityId || pairing.mentorId !== principal.userId || pairing.id !== note.mentorshipId) {
    return { code: 'forbidden', message: 'You are not the mentor of this pairing' }
  }
  if (pairing.endedAt !== null) return { code: 'locked', message: 'The office has ended the pairing' }
  if (!mentoring.menteeBuildings.has(note.buildingId)) return { code: 'forbidden', message: 'The building is not one your mentee leads' }
  if (!isNew) return null
  const subject = mentoring.subject
  const fits = subject && !subject.deletedAt && subject.table === SUBJECT_TABLES[note.subject.kind] && subject.id === note.subject.id && subject.buildingId === note.buildingId
  return fits ? null : { code: 'invalid', message: `The ${note.subject.kind} is not in this building` }
}

/**
 * Fields a leader sets on a new record and can never change after (`immutable_field`), beyond those the
 * office and the server own.
 */
const FIXED_AFTER_CREATION: Partial<Record<RecordTable, ReadonlySet<string>>> = {
  canvasses: CANVASS_FIXED_FIELDS,
  mentorNotes: MENTOR_NOTE_FIXED_FIELDS,
}

/**
 * Answers are never edited (src/domain/canvass.ts): a household asked again gets a new answer and the earlier
 * stays its history, so a put on a stored answer or its delete is refused as a whole. `locked` is the code
 * for a record its leader can no longer change at all (a report the office has taken on); `immutable_field`
 * would tell the phone that one field is the office's, and `forbidden` that the record is not theirs.
 */
function appendOnly(current: StoredRecord): boolean {
  return current.table === 'canvassAnswers'
}

/** The households and residents a record names, for loading their places before a push applies. */
export function namedPlaces(data: Record<string, unknown>): { households: string[]; residents: string[] } {
  const household = typeof data.householdId === 'string' ? [data.householdId] : []
  // A canvass names every household it asks, a mediation case its parties'.
  const listed = [data.households, data.parties].flatMap((list) => (Array.isArray(list) ? (list as unknown[]) : []))
  const asked = listed.flatMap((h) => (h && typeof h === 'object' && typeof (h as { householdId?: unknown }).householdId === 'string' ? [(h as { householdId: string }).householdId] : []))
  const residents = Array.isArray(data.residentIds) ? data.residentIds.filter((id): id is string => typeof id === 'string') : []
  return { households: [...household, ...asked], residents }
}

function unknownField(table: RecordTable, fields: Record<string, unknown>): string | undefined {
  const shape = RECORD_SCHEMAS[table].shape
  return Object.keys(fields).find((field) => !Object.hasOwn(shape, field))
}

function create(input: ApplyInput, mutation: PutMutation): Applied {
  const { principal, rev } = input
  if (principal.role !== 'leader') return rejected(mutation, 'forbidden', 'Only leaders create records through sync')
  const unknown = unknownField(mutation.table, mutation.fields)
  if (unknown) return rejected(mutation, 'invalid', `Unknown field ${unknown}`)
  const at = input.now.toISOString()
  // The device's own copy of server-owned fields gives way to the server's.
  const officeFields = mutation.table === 'issues' ? newReportState() : {}
  const draft = {
    ...mutation.fields,
    createdAt: createdAtOnArrival(mutation.fields.createdAt, input.now, mutation.replay),
    ...officeFields,
    id: mutation.recordId,
    updatedAt: at,
    createdBy: principal.userId,
    deviceId: principal.deviceId,
    rev,
    deletedAt: null,
    conflicts: [],
  }
  const parsed = RECORD_SCHEMAS[mutation.table].safeParse(draft)
  if (!parsed.success) return rejected(mutation, 'invalid', describeError(parsed.error))
  const data: Record<string, unknown> = parsed.data
  const buildingId = parsed.data.buildingId
  // A mentor writes in their mentee's buildings, not their own.
  const mentor = mutation.table === 'mentorNotes' ? mentorNoteRefusal(principal, data as MentorNoteFields, input.mentoring, true) : null
  if (mentor) return rejected(mutation, mentor.code, mentor.message)
  if (mutation.table !== 'mentorNotes' && !principal.buildingIds.includes(buildingId)) return rejected(mutation, 'forbidden', 'The building is not assigned to you')
  const misplaced = placementRefusal(parsed.data, input.places) ?? templateRefusal(mutation.table, data, input.templates) ?? mediationRefusal(mutation.table, data, undefined, input.places)
  if (misplaced) return rejected(mutation, 'invalid', misplaced)
  const unfit = canvassRefusal(mutation.table, data, input)
  if (unfit) return rejected(mutation, unfit.code, unfit.message)
  const foreign = photoRefusal(data, undefined, input.namablePhotos)
  if (foreign) return rejected(mutation, 'forbidden', foreign)
  // Every field has the same stamp, shared: a later change replaces a field's stamp, never alters it.
  const stamp = { rev, device: principal.deviceId }
  const fieldRevs: FieldRevs = {}
  for (const field of Object.keys(data)) fieldRevs[field] = stamp
  const write: StoredRecord = {
    table: mutation.table,
    id: mutation.recordId,
    communityId: principal.communityId,
    buildingId,
    createdBy: principal.userId,
    rev,
    deletedAt: null,
    data,
    fieldRevs,
  }
  return { result: { mutationId: mutation.mutationId, status: 'applied', rev, stamps: echoStamps(data, mutation.fields) }, write }
}

function edit(input: ApplyInput, mutation: PutMutation, current: StoredRecord): Applied {
  const { principal, rev } = input
  const refusal = leaderWriteRefusal(principal, current)
  if (refusal) return rejected(mutation, 'forbidden', refusal)
  if (current.deletedAt) return rejected(mutation, 'deleted', 'The record has been deleted')
  // Before the locks: a replay of what the server has is done already, whatever the office did with it since.
  if (mutation.replay && storedAlready(mutation, current)) {
    return { result: { mutationId: mutation.mutationId, status: 'applied', rev: current.rev, stamps: echoStamps(current.data, mutation.fields) } }
  }
  const future = baseRefusal(mutation.baseRev, current)
  if (future) return rejected(mutation, 'invalid', future)
  const unknown = unknownField(mutation.table, mutation.fields)
  if (unknown) return rejected(mutation, 'invalid', `Unknown field ${unknown}`)
  if (takenOn(current)) return rejected(mutation, 'locked', 'The office has taken the report on: comment on it instead')
  if (appendOnly(current)) return rejected(mutation, 'locked', 'An answer is never changed: record a new answer instead')
  const mentor = current.table === 'mentorNotes' ? mentorNoteRefusal(principal, current.data as MentorNoteFields, input.mentoring, false) : null
  if (mentor) return rejected(mutation, mentor.code, mentor.message)

  const owned = LEADER_FIELDS[mutation.table]
  const fixed = FIXED_AFTER_CREATION[mutation.table]
  const proposed: Record<string, unknown> = {}
  for (const [field, value] of Object.entries(mutation.fields)) {
    if (SERVER_STAMPED.has(field)) continue
    if (owned.has(field) && !fixed?.has(field)) proposed[field] = value
    // An unchanged copy of a field the leader does not own is harmless: devices send whole snapshots.
    else if (!equalJson(value, current.data[field])) return rejected(mutation, 'immutable_field', `${field} cannot be changed here`)
  }
  // Every value the put carries must be valid, winning or losing: a losing value is kept for the user.
  const parsed = RECORD_SCHEMAS[mutation.table].safeParse({ ...current.data, ...proposed })
  if (!parsed.success) return rejected(mutation, 'invalid', describeError(parsed.error))
  const wanted: Record<string, unknown> = parsed.data
  // A note's building is fixed, and checked above as the mentee's.
  if (mutation.table !== 'mentorNotes' && !principal.buildingIds.includes(parsed.data.buildingId)) return rejected(mutation, 'forbidden', 'The building is not assigned to you')
  const misplaced =
    placementRefusal(parsed.data, input.places) ?? templateRefusal(mutation.table, wanted, input.templates) ?? mediationRefusal(mutation.table, wanted, current.data, input.places)
  if (misplaced) return rejected(mutation, 'invalid', misplaced)
  const foreign = photoRefusal(wanted, current.data, input.namablePhotos)
  if (foreign) return rejected(mutation, 'forbidden', foreign)

  const at = input.now.toISOString()
  const base = mutation.baseRev ?? 0
  const sawConflicts = base >= (current.fieldRevs.conflicts?.rev ?? 0)
  const data = { ...current.data }
  const fieldRevs = { ...current.fieldRevs }
  const lost: FieldConflict[] = []
  const settled = new Set<string>()
  let changed = false
  for (const field of Object.keys(proposed)) {
    const value = wanted[field]
    const same = equalJson(value, current.data[field])
    const last = current.fieldRevs[field]
    if (!same && last && last.device !== principal.deviceId && base < last.rev) {
      lost.push({ field, value, mutationId: mutation.mutationId, by: principal.userId, at })
      continue
    }
    if (sawConflicts) settled.add(field)
    if (same) continue
    data[field] = value
    fieldRevs[field] = { rev, device: principal.deviceId }
    changed = true
  }

  const before = (current.data.conflicts ?? []) as FieldConflict[]
  const conflicts = [...before.filter((c) => !settled.has(c.field)), ...lost].slice(-MAX_CONFLICTS)
  const conflictsChanged = !equalJson(conflicts, before)
  const known = heldBy(principal, mutation, current)
  if (!changed && !conflictsChanged) {
    return { result: { mutationId: mutation.mutationId, status: 'applied', rev: current.rev, ...(known && { stamps: echoStamps(current.data, known) }) } }
  }
  if (conflictsChanged) fieldRevs.conflicts = { rev, device: principal.deviceId }

  const next: Record<string, unknown> = { ...data, conflicts, updatedAt: at, rev }
  const write: StoredRecord = { ...current, buildingId: String(next.buildingId), rev, data: next, fieldRevs }
  const result: MutationResult = lost.length
    ? { mutationId: mutation.mutationId, status: 'conflict', rev, conflicts: lost }
    : { mutationId: mutation.mutationId, status: 'applied', rev, ...(known && { stamps: echoStamps(next, known) }) }
  return { result, write }
}

/** Whether the stored record holds every value a put carries (but the times the server stamps). */
function storedAlready(mutation: PutMutation, current: StoredRecord): boolean {
  return Object.entries(mutation.fields).every(([field, value]) => SERVER_STAMPED.has(field) || equalJson(value, current.data[field]))
}

/**
 * What the device that sent an edit is known to hold of the record once it has settled the answer. Its base
 * is the stored revision (pulled, or settled from a stamped answer: a device takes no other answer's revision,
 * docs/sync-protocol.md): that record with the put's fields over it. The stored
 * revision is its own exact echo: only the put's fields, as the device settles a record once all its changes
 * are answered and then takes the last answer's stamps alone, so an earlier echo's may never reach it (the
 * whole record goes as stamps: two edits of one record before an answer are rare). Undefined when someone
 * else changed the record since the device's base: only a pull brings that.
 */
function heldBy(principal: MemberPrincipal, mutation: PutMutation, current: StoredRecord): Record<string, unknown> | undefined {
  if (mutation.baseRev === current.rev) return { ...current.data, ...mutation.fields }
  return current.echoOf === principal.deviceId ? mutation.fields : undefined
}

/**
 * The stamps of an exact echo: every field of the stored record that differs from what the device holds
 * (its id and revision it knows). With them the device's copy is the stored record, field for field, as a
 * pull would have brought it.
 */
function echoStamps(stored: Record<string, unknown>, known: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(stored).filter(([field, value]) => field !== 'id' && field !== 'rev' && !equalJson(value, known[field])))
}

/** A report the office has taken on: its reporter may neither change nor delete it (see `reporterMayEdit`). */
function takenOn(current: StoredRecord): boolean {
  return current.table === 'issues' && !reporterMayEdit(IssueReport.shape.status.parse(current.data.status))
}

function remove(input: ApplyInput, mutation: DeleteMutation): Applied {
  const { principal, current, rev } = input
  if (principal.role !== 'leader') return rejected(mutation, 'forbidden', 'Only the leader who reported a record deletes it')
  // A replayed delete of a record the server lacks (made and deleted after the backup) has nothing to undo.
  if (!current) return mutation.replay ? { result: { mutationId: mutation.mutationId, status: 'duplicate', rev: null } } : rejected(mutation, 'not_found', 'No such record')
  const refusal = leaderWriteRefusal(principal, current)
  if (refusal) return rejected(mutation, 'forbidden', refusal)
  if (current.deletedAt) return mutation.replay ? { result: { mutationId: mutation.mutationId, status: 'applied', rev: current.rev } } : rejected(mutation, 'deleted', 'The record has been deleted')
  const future = baseRefusal(mutation.baseRev, current)
  if (future) return rejected(mutation, 'invalid', future)
  if (takenOn(current)) return rejected(mutation, 'locked', 'The office has taken the report on: it can no longer be deleted')
  if (appendOnly(current)) return rejected(mutation, 'locked', 'An answer is never deleted: record a new answer instead')
  const mentor = current.table === 'mentorNotes' ? mentorNoteRefusal(principal, current.data as MentorNoteFields, input.mentoring, false) : null
  if (mentor) return rejected(mutation, mentor.code, mentor.message)
  const at = input.now.toISOString()
  const write: StoredRecord = {
    ...current,
    rev,
    deletedAt: at,
    data: { ...current.data, deletedAt: at, updatedAt: at, rev },
    fieldRevs: { ...current.fieldRevs, deletedAt: { rev, device: principal.deviceId } },
  }
  return { result: { mutationId: mutation.mutationId, status: 'applied', rev }, write }
}

/** Status changes, comments and assignment (the office's side of an issue report), and the reporter's resubmit. */
function issueEvent(input: ApplyInput, mutation: IssueMutation): Applied {
  const { principal, current, rev } = input
  // A report outside the caller's scope does not exist for them.
  if (!current || !canSee(principal, current)) return rejected(mutation, 'not_found', 'No such issue report')
  if (current.deletedAt) return rejected(mutation, 'deleted', 'The issue report has been deleted')
  if (mutation.kind === 'issue.resubmit') {
    if (principal.role !== 'leader' || current.createdBy !== principal.userId) return rejected(mutation, 'forbidden', 'Only the leader who reported it resubmits a report')
  } else if (mutation.kind !== 'issue.comment' && principal.role === 'leader') {
    return rejected(mutation, 'forbidden', 'Only office staff change the status or assignee of a report')
  }
  const report = IssueReport.parse(current.data)
  // Every kind but assign appends an event under a device-made id, which must be new to the report.
  if ('eventId' in mutation && report.events.some((e) => e.id === mutation.eventId)) return rejected(mutation, 'invalid', 'The event id is already used')
  const at = input.now.toISOString()
  let next: IssueReport
  switch (mutation.kind) {
    case 'issue.status': {
      if (noteRequired(mutation.to) && !mutation.note.trim()) {
        return rejected(mutation, 'invalid', `A move to ${mutation.to} needs a note saying why, for the leader to pass on`)
      }
      const moved = transition(report, mutation.to, { eventId: mutation.eventId, at, by: principal.userId, note: mutation.note })
      if (!moved.ok) return rejected(mutation, 'invalid_transition', `A report cannot move from ${moved.from} to ${moved.to}`)
      next = moved.report
      break
    }
    case 'issue.resubmit': {
      const moved = resubmit(report, { eventId: mutation.eventId, at, by: principal.userId, note: mutation.note })
      if (!moved.ok) return rejected(mutation, 'invalid_transition', `Only a returned report is resubmitted, not one ${moved.from}`)
      next = moved.report
      break
    }
    case 'issue.comment':
      next = addComment(report, { eventId: mutation.eventId, at, by: principal.userId, text: mutation.text })
      break
    case 'issue.assign': {
      const { assignee } = input
      const staff = assignee && mayBeAssigned({ ...assignee, active: !assignee.disabled }, principal.communityId)
      if (mutation.assignee !== null && !staff) return rejected(mutation, 'invalid', 'The assignee must be office staff of this community')
      if (mutation.assignee === report.assignee) return { result: { mutationId: mutation.mutationId, status: 'applied', rev: current.rev } }
      next = { ...report, assignee: mutation.assignee, updatedAt: at }
      break
    }
  }
  const fieldRevs = { ...current.fieldRevs }
  for (const field of ['status', 'events', 'assignee'] as const) {
    if (!equalJson(next[field], report[field])) fieldRevs[field] = { rev, device: principal.deviceId }
  }
  const write: StoredRecord = { ...current, rev, data: { ...next, rev }, fieldRevs }
  return { result: { mutationId: mutation.mutationId, status: 'applied', rev }, write }
}

function publish(input: ApplyInput, mutation: PublishMutation): Applied {
  const { principal, current, rev } = input
  const { template } = mutation
  if (principal.role === 'leader') return rejected(mutation, 'forbidden', 'Only office staff publish templates')
  const newest = Number(current?.data.version ?? 0)
  if (template.version <= newest) return rejected(mutation, 'stale_template', `Version ${template.version} is not newer than ${newest}`)
  const write: StoredRecord = {
    table: 'templates',
    id: templateKey(principal.communityId, template.id, template.version),
    communityId: principal.communityId,
    buildingId: null,
    createdBy: principal.userId,
    rev,
    deletedAt: null,
    data: template,
    fieldRevs: {},
  }
  return { result: { mutationId: mutation.mutationId, status: 'applied', rev }, write }
}
