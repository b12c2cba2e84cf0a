import { z } from 'zod'
import { FieldConflict, Id, RefId, requiredText, text, Timestamp } from './common'
import { AppLock, Building, Community, Grid, Household, Resident, User, UserCard } from './households'
import { Campaign } from './campaigns'
import { Canvass, CanvassAnswer, CanvassAnswerFields, CanvassFields } from './canvass'
import { ChecklistTemplate, Inspection } from './inspections'
import { Mediation, MediationFields } from './mediation'
import { MentorNote, MentorNoteFields } from './mentorship'
import { InspectionFields } from './inspections'
import { IssueFields, IssueReport, IssueStatus } from './issues'
import { PointAdjustment } from './points'
import { RECORD_TABLES } from './tables'
import { Visit, VisitFields } from './visits'

/**
 * The sync wire format, version 3, validated with these schemas at both ends. docs/sync-protocol.md tells
 * the whole story; the rules that matter most:
 * - the device makes every mutation id, and the server applies each mutation at most once;
 * - every mutation gets its own answer, so one bad mutation never blocks those after it;
 * - the server is the source of order: each change gets a revision from one counter.
 * Versions 2 and 3 differ only in bytes: answers without the echoed mutation id, pull changes without the id and
 * revision their record carries (2), a record's first mutation without the id it shares with its record (3). The
 * server answers versions 1 and 2 (older phones) as before.
 */
export const PROTOCOL_VERSION = 3
export const PROTOCOL_VERSIONS = [1, 2, PROTOCOL_VERSION] as const
/** A pull's form has not changed since version 2, which every server since then reads: pulls name 2. */
export const PULL_PROTOCOL_VERSION = 2

export { RECORD_TABLES, templateRowId } from './tables'
export const RecordTable = z.enum(RECORD_TABLES)
export type RecordTable = z.infer<typeof RecordTable>

/** Everything pull can carry: the records above and the reference data the office owns. */
export const PULL_TABLES = [...RECORD_TABLES, 'communities', 'grids', 'buildings', 'households', 'residents', 'templates', 'users', 'campaigns', 'pointAdjustments'] as const
export const PullTable = z.enum(PULL_TABLES)
export type PullTable = z.infer<typeof PullTable>

/** The schema of the records each table holds: the server checks what it applies, the device what it pulls. */
export const RECORD_SCHEMAS = { visits: Visit, issues: IssueReport, inspections: Inspection, canvasses: Canvass, canvassAnswers: CanvassAnswer, mediations: Mediation, mentorNotes: MentorNote } as const satisfies Record<RecordTable, z.ZodType>
export const REFERENCE_SCHEMAS = {
  communities: Community,
  grids: Grid,
  buildings: Building,
  households: Household,
  residents: Resident,
  templates: ChecklistTemplate,
  users: UserCard,
  campaigns: Campaign,
  /** The office's adjustments of a leader's points: a leader pulls only its own. */
  pointAdjustments: PointAdjustment,
} as const satisfies Record<Exclude<PullTable, RecordTable>, z.ZodType>
export const PULL_SCHEMAS = { ...RECORD_SCHEMAS, ...REFERENCE_SCHEMAS } as const satisfies Record<PullTable, z.ZodType>

/**
 * The fields a leader owns, per record type: what their forms edit, as the *Fields schemas declare them.
 * A put carries only these (the device sends no others) and changes only these (the server refuses a
 * different value of any other field): status, assignee and events are the office's, the rest the server's.
 */
export const LEADER_FIELDS: Record<RecordTable, ReadonlySet<string>> = {
  visits: new Set(Object.keys(VisitFields.shape)),
  issues: new Set(Object.keys(IssueFields.shape)),
  inspections: new Set(Object.keys(InspectionFields.shape)),
  canvasses: new Set(Object.keys(CanvassFields.shape)),
  canvassAnswers: new Set(Object.keys(CanvassAnswerFields.shape)),
  mediations: new Set(Object.keys(MediationFields.shape)),
  mentorNotes: new Set(Object.keys(MentorNoteFields.shape)),
}

/**
 * Every photo a record names: a visit's or report's own, an inspection's in its answers. Safe on fields not
 * yet validated (the server reads them to load what a push needs): whatever is not a list of strings is no photo.
 */
export function photosOf(record: object): string[] {
  const photosField = (value: unknown) => (value && typeof value === 'object' ? (value as { photos?: unknown }).photos : undefined)
  const { photos, answers } = record as { photos?: unknown; answers?: unknown }
  const lists = answers && typeof answers === 'object' ? Object.values(answers).map(photosField) : [photos]
  return lists.flatMap((list) => (Array.isArray(list) ? list.filter((sha256): sha256 is string => typeof sha256 === 'string') : []))
}

