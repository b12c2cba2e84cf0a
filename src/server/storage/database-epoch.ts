import { randomBytes } from 'node:crypto'
import { sql, type Kysely } from 'kysely'
import type { Database } from './schema'

/*
 * The database's epoch (docs/sync-protocol.md, "After a restore"): a random id made with the database and
 * changed by every restore from a backup. Revisions and cursors mean something only within one epoch: a
 * restored database counts its revisions again from the backup's, so a phone's cursor or base revision of
 * before the restore may name a change the database no longer has, or a different one.
 */

/** A new epoch: 16 random bytes, base64url (22 characters). */
export function newEpoch(): string {
  return randomBytes(16).toString('base64url')
}

/** The database's epoch (its one row in database_epoch, migration 0020). */
export async function readEpoch(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ epoch: string }>`select epoch from database_epoch where id = 1`.execute(db)
  if (!rows[0]) throw new Error('The database has no epoch: it was not migrated')
  return rows[0].epoch
}

/** Gives the database a new epoch, and answers it. */
export async function renewEpoch(db: Kysely<Database>): Promise<string> {
  const epoch = newEpoch()
  await sql`update database_epoch set epoch = ${epoch} where id = 1`.execute(db)
  return epoch
}
