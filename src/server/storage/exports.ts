import type { Kysely } from 'kysely'
import type { RecordTable } from '@/domain'
import { field } from './field-storage'
import type { Database } from './schema'
import type { InstantSpan } from './types'

/** One page of a community's records for a file export (see Storage.recordsPage). */
export async function recordsPage(
  db: Kysely<Database>,
  communityId: string,
  table: RecordTable,
  buildingId: string | null,
  within: (Partial<InstantSpan> & { field: string }) | null,
  afterRev: number,
  limit: number,
): Promise<Array<{ rev: number; record: Record<string, unknown> }>> {
  const at = within && field(db, within.field, 'records')
  const rows = await db
    .selectFrom('records')
    .select(['rev', 'data'])
    .where('community_id', '=', communityId)
    .where('table_name', '=', table)
    .where('deleted_at', 'is', null)
    .where('rev', '>', afterRev)
    .$if(buildingId !== null, (q) => q.where('building_id', '=', buildingId))
    .$if(!!at && within?.from !== undefined, (q) => q.where(at!, '>=', within!.from!))
    .$if(!!at && within?.to !== undefined, (q) => q.where(at!, '<', within!.to!))
    .orderBy('rev')
    .limit(limit)
    .execute()
  return rows.map((row) => ({ rev: Number(row.rev), record: JSON.parse(row.data) as Record<string, unknown> }))
}
