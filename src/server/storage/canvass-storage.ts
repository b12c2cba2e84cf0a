import type { Kysely } from 'kysely'
import { Canvass, CanvassAnswer } from '@/domain'
import type { Database } from './schema'

/*
 * What the office's canvass routes read of the records table (src/domain/canvass.ts). Canvasses and their answers
 * are records like visits: phones push them, and the office's own canvasses are written by the storage class
 * with a revision (KyselyStorage.writeCanvass), so that the building's phones pull them.
 */

/** A canvass by id and the community it is of, when it exists and is not deleted. */
export async function getCanvass(db: Kysely<Database>, id: string): Promise<{ communityId: string; canvass: Canvass } | undefined> {
  const row = await db
    .selectFrom('records')
    .select(['community_id', 'data'])
    .where('table_name', '=', 'canvasses')
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
  return row && { communityId: row.community_id, canvass: Canvass.parse(JSON.parse(row.data)) }
}

/** The community's canvasses, not deleted, newest first (ids are made in time order). */
export async function listCanvasses(db: Kysely<Database>, communityId: string): Promise<Canvass[]> {
  const rows = await db
    .selectFrom('records')
    .select('data')
    .where('table_name', '=', 'canvasses')
    .where('community_id', '=', communityId)
    .where('deleted_at', 'is', null)
    .orderBy('id', 'desc')
    .execute()
  return rows.map((row) => Canvass.parse(JSON.parse(row.data)))
}

/**
 * Every answer to these canvasses of the community (of one building when given), earlier ones included, not
 * deleted. An answer's building is its canvass's, so a building narrows the rows by index.
 */
export async function canvassAnswers(db: Kysely<Database>, communityId: string, canvassIds: string[], buildingId: string | null): Promise<CanvassAnswer[]> {
  const wanted = new Set(canvassIds)
  const rows = await db
    .selectFrom('records')
    .select('data')
    .where('table_name', '=', 'canvassAnswers')
    .where('community_id', '=', communityId)
    .where('deleted_at', 'is', null)
    .$if(buildingId !== null, (q) => q.where('building_id', '=', buildingId))
    .orderBy('rev')
    .execute()
  return rows.map((row) => CanvassAnswer.parse(JSON.parse(row.data))).filter((answer) => wanted.has(answer.canvassId))
}
