import { RECORD_TABLES, uuidv7 } from '@/domain'
import type { DoorstepDatabase, OutboxEntry, RecordOutboxEntry, SyncedRecord } from '@/app/db/database'
import { TransportError } from './errors'

/*
 * After the server was restored from an older backup (docs/sync-protocol.md, "After a restore"). The server
 * answers `409 epoch_changed` to a push or pull of revisions from before the restore, having applied nothing.
 * The phone may hold what the server lost: its changes since the backup, acknowledged or not, and even records
 * the server once had. It cannot tell which, so it sends every record of its leader's again, as replays the
 * server answers as done where it has them already, and pulls from the beginning.
 */

/** Whether a request failed because the server's database was restored since this phone's revisions. */
export function epochChanged(error: unknown): boolean {
  return error instanceof TransportError && error.details.apiError === 'epoch_changed'
}

/**
 * Requeues, in one transaction: first a replay of every record of the signed-in leader's that the server had
 * acknowledged (a put of the whole record, or a delete of a tombstone), then the outbox as it was, its puts and
 * deletes as whole replays too (their base revisions belong to the lost epoch). Revisions the phone holds are
 * of the old epoch: they become 0, so that every version the new pull brings is written, and a later edit
 * names no revision the server never had. The cursor, the epoch and held server versions go. Answers how many
 * records were requeued.
 */
export async function replayAfterRestore(db: DoorstepDatabase, at: string): Promise<number> {
  const tables = RECORD_TABLES.map((name) => db.table<SyncedRecord, string>(name))
  return db.transaction('rw', [db.outbox, db.meta, db.held, ...tables], async () => {
    const userId = (await db.meta.get('userId'))?.value
    const replays: RecordOutboxEntry[] = []
    for (const [i, table] of tables.entries()) {
      const acknowledged = await table.filter((record) => record.rev !== null).toArray()
      for (const record of acknowledged) {
        if (record.createdBy === userId) {
          const change: RecordOutboxEntry['change'] = record.deletedAt ? { kind: 'delete' } : { kind: 'put', changed: [] }
          replays.push({ mutationId: uuidv7(), createdAt: at, table: RECORD_TABLES[i]!, recordId: record.id, baseRev: null, change, record, replay: true })
        }
      }
      await table.bulkPut(acknowledged.map((record) => ({ ...record, rev: 0 })))
    }
    const queued = await db.outbox.toArray()
    // New sequence numbers for the old entries, after the replays: a comment on a report the server lost must follow the report.
    // Their puts and deletes go as replays under new ids: the restored server may have lost the answer kept under the
    // old one, which others may know by now (a record's first change shares the record's id), and a replay of what
    // it has already is answered as done anyway.
    const requeued = queued.map(({ seq: _seq, ...entry }): OutboxEntry =>
      entry.table !== 'templates' && (entry.change.kind === 'put' || entry.change.kind === 'delete')
        ? { ...entry, mutationId: uuidv7(), baseRev: null, replay: true }
        : entry,
    )
    await db.outbox.clear()
    await db.outbox.bulkAdd([...replays, ...requeued])
    await db.held.clear()
    await db.meta.bulkDelete(['cursor', 'epoch'])
    return replays.length
  })
}
