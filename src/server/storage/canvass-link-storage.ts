import type { Kysely, Selectable } from 'kysely'
import type { PullTable } from '@/domain'
import type { CanvassLinksTable, Database } from './schema'
import type { CanvassLinkRecord, NewCanvassLink, StoredRow } from './types'

/*
 * One-time answer links of a canvass (src/domain/canvass-links.ts). A link is claimed only by the answer's
 * push (its mutation id is the link's id, which a push applies at most once), so `used_at` records what
 * happened and never decides it alone: two answers sent at once cannot both be recorded.
 */

function toLink(row: Selectable<CanvassLinksTable>): CanvassLinkRecord {
  return {
    id: row.id,
    tokenHash: row.token_hash,
    communityId: row.community_id,
    buildingId: row.building_id,
    canvassId: row.canvass_id,
    householdId: row.household_id,
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    usedAt: row.used_at,
    revokedAt: row.revoked_at,
  }
}

/** Stores a new link and revokes the household's earlier links that are still open, in one transaction. */
export async function createCanvassLink(db: Kysely<Database>, link: NewCanvassLink): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('canvass_links')
      .set({ revoked_at: link.createdAt })
      .where('canvass_id', '=', link.canvassId)
      .where('household_id', '=', link.householdId)
      .where('used_at', 'is', null)
      .where('revoked_at', 'is', null)
      .execute()
    await trx
      .insertInto('canvass_links')
      .values({
        id: link.id,
        token_hash: link.tokenHash,
        community_id: link.communityId,
        building_id: link.buildingId,
        canvass_id: link.canvassId,
        household_id: link.householdId,
        created_by: link.createdBy,
        created_at: link.createdAt,
        expires_at: link.expiresAt,
        used_at: null,
        revoked_at: null,
      })
      .execute()
  })
}

export async function canvassLinks(db: Kysely<Database>, canvassId: string): Promise<CanvassLinkRecord[]> {
  const rows = await db.selectFrom('canvass_links').selectAll().where('canvass_id', '=', canvassId).orderBy('id', 'desc').execute()
  return rows.map(toLink)
}

export async function canvassLink(db: Kysely<Database>, id: string): Promise<CanvassLinkRecord | undefined> {
  const row = await db.selectFrom('canvass_links').selectAll().where('id', '=', id).executeTakeFirst()
  return row && toLink(row)
}

export async function canvassLinkByTokenHash(db: Kysely<Database>, tokenHash: string): Promise<CanvassLinkRecord | undefined> {
  const row = await db.selectFrom('canvass_links').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst()
  return row && toLink(row)
}

export async function revokeCanvassLink(db: Kysely<Database>, id: string, at: string): Promise<boolean> {
  const row = await db
    .updateTable('canvass_links')
    .set({ revoked_at: at })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .returning('id')
    .executeTakeFirst()
  return row !== undefined
}

export async function markCanvassLinkUsed(db: Kysely<Database>, id: string, at: string): Promise<void> {
  await db.updateTable('canvass_links').set({ used_at: at }).where('id', '=', id).where('used_at', 'is', null).execute()
}

export async function storedRow(db: Kysely<Database>, table: PullTable, id: string): Promise<StoredRow | undefined> {
  const row = await db
    .selectFrom('records')
    .select(['community_id', 'building_id', 'deleted_at', 'data'])
    .where('table_name', '=', table)
    .where('id', '=', id)
    .executeTakeFirst()
  return row && { communityId: row.community_id, buildingId: row.building_id, deletedAt: row.deleted_at, data: JSON.parse(row.data) as Record<string, unknown> }
}
