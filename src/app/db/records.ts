import type { z } from 'zod'
import { uuidv7, type RecordMeta } from '@/domain'
import type { DoorstepDatabase, OutboxEntry, SyncedTable } from './database'
import { ValidationError, guardQuota } from './errors'

/** Who is writing: stamped on every record made on this device. */
export interface Author {
  userId: string
  deviceId: string
}

type Stored = OutboxEntry['record']

/**
 * The write path of every synced record type. Each create, update and delete validates the whole record,
 * then writes it and its outbox entry in one IndexedDB transaction: a record can never be saved without
 * the mutation that will carry it to the server, nor the other way round.
 */
export function recordRepository<R extends Stored & RecordMeta, F extends object>(
  db: DoorstepDatabase,
  tableName: SyncedTable,
  schema: z.ZodType<R>,
) {
  const table = () => db.table<R, string>(tableName)

  async function write(record: R, op: OutboxEntry['op'], before?: R): Promise<R> {
    const parsed = schema.safeParse(record)
    if (!parsed.success) throw new ValidationError(parsed.error)
    const saved = parsed.data
    const changed = changedFields(before, saved)
    await guardQuota(() =>
      db.transaction('rw', [table(), db.outbox], () =>
        // Both requests are queued at once: one round trip through IndexedDB instead of two.
        Promise.all([
          table().put(saved),
          db.outbox.add({
            mutationId: uuidv7(),
            table: tableName,
            recordId: saved.id,
            op,
            record: saved,
            changed,
            createdAt: saved.updatedAt,
          }),
        ]),
      ),
    )
    return saved
  }

  async function require(id: string): Promise<R> {
    const record = await table().get(id)
    if (!record || record.deletedAt) throw new Error(`${tableName} ${id} not found`)
    return record
  }

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
      return write({ ...fields, ...meta } as unknown as R, 'put')
    },

    /** Saves changed fields of an existing record; meta fields other than updatedAt never change here. */
    async update(id: string, patch: Partial<F> | ((current: R) => R), now = new Date()): Promise<R> {
      const current = await require(id)
      const next = typeof patch === 'function' ? patch(current) : { ...current, ...patch }
      return write({ ...next, id: current.id, createdAt: current.createdAt, updatedAt: now.toISOString() }, 'put', current)
    },

    /** Marks the record deleted; the tombstone stays so that sync can carry the deletion. */
    async remove(id: string, now = new Date()): Promise<R> {
      const current = await require(id)
      const at = now.toISOString()
      return write({ ...current, deletedAt: at, updatedAt: at }, 'delete', current)
    },
  }
}

/** Top-level fields whose value differs (compared as JSON: records are plain data). */
function changedFields(before: object | undefined, after: object): string[] {
  const previous = (before ?? {}) as Record<string, unknown>
  return Object.entries(after)
    .filter(([key, value]) => !before || JSON.stringify(value) !== JSON.stringify(previous[key]))
    .map(([key]) => key)
}

export type RecordRepository<R extends Stored & RecordMeta, F extends object> = ReturnType<
  typeof recordRepository<R, F>
>
