import type { Kysely } from 'kysely'
import type { RecordTable } from '@/domain'
import type { Database } from './schema'

/** One page of a community's records for a file export (see Storage.recordsPage). */
export async function recordsPage(
  db: Kysely<Database>,
  communityId: string,
  table: RecordTable,
  buildingId: string | null,
  afterRev: number,
  limit: number,
): Promise<Array<{ rev: number; record: Record<string, unknown> }>> {
  const rows = await db
    .selectFrom('records')
    .select(['rev', 'data'])
    .where('community_id', '=', communityId)
    .where('table_name', '=', table)
    .where('deleted_at', 'is', null)
    .where('rev', '>', afterRev)
    .$if(buildingId !== null, (q) => q.where('building_id', '=', buildingId))
    .orderBy('rev')
    .limit(limit)
    .execute()
  return rows.map((row) => ({ rev: Number(row.rev), record: JSON.parse(row.data) as Record<string, unknown> }))
}
