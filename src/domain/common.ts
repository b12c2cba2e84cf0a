import { z } from 'zod'
import { isUuidv7 } from './ids'

/** A UUIDv7 made on the device. */
export const Id = z.string().refine(isUuidv7, { params: { key: 'id' } })

/** Reference data (communities, buildings, templates …) keeps the server's ids, which may be any slug. */
export const RefId = z.string().min(1).max(64)

export const Timestamp = z.iso.datetime({ offset: false })
/** A calendar day, `YYYY-MM-DD`, in the leader's local time. */
export const Day = z.iso.date()

/** SHA-256 of an attachment's bytes, lowercase hex: the attachment's identity everywhere. */
export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/)

export const Photos = z.array(Sha256).max(9)

/** Free text typed by a leader: trimmed, bounded so one record stays small on the wire. */
export const text = (max: number) => z.string().trim().max(max)
export const requiredText = (max: number) => z.string().trim().min(1).max(max)

/**
 * A value that lost when two people changed the same field: the record keeps the value that reached the
 * server first, and carries the other here until someone settles it. Nothing is dropped silently.
 */
export const FieldConflict = z.object({
  field: z.string().max(40),
  value: z.unknown(),
  mutationId: Id,
  by: RefId,
  at: Timestamp,
})
export type FieldConflict = z.infer<typeof FieldConflict>

/**
 * Upper bound of one record as JSON (UTF-8 bytes). Every field is bounded already, but an inspection's
 * answers are as many as its template has items: this keeps one record well under a push batch and a pull
 * page. A full 100-item checklist with long Chinese notes stays under it.
 */
export const RECORD_MAX_BYTES = 256 * 1024

const encoder = new TextEncoder()

/** The size of a record as it travels and is stored: its JSON in UTF-8 bytes. */
export function recordBytes(record: unknown): number {
  return encoder.encode(JSON.stringify(record)).length
}

/**
 * The check every record schema carries, so that the phone never saves what the server refuses. It measures
 * the record as its author wrote it: what others append (the conflicts the server keeps, a report's events)
 * must never push a stored record over the cap, or its author could no longer change it, nor a phone pull it.
 */
export function checkRecordBytes(ctx: z.core.ParsePayload<object>): void {
  const { conflicts: _conflicts, events: _events, ...authored } = ctx.value as Record<string, unknown>
  const json = JSON.stringify(authored)
  // A UTF-16 unit is at most 3 bytes of UTF-8: nearly every record is under the cap without being encoded
  // (the server checks every record of a push).
  if (json.length * 3 > RECORD_MAX_BYTES && encoder.encode(json).length > RECORD_MAX_BYTES) {
    ctx.issues.push({ code: 'custom', input: ctx.value, params: { key: 'recordBytes' }, message: `The record is larger than ${RECORD_MAX_BYTES} bytes` })
  }
}

/** The fields every record made on a device carries. */
export const RecordMeta = z.object({
  id: Id,
  createdAt: Timestamp,
  updatedAt: Timestamp,
  createdBy: RefId,
  deviceId: RefId,
  /** The server's revision; null until the server has acknowledged the record. */
  rev: z.number().int().nonnegative().nullable(),
  /** A tombstone: deleted records stay until sync has carried the deletion. */
  deletedAt: Timestamp.nullable(),
  conflicts: z.array(FieldConflict).max(50).default([]),
})
export type RecordMeta = z.infer<typeof RecordMeta>

/** The meta fields a repository fills in; forms never supply them. */
export type MetaKeys = keyof RecordMeta