const MutationBase = z.object({
  mutationId: Id,
  /** The device's own order of its mutations (its outbox sequence): kept for audit and gap detection. */
  deviceSeq: z.number().int().nonnegative(),
})

/**
 * A leader's create or edit: the fields it changed (all fields for a new record), and the revision the
 * device last had (null for a new record). A field someone else changed after that revision is a conflict.
 */
export const PutMutation = MutationBase.extend({
  kind: z.literal('put'),
  table: RecordTable,
  recordId: Id,
  baseRev: z.number().int().nonnegative().nullable(),
  fields: z.record(z.string().max(40), z.unknown()),
  /**
   * Sent again after the server was restored from a backup (docs/sync-protocol.md, "After a restore"), with
   * `baseRev` null: what the server has already is answered as done, never refused.
   */
  replay: z.literal(true).optional(),
})

export const DeleteMutation = MutationBase.extend({
  kind: z.literal('delete'),
  table: RecordTable,
  recordId: Id,
  baseRev: z.number().int().nonnegative().nullable(),
  /** As a put's: a record the server lacks or has deleted already is done. */
  replay: z.literal(true).optional(),
})

/** Office: move an issue report along its status graph, with a note for the reporter. */
export const StatusMutation = MutationBase.extend({
  kind: z.literal('issue.status'),
  recordId: Id,
  eventId: Id,
  to: IssueStatus,
  note: text(500),
})

/** Anyone who can see a report: a comment, appended to its events. */
export const CommentMutation = MutationBase.extend({
  kind: z.literal('issue.comment'),
  recordId: Id,
  eventId: Id,
  text: requiredText(1000),
})

/** Office: who handles a report (a staff member's user id), or nobody. */
export const AssignMutation = MutationBase.extend({
  kind: z.literal('issue.assign'),
  recordId: Id,
  assignee: RefId.nullable(),
})

/** The reporter: a report the office returned goes back to it, fixed, with a note for the office. */
export const ResubmitMutation = MutationBase.extend({
  kind: z.literal('issue.resubmit'),
  recordId: Id,
  eventId: Id,
  note: text(500),
})

/** Office: a new version of a checklist template; versions only ever go up. */
export const PublishTemplateMutation = MutationBase.extend({
  kind: z.literal('template.publish'),
  template: ChecklistTemplate,
})

export const Mutation = z.discriminatedUnion('kind', [
  PutMutation,
  DeleteMutation,
  StatusMutation,
  CommentMutation,
  AssignMutation,
  ResubmitMutation,
  PublishTemplateMutation,
])
export type Mutation = z.infer<typeof Mutation>

/** The mutations that append to an issue report or assign it, each its own kind (a put never carries them). */
export type IssueMutation = Extract<Mutation, { recordId: string; kind: `issue.${string}` }>

type WithoutEnvelope<M> = M extends unknown ? Omit<M, 'mutationId' | 'deviceSeq' | 'recordId'> : never

/** The office's new template version: it names no record id (the template carries its own). */
export type PublishMutation = Extract<Mutation, { kind: 'template.publish' }>

/**
 * What one change on the device asks of the server, as its outbox keeps it: the wire mutation without the
 * ids and order the outbox entry carries beside it, and for a put the fields it touched (the values go
 * from the record snapshot, only those the leader owns).
 */
export type OutboxChange = { kind: 'put'; changed: string[] } | { kind: 'delete' } | WithoutEnvelope<IssueMutation> | WithoutEnvelope<PublishMutation>

export const PUSH_MAX_MUTATIONS = 500
export const PUSH_MAX_BYTES = 1024 * 1024

/**
 * A mutation as protocol 3 sends it: without its id where that is its record's. A record's first mutation, made with
 * the record, takes the record's id for its own (src/app/db/records.ts): a random id that no one else learns before
 * this mutation has reached the server, so no one can send a mutation of that id first and have this one answered
 * as a duplicate. Any other mutation keeps an id of its own, sent as before.
 */
export function withoutImpliedId(mutation: Mutation): object {
  if (!('recordId' in mutation) || mutation.mutationId !== mutation.recordId) return mutation
  const { mutationId: _, ...sent } = mutation
  return sent
}

