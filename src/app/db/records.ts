import { z } from 'zod'
import { uuidv7, type OutboxChange, type RecordMeta, type RecordTable } from '@/domain'
import type { Table } from 'dexie'
import type { DoorstepDatabase, RecordOutboxEntry, SyncedRecord } from './database'
import { ValidationError, guardQuota } from './errors'

/** Who is writing: stamped on every record made on this device. */
export interface Author {
  userId: string
  deviceId: string
}

/** The office's changes to an issue report, which travel as their own mutation kinds rather than as a put. */
export type EventChange = Exclude<OutboxChange, { kind: 'put' | 'delete' | 'template.publish' }>

/**
 * The write path of every synced record type. Each create, update and delete validates the whole record,
 * then writes it and its outbox entry in one IndexedDB transaction: a record can never be saved without
 * the mutation that will carry it to the server, nor the other way round. An edit reads the record it
 * changes inside that same transaction, so that a pull landing in between is never overwritten by a
 * stale copy.
 */
/** A rule beyond the schema that needs other tables (read in the same transaction): why the record is refused, or null. */
export interface RecordCheck<R> {
  tables: Table[]
  refusal: (record: R) => Promise<{ path: string[]; message: string } | null>
}

export function recordRepository<R extends SyncedRecord & RecordMeta, F extends object>(
  db: DoorstepDatabase,
  tableName: RecordTable,
  schema: z.ZodType<R>,
  check?: RecordCheck<R>,
) {
  const table = () => db.table<R, string>(tableName)

  /**
   * Validates what `make` builds from the stored record (none for a new one) and writes it with its outbox
   * entry. Without an explicit change, the entry is a put of the touched fields, or a delete.
   */
  function write(id: string | null, make: (current: R | undefined) => { record: R; change?: EventChange }): Promise<R> {
    return guardQuota(() =>
      db.transaction('rw', [table(), db.outbox, ...(check?.tables ?? [])], async () => {
        const current = id === null ? undefined : await require(id)
        const { record, change } = make(current)
        const parsed = schema.safeParse(record)
        if (!parsed.success) throw new ValidationError(parsed.error)
        const saved = parsed.data
        // A tombstone is always allowed: a record the rule no longer accepts can still be deleted.
        const refused = saved.deletedAt ? null : await check?.refusal(saved)
        if (refused) throw new ValidationError(new z.ZodError([{ code: 'custom', input: saved, ...refused }]))
        const changed = changedFields(current, saved)
        // A save that changes nothing but its time is no change: the server would answer it with the revision
        // the phone already has, and the phone would keep a time the server never had.
        if (current && changed.every((field) => field === 'updatedAt')) return current
        const entry: RecordOutboxEntry = {
          // A new record's first change shares its id, which protocol 3 then leaves out (see withoutImpliedId).
          mutationId: id === null ? saved.id : uuidv7(),
          table: tableName,
          recordId: saved.id,
          baseRev: current?.rev ?? null,
          change: change ?? (saved.deletedAt && !current?.deletedAt ? { kind: 'delete' } : { kind: 'put', changed }),
          record: saved,
          createdAt: saved.updatedAt,
        }
        // Both requests are queued at once: one round trip through IndexedDB instead of two.
        await Promise.all([table().put(saved), db.outbox.add(entry)])
        return saved
      }),
    )
  }

  async function require(id: string): Promise<R> {
    const record = await table().get(id)
    if (!record || record.deletedAt) throw new Error(`${tableName} ${id} not found`)
    return record
  }

  /** The record as edited at `now`: meta fields other than updatedAt never change here. */
  const stamped = (current: R, next: R, now: Date): R => ({ ...next, id: current.id, createdAt: current.createdAt, updatedAt: now.toISOString() })

  return {
    get: (id: string) => table().get(id),

    /** Saves a new record made from form fields (plus any fields the type adds, such as status). */
    create(fields: F & Partial<R>, author: Author, now = new Date()): Promise<R> {
      const at = now.toISOString()
      const meta: RecordMeta = {
        id: uuidv7(now.getTime()),
        createdAt: at,
        updatedAt: at,
        createdBy: author.userId,
        deviceId: author.deviceId,
        rev: null,
        deletedAt: null,
        conflicts: [],
      }
      return write(null, () => ({ record: { ...fields, ...meta } as unknown as R }))
    },

    /** Saves changed fields of an existing record. */
    update(id: string, patch: Partial<F> | ((current: R) => R), now = new Date()): Promise<R> {
      return write(id, (current) => {
        const next = typeof patch === 'function' ? patch(current!) : { ...current!, ...patch }
        return { record: stamped(current!, next, now) }
      })
    },

    /**
     * Saves a change that travels as its own mutation kind: `edit` returns the record as the change leaves
     * it (applied here at once, so the screen shows it before the server has answered) and the change.
     */
    change(id: string, edit: (current: R, at: string) => { record: R; change: EventChange }, now = new Date()): Promise<R> {
      return write(id, (current) => {
        const { record, change } = edit(current!, now.toISOString())
        return { record: stamped(current!, record, now), change }
      })
    },

    /** Marks the record deleted; the tombstone stays so that sync can carry the deletion. */
    remove(id: string, now = new Date()): Promise<R> {
      const at = now.toISOString()
      return write(id, (current) => ({ record: { ...current!, deletedAt: at, updatedAt: at } }))
    },
  }
}

/**
 * Top-level fields whose value differs (compared as JSON: records are plain data), and the fields whose
 * conflicts this save settles: the server clears a field's conflict only when a put sends that field, even
 * when the leader kept the value it already had.
 */
function changedFields(before: RecordMeta | undefined, after: RecordMeta): string[] {
  const previous = (before ?? {}) as Record<string, unknown>
  const changed = Object.entries(after)
    .filter(([key, value]) => !before || JSON.stringify(value) !== JSON.stringify(previous[key]))
    .map(([key]) => key)
  const settled = (before?.conflicts ?? []).map((c) => c.field).filter((field) => !after.conflicts.some((c) => c.field === field))
  return [...new Set([...changed, ...settled])]
}

export type RecordRepository<R extends SyncedRecord & RecordMeta, F extends object> = ReturnType<
  typeof recordRepository<R, F>
>
