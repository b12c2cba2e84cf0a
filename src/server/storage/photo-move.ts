import type { Kysely } from 'kysely'
import type { Database } from './schema'

/*
 * What moving an existing deployment's photos into object storage needs of the database (src/server/cli/photos-to-s3.ts):
 * every stored photo's hash, page by page, and then dropping the bytes PostgreSQL kept in the row.
 */

/** The hashes of stored photos after `after`, in hash order, at most `limit`. */
export async function attachmentHashes(db: Kysely<Database>, after: string, limit: number): Promise<string[]> {
  const rows = await db.selectFrom('attachments').select('sha256').where('sha256', '>', after).orderBy('sha256').limit(limit).execute()
  return rows.map((row) => row.sha256)
}

/** Empties the content column of these photos: their bytes are in the object store now. */
export async function dropInlineContent(db: Kysely<Database>, hashes: string[]): Promise<void> {
  if (hashes.length) await db.updateTable('attachments').set({ content: null }).where('sha256', 'in', hashes).execute()
}
