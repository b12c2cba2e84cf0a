import type { Kysely, Selectable } from 'kysely'
import type { Mentorship, MentorshipRow, PullTable } from '@/domain'
import type { Database, MentorshipsTable } from './schema'

/*
 * The office's pairings of leaders (老带新, src/domain/mentorship.ts): a table of the server's own, not a
 * synced record. A pairing that lasts has `ended_at` null; the partial unique index of 0018 keeps a mentee to
 * one such pairing even when two offices pair them at once.
 */

/** Ids per `in (…)`: far under both engines' limits on bound parameters. */
const CHUNK = 200

function toMentorship(row: Selectable<MentorshipsTable>): Mentorship {
  return {
    id: row.id,
    communityId: row.community_id,
    mentorId: row.mentor_id,
    menteeId: row.mentee_id,
    note: row.note,
    startedAt: row.started_at,
    startedBy: row.started_by,
    endedAt: row.ended_at,
    endedBy: row.ended_by,
  }
}

/** The community's pairings with both leaders' names: those that last first, then the ended ones, newest first. */
export async function listMentorships(db: Kysely<Database>, communityId: string): Promise<MentorshipRow[]> {
  const rows = await db
    .selectFrom('mentorships as m')
    .leftJoin('users as mentor', 'mentor.id', 'm.mentor_id')
    .leftJoin('users as mentee', 'mentee.id', 'm.mentee_id')
    .selectAll('m')
    .select(['mentor.display_name as mentor_name', 'mentee.display_name as mentee_name'])
    .where('m.community_id', '=', communityId)
    .execute()
  return rows
    .map((row) => ({ ...toMentorship(row), mentorName: row.mentor_name ?? '', menteeName: row.mentee_name ?? '' }))
    .sort((a, b) => Number(a.endedAt !== null) - Number(b.endedAt !== null) || b.startedAt.localeCompare(a.startedAt) || b.id.localeCompare(a.id))
}

export async function getMentorship(db: Kysely<Database>, id: string): Promise<Mentorship | undefined> {
  const row = await db.selectFrom('mentorships').selectAll().where('id', '=', id).executeTakeFirst()
  return row && toMentorship(row)
}

/** The pairings that last of a community, or of one mentor. */
export async function activeMentorships(db: Kysely<Database>, of: { communityId: string } | { mentorId: string }): Promise<Mentorship[]> {
  const rows = await db
    .selectFrom('mentorships')
    .selectAll()
    .where('ended_at', 'is', null)
    .where((eb) => ('communityId' in of ? eb('community_id', '=', of.communityId) : eb('mentor_id', '=', of.mentorId)))
    .orderBy('started_at')
    .orderBy('id')
    .execute()
  return rows.map(toMentorship)
}

/** Stores a new pairing; false when its mentee has one that lasts already (made meanwhile by someone else). */
export async function createMentorship(db: Kysely<Database>, pairing: Mentorship): Promise<boolean> {
  const result = await db
    .insertInto('mentorships')
    .values({
      id: pairing.id,
      community_id: pairing.communityId,
      mentor_id: pairing.mentorId,
      mentee_id: pairing.menteeId,
      note: pairing.note,
      started_at: pairing.startedAt,
      started_by: pairing.startedBy,
      ended_at: null,
      ended_by: null,
    })
    .onConflict((oc) => oc.column('mentee_id').where('ended_at', 'is', null).doNothing())
    .executeTakeFirst()
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1
}

/**
 * Ends a pairing that lasts, at once (two offices ending it together end it once); undefined when it had ended.
 * The storage runs it under the revision counter's lock, as a push's writes do, so that a push either commits its
 * notes before the end or sees the end under that lock (the procedure `push_batch`, migrations.ts) and decides again.
 */
export async function endMentorship(db: Kysely<Database>, id: string, at: string, by: string): Promise<Mentorship | undefined> {
  const result = await db.updateTable('mentorships').set({ ended_at: at, ended_by: by }).where('id', '=', id).where('ended_at', 'is', null).executeTakeFirst()
  if (Number(result.numUpdatedRows) !== 1) return undefined
  return getMentorship(db, id)
}

/** Ends every pairing that lasts in which the user mentors or is mentored. */
export async function endMentorshipsOf(db: Kysely<Database>, userId: string, at: string, by: string): Promise<void> {
  await db
    .updateTable('mentorships')
    .set({ ended_at: at, ended_by: by })
    .where((eb) => eb.or([eb('mentor_id', '=', userId), eb('mentee_id', '=', userId)]))
    .where('ended_at', 'is', null)
    .execute()
}

/** The records of these tables in these buildings of the community, not deleted: what a mentor's copy is made of. */
export async function buildingRecords(
  db: Kysely<Database>,
  communityId: string,
  buildingIds: string[],
  tables: PullTable[],
): Promise<Array<{ table: PullTable; data: Record<string, unknown> }>> {
  if (buildingIds.length === 0 || tables.length === 0) return []
  // Few buildings (a leader's): one query, by the records_building_rev index.
  const rows = await db
    .selectFrom('records')
    .select(['table_name', 'data'])
    .where('community_id', '=', communityId)
    .where('building_id', 'in', buildingIds)
    .where('table_name', 'in', tables)
    .where('deleted_at', 'is', null)
    .orderBy('rev')
    .execute()
  return rows.map((row) => ({ table: row.table_name, data: JSON.parse(row.data) as Record<string, unknown> }))
}

/** What a push needs of the pairings its mentor's notes name: each pairing, and its mentee's buildings now. */
export async function loadPairings(db: Kysely<Database>, ids: string[]): Promise<Map<string, { pairing: Mentorship; menteeBuildings: Set<string> }>> {
  const found = new Map<string, { pairing: Mentorship; menteeBuildings: Set<string> }>()
  const unique = [...new Set(ids)]
  for (let i = 0; i < unique.length; i += CHUNK) {
    const rows = await db
      .selectFrom('mentorships')
      .selectAll()
      .where('id', 'in', unique.slice(i, i + CHUNK))
      .execute()
    for (const row of rows) found.set(row.id, { pairing: toMentorship(row), menteeBuildings: new Set() })
  }
  const byMentee = new Map<string, Set<string>[]>()
  for (const { pairing, menteeBuildings } of found.values()) byMentee.set(pairing.menteeId, [...(byMentee.get(pairing.menteeId) ?? []), menteeBuildings])
  const mentees = [...byMentee.keys()]
  for (let i = 0; i < mentees.length; i += CHUNK) {
    const links = await db
      .selectFrom('user_buildings')
      .selectAll()
      .where('user_id', 'in', mentees.slice(i, i + CHUNK))
      .execute()
    for (const link of links) byMentee.get(link.user_id)?.forEach((buildings) => buildings.add(link.building_id))
  }
  return found
}
