import { sql, SqliteAdapter, type Kysely, type RawBuilder } from 'kysely'
import type { IssueEvent } from '@/domain'
import type { Database } from './schema'
import type { FollowUpRow, HouseholdVisits, InstantSpan } from './types'

/*
 * The field overview's aggregates (coverage and the monthly report) over the leaders' records, in SQL on
 * both engines. Records keep their fields as JSON text in `data`: SQLite reads them with json_extract,
 * PostgreSQL with ->> on a jsonb cast. Timestamps are compared as ISO text (always UTC, `Z`), under the "C"
 * collation on PostgreSQL so that a database created with a language locale orders them byte by byte as SQLite
 * does. Days and months are never computed in SQL (its date functions work in UTC): the callers pass the
 * instants a China month starts and ends at (monthSpan) and turn timestamps into China days in TypeScript.
 */

export const isSqlite = (db: Kysely<Database>) => db.getExecutor().adapter instanceof SqliteAdapter

/** A top-level field of a record's data as text (numbers too, on PostgreSQL); `alias` is the records row. */
export function field(db: Kysely<Database>, name: string, alias = 'r'): RawBuilder<string | null> {
  return isSqlite(db)
    ? sql`json_extract(${sql.ref(`${alias}.data`)}, ${sql.lit(`$.${name}`)})`
    : sql`((${sql.ref(`${alias}.data`)}::jsonb ->> ${sql.lit(name)}) collate "C")`
}

/** Whether an inspection row `r` has an item answered `fail`. */
function anyFailed(db: Kysely<Database>): RawBuilder<boolean> {
  return isSqlite(db)
    ? sql`exists (select 1 from json_each(r.data, '$.answers') a where json_extract(a.value, '$.result') = 'fail')`
    : sql`exists (select 1 from jsonb_each(r.data::jsonb -> 'answers') a where a.value ->> 'result' = 'fail')`
}

/** Live records of one table of a community, as `r`. */
function live(table: 'visits' | 'issues' | 'inspections', communityId: string) {
  return sql`r.table_name = ${table} and r.community_id = ${communityId} and r.deleted_at is null`
}

/** `at` within the span (`from <= at < to`). */
const within = (at: RawBuilder<unknown>, span: InstantSpan) => sql`${at} >= ${span.from} and ${at} < ${span.to}`

export async function visitsByHousehold(db: Kysely<Database>, communityId: string, before: string, month: InstantSpan): Promise<HouseholdVisits[]> {
  const household = field(db, 'householdId')
  const at = field(db, 'visitedAt')
  const { rows } = await sql<{ householdId: string; lastVisitedAt: string; inMonth: number | string }>`
    select ${household} as "householdId", max(${at}) as "lastVisitedAt", sum(case when ${within(at, month)} then 1 else 0 end) as "inMonth"
    from records r where ${live('visits', communityId)} and ${at} < ${before}
    group by ${household}`.execute(db)
  return rows.map((row) => ({ householdId: row.householdId, lastVisitedAt: row.lastVisitedAt, visitsInMonth: Number(row.inMonth) }))
}

export async function followUpRows(db: Kysely<Database>, communityId: string, before: string): Promise<FollowUpRow[]> {
  const at = field(db, 'visitedAt')
  const followUpOn = field(db, 'followUpOn')
  const follows = field(db, 'followsVisitId')
  const { rows } = await sql<FollowUpRow>`
    select r.id as "id", ${field(db, 'householdId')} as "householdId", ${at} as "visitedAt", ${followUpOn} as "followUpOn", ${follows} as "followsVisitId"
    from records r where ${live('visits', communityId)} and ${at} < ${before} and (${followUpOn} is not null or ${follows} is not null)`.execute(db)
  return rows
}

export async function monthVisitCounts(db: Kysely<Database>, communityId: string, month: InstantSpan) {
  const purpose = field(db, 'purpose')
  const { rows } = await sql<{ buildingId: string; purpose: string; count: number | string }>`
    select r.building_id as "buildingId", ${purpose} as "purpose", count(*) as "count"
    from records r where ${live('visits', communityId)} and ${within(field(db, 'visitedAt'), month)}
    group by r.building_id, ${purpose}`.execute(db)
  return rows.map((row) => ({ ...row, count: Number(row.count) }))
}

export async function monthIssueCounts(db: Kysely<Database>, communityId: string, month: InstantSpan) {
  const category = field(db, 'category')
  const status = field(db, 'status')
  const { rows } = await sql<{ category: string; status: string; count: number | string }>`
    select ${category} as "category", ${status} as "status", count(*) as "count"
    from records r where ${live('issues', communityId)} and ${within(field(db, 'createdAt'), month)}
    group by ${category}, ${status}`.execute(db)
  return rows.map((row) => ({ ...row, count: Number(row.count) }))
}

export async function monthIssueTimelines(db: Kysely<Database>, communityId: string, month: InstantSpan) {
  const createdAt = field(db, 'createdAt')
  const { rows } = await sql<{ createdAt: string; events: string }>`
    select ${createdAt} as "createdAt", ${field(db, 'events')} as "events"
    from records r where ${live('issues', communityId)} and ${within(createdAt, month)}`.execute(db)
  return rows.map((row) => ({ createdAt: row.createdAt, events: JSON.parse(row.events) as IssueEvent[] }))
}

export async function monthInspectionCounts(db: Kysely<Database>, communityId: string, month: InstantSpan) {
  const template = field(db, 'templateId')
  const { rows } = await sql<{ templateId: string; count: number | string; failed: number | string }>`
    select ${template} as "templateId", count(*) as "count", sum(case when ${anyFailed(db)} then 1 else 0 end) as "failed"
    from records r where ${live('inspections', communityId)} and ${within(field(db, 'completedAt'), month)}
    group by ${template}`.execute(db)
  return rows.map((row) => ({ templateId: row.templateId, count: Number(row.count), failed: Number(row.failed) }))
}

export async function monthFailedItems(db: Kysely<Database>, communityId: string, month: InstantSpan) {
  const template = field(db, 'templateId')
  const failedAnswers = isSqlite(db)
    ? sql`records r, json_each(r.data, '$.answers') a where json_extract(a.value, '$.result') = 'fail'`
    : sql`records r cross join lateral jsonb_each(r.data::jsonb -> 'answers') a where a.value ->> 'result' = 'fail'`
  const { rows } = await sql<{ templateId: string; itemId: string; count: number | string }>`
    select ${template} as "templateId", a.key as "itemId", count(*) as "count"
    from ${failedAnswers} and ${live('inspections', communityId)} and ${within(field(db, 'completedAt'), month)}
    group by ${template}, a.key`.execute(db)
  return rows.map((row) => ({ templateId: row.templateId, itemId: row.itemId, count: Number(row.count) }))
}
