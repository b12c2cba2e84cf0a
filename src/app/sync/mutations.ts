import { LEADER_FIELDS, type Mutation } from '@/domain'
import type { OutboxEntry, RecordOutboxEntry } from '@/app/db/database'

/*
 * From outbox entries to wire mutations. A put carries only the fields the leader owns (the domain's
 * LEADER_FIELDS, the same set the server applies), so it never touches what the office or the server owns.
 */

/** An outbox entry as stored: Dexie has given it its sequence number. */
export type QueuedEntry = OutboxEntry & { seq: number }

/** The wire mutation of an outbox entry; its sequence number is the device's order. */
export function toMutation(entry: QueuedEntry): Mutation {
  const envelope = { mutationId: entry.mutationId, deviceSeq: entry.seq }
  if (entry.table === 'templates') return { ...envelope, ...entry.change }
  const base = { ...envelope, recordId: entry.recordId }
  const { change } = entry
  switch (change.kind) {
    case 'put':
      return { ...base, kind: 'put', table: entry.table, baseRev: entry.baseRev, fields: putFields(entry, change.changed), ...(entry.replay && { replay: true }) }
    case 'delete':
      return { ...base, kind: 'delete', table: entry.table, baseRev: entry.baseRev, ...(entry.replay && { replay: true }) }
    default:
      return { ...base, ...change }
  }
}

/**
 * The fields a put sends. A record the server has never acknowledged (no base revision) goes whole, with
 * its creation time: an earlier change of it may have been refused or discarded, and the server must be
 * able to create it from this put alone.
 */
function putFields(entry: RecordOutboxEntry, changed: string[]): Record<string, unknown> {
  const owned = LEADER_FIELDS[entry.table]
  const record = entry.record as unknown as Record<string, unknown>
  const keys = entry.baseRev === null ? [...owned, 'createdAt'] : changed.filter((field) => owned.has(field))
  return Object.fromEntries(keys.filter((key) => key in record).map((key) => [key, record[key]]))
}