/** The receiving side of withoutImpliedId: an element sent without an id takes its record's (then it is validated). */
function withImpliedId(element: unknown): unknown {
  if (!element || typeof element !== 'object' || Array.isArray(element) || 'mutationId' in element || !('recordId' in element)) return element
  return { mutationId: element.recordId, ...element }
}

/** The first protocol whose pushes leave out the mutation ids their records imply. */
const IMPLIED_IDS = 3

/** A mutation as a push of `protocol` sends it (pushedMutations reads it back). */
export function sentMutation(mutation: Mutation, protocol: number): object {
  return protocol >= IMPLIED_IDS ? withoutImpliedId(mutation) : mutation
}

/** A push's mutations as its sender meant them, each still to be validated: in protocol 3, their implied ids put back. */
export function pushedMutations({ protocol, mutations }: { protocol: number; mutations: readonly unknown[] }): unknown[] {
  return protocol >= IMPLIED_IDS ? mutations.map(withImpliedId) : [...mutations]
}

export const PushRequest = z.object({
  /**
   * 1: each answer names its mutation (`mutationId`); 2: answers carry no id, in the order of `mutations`; 3: as 2,
   * and a mutation without an id has its record's (pushedMutations).
   */
  protocol: z.union(PROTOCOL_VERSIONS.map((v) => z.literal(v))),
  deviceId: RefId,
  /**
   * The database epoch the device's revisions belong to (the last pull's `epoch`); absent when it knows none.
   * Another one is answered `409 epoch_changed`, nothing applied: the server was restored from a backup.
   */
  epoch: z.string().max(64).optional(),
  /** Each element is validated on its own (see the server), so one malformed mutation is answered alone. */
  mutations: z.array(z.unknown()).min(1).max(PUSH_MAX_MUTATIONS),
})
export type PushRequest = z.infer<typeof PushRequest>

/** Why a mutation was refused; the closed list the device translates for the leader. */
export const REJECT_CODES = [
  'invalid',
  'forbidden',
  'not_found',
  'invalid_transition',
  'immutable_field',
  'stale_template',
  'deleted',
  'locked',
] as const
export const RejectCode = z.enum(REJECT_CODES)
export type RejectCode = z.infer<typeof RejectCode>

/**
 * On an exact echo (a put the device now holds exactly as the server stored it at `rev`, bar these): the fields
 * of the stored record that differ from what the device is known to hold, such as `updatedAt` and, for a new
 * record, `createdBy`. The device writes them over its copy; a pull that skips echoes (`echoes=skip`) never
 * brings that revision back. Absent: the device learns the record's state from a pull, as before.
 */
export const EchoStamps = z.record(z.string(), z.unknown())
export type EchoStamps = z.infer<typeof EchoStamps>

const Applied = z.object({ status: z.literal('applied'), rev: z.number().int(), stamps: EchoStamps.optional() })
/** A retried batch whose first answer was lost: the stamps of that answer come again. */
const Duplicate = z.object({ status: z.literal('duplicate'), rev: z.number().int().nullable(), stamps: EchoStamps.optional() })
const Conflicted = z.object({ status: z.literal('conflict'), rev: z.number().int(), conflicts: z.array(FieldConflict) })
const Rejected = z.object({ status: z.literal('rejected'), code: RejectCode, message: z.string() })

/** What the server decided of one mutation, as protocol 2 answers it: in the order of the request's mutations. */
export const MutationAnswer = z.discriminatedUnion('status', [Applied, Duplicate, Conflicted, Rejected])
export type MutationAnswer = z.infer<typeof MutationAnswer>

/** An answer naming its mutation: as the server keeps it (a retry gets it again) and protocol 1 sends it. */
const named = { mutationId: z.string() }
export const MutationResult = z.discriminatedUnion('status', [Applied.extend(named), Duplicate.extend(named), Conflicted.extend(named), Rejected.extend(named)])
export type MutationResult = z.infer<typeof MutationResult>

/** The answer as protocol 2 sends it: the phone knows which mutation it answers from its place in the batch. */
export function withoutId({ mutationId: _, ...answer }: MutationResult): MutationAnswer {
  return answer
}

/**
 * The answer to a mutation answered before (a retry whose first answer was lost, or a repeat in one batch). A
 * refusal or a conflict comes again as it was: a bare `duplicate` would tell the device its change went through
 * as sent, and it would never learn what was refused or which of its values lost. An applied one comes as
 * `duplicate`, with the revision and stamps it was applied with, so the device settles its copy from them.
 */
export function answerAgain(prior: MutationResult): MutationResult {
  if (prior.status === 'rejected' || prior.status === 'conflict') return prior
  return { mutationId: prior.mutationId, status: 'duplicate', rev: prior.rev, ...(prior.status === 'applied' && prior.stamps && { stamps: prior.stamps }) }
}

/** Protocol 2 answers are MutationAnswers, protocol 1 answers MutationResults: either way, one per mutation, in order. */
export const PushResponse = z.object({ results: z.array(z.union([MutationResult, MutationAnswer])) })
export type PushResponse = z.infer<typeof PushResponse>

export const Change = z.object({
  table: PullTable,
  id: z.string(),
  rev: z.number().int(),
  /** The whole record as the server has it now; a deleted record carries `deletedAt`. */
  record: z.record(z.string(), z.unknown()),
})
export type Change = z.infer<typeof Change>

/** A change as protocol 2 sends it: without the `id` and `rev` its record carries the same (a record table's always do). */
export const SentChange = Change.extend({ id: z.string().optional(), rev: z.number().int().optional() })
export type SentChange = z.infer<typeof SentChange>

/** The change as protocol 2 sends it: its id and revision only where its record does not carry them. */
export function sentChange({ table, id, rev, record }: Change): SentChange {
  return { table, ...(id !== record.id && { id }), ...(rev !== record.rev && { rev }), record }
}

/** The change a protocol 2 page sent (sentChange), whole again; undefined when it lacks what its record does not carry. */
export function wholeChange({ table, id, rev, record }: SentChange): Change | undefined {
  const whole = { table, id: id ?? record.id, rev: rev ?? record.rev, record }
  return typeof whole.id === 'string' && Number.isInteger(whole.rev) ? (whole as Change) : undefined
}

export const PULL_MAX_LIMIT = 1000
/**
 * A pull page stops before its records pass this many bytes, whatever the row limit (a page of large
 * inspections would otherwise reach tens of MB on a phone's connection); it always carries at least one change.
 */
export const PULL_MAX_BYTES = 1024 * 1024

export const PullResponse = z.object({
  changes: z.array(Change),
  /** Opaque to the device: send it back as it is. */
  cursor: z.string(),
  hasMore: z.boolean(),
  /** The caller's scope changed (a building was assigned or taken away): drop pulled data, start again. */
  reset: z.boolean(),
  /** The database's epoch, which a restore from a backup changes (absent from older servers). */
  epoch: z.string().optional(),
})
export type PullResponse = z.infer<typeof PullResponse>

/** A pull page as it crosses the wire: a protocol 2 page's changes are SentChanges. */
export const PullPage = PullResponse.extend({ changes: z.array(SentChange) })
export type PullPage = z.infer<typeof PullPage>

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/**
 * A pull page as the device takes it off the wire: each record is checked to be an object, and kept as it came.
 * PullPage's check copies every record, and the device checks each against its table's schema anyway (a record
 * that fails is skipped, not the page): a first pull's 10,000 records would be copied twice on the main thread.
 */
export const ArrivingPullPage = PullPage.extend({ changes: z.array(SentChange.extend({ record: z.custom<Record<string, unknown>>(isObject) })) })

/** The closed list of error codes of every /api answer that is not 2xx. */
export const API_ERROR_CODES = [
  'bad_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'payload_too_large',
  'too_many_requests',
  'unsupported_media_type',
  'hash_mismatch',
  'quota_exceeded',
  'password_change_required',
  'weak_password',
  'invalid_roster',
  'conflict',
  'internal',
  /** 503 when the object store that keeps photos (src/server/storage/s3-blobs.ts) fails: send the photo again later. */
  'storage_unavailable',
  /**
   * 401 to a device the office revoked with `sign_out` (DeviceRevocation): for FINAL_PUSH_DAYS it may still
   * push and upload its photos, and once its outbox is empty it clears itself. Any other request gets this
   * answer; after those days, every request gets `device_wiped`.
   */
  'device_signed_out',
  /** 401 to a device the office revoked with `wipe`: every request, a push too, is refused unread; it clears itself. */
  'device_wiped',
  /** 400 to a rescue file import (src/domain/rescue.ts) whose password does not open the file. */
  'bad_password',
  /** 400 to a rescue file import that is not a whole rescue file: not a zip, not encrypted, changed or cut short. */
  'invalid_rescue',
  /** 410 to a one-time answer link (src/domain/canvass-links.ts) already answered, past its time, or revoked (and an unknown one). */
  'link_used',
  'link_expired',
  'link_revoked',
  /** 400/409 to a pairing of leaders the office may not make (pairingRefusal in ./mentorship), and to ending one twice. */
  'samePerson',
  'notLeader',
  'menteeTaken',
  'mentorIsMentee',
  'alreadyEnded',
  /**
   * 409 to a push or pull of revisions from before the server was restored from a backup (an older epoch):
   * nothing applied; the device sends all it holds again and pulls from the beginning.
   */
  'epoch_changed',
] as const
export const ApiError = z.object({ error: z.enum(API_ERROR_CODES), message: z.string() })
export type ApiError = z.infer<typeof ApiError>

/**
 * A device's recovery key: 32 random bytes, base64url, made by the server with the device at sign-in and kept
 * only there. The phone wraps its data key with it as well as with the PIN, so that a forgotten PIN loses
 * nothing: the account's password gets the key back (RecoveryKeyRequest).
 */
export const RecoveryKey = z.string().regex(/^[A-Za-z0-9_-]{43}$/)

/** Sign-in from a device: the device's name lets the office tell a user's phones apart when one is lost. */
export const LoginRequest = z.object({
  username: z.string().trim().min(1).max(40),
  password: z.string().min(1).max(200),
  deviceName: z.string().trim().min(1).max(80),
})
export type LoginRequest = z.infer<typeof LoginRequest>

const Count = z.number().int().nonnegative()

/**
 * An earlier device of the user signing in, of the same name, never signed out nor revoked, that made records
 * the server still has (see docs/sync-protocol.md, "A phone whose data the browser cleared").
 */
export const EarlierDevice = z.object({
  id: RefId,
  name: z.string(),
  createdAt: Timestamp,
  lastSeenAt: Timestamp.nullable(),
  /** The records it made that are not deleted, by type. */
  records: z.object({ visits: Count, issues: Count, inspections: Count }),
})
export type EarlierDevice = z.infer<typeof EarlierDevice>

/**
 * The device token (send it as `Authorization: Bearer …`), the id the server gave this device, who signed in,
 * the user's earlier devices of the same name (absent from a server older than that list) and whether the
 * password must be changed first (absent from older servers: no).
 */
export const LoginResponse = z.object({
  token: z.string(),
  deviceId: RefId,
  user: User,
  earlierDevices: z.array(EarlierDevice).optional(),
  /** The password was one-time (new account, reset): until it is changed, the token is good for POST /auth/password only. */
  mustChangePassword: z.boolean().default(false),
  /** This device's recovery key (RecoveryKey): the phone wraps its data key with it and never stores it. */
  recoveryKey: RecoveryKey,
  /** Whether the phone must be locked: the setting of the user's community; `required` for an admin of none. */
  appLock: AppLock,
})
export type LoginResponse = z.infer<typeof LoginResponse>

/**
 * `POST /auth/recovery-key`: a phone whose PIN was forgotten (or wiped after 10 wrong ones) asks for its
 * device's recovery key again with its device token and the account's password.
 */
export const RecoveryKeyRequest = z.object({ password: z.string().min(1).max(200) })
export type RecoveryKeyRequest = z.infer<typeof RecoveryKeyRequest>
export const RecoveryKeyResponse = z.object({ recoveryKey: RecoveryKey })
export type RecoveryKeyResponse = z.infer<typeof RecoveryKeyResponse>

/**
 * How the office revokes a device (DELETE /users/{userId}/devices/{deviceId}?mode=…): `sign_out` lets the phone
 * push what it holds, then it clears itself; `wipe` (a lost or stolen phone) makes it clear itself at its next
 * contact without anything it sends being taken.
 */
export const DEVICE_REVOCATIONS = ['sign_out', 'wipe'] as const

/**
 * How long a phone the office signed out may still push what it holds. After that it is taken for lost and
 * wiped at its next contact: a `sign_out` token must not stay a way to write as the leader for ever.
 */
export const FINAL_PUSH_DAYS = 7
export const DeviceRevocation = z.enum(DEVICE_REVOCATIONS)
export type DeviceRevocation = z.infer<typeof DeviceRevocation>

/** A signed-in device as the office sees it when a phone is lost. */
export const DeviceInfo = z.object({
  id: RefId,
  userId: RefId,
  name: z.string(),
  createdAt: Timestamp,
  lastSeenAt: Timestamp.nullable(),
  revokedAt: Timestamp.nullable(),
  /** How the office revoked it; null when it did not (the phone signed out itself), and from older servers. */
  revocation: DeviceRevocation.nullable().default(null),
})
export type DeviceInfo = z.infer<typeof DeviceInfo>
