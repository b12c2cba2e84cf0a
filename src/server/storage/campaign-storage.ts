import { sql, type Kysely } from 'kysely'
import { Campaign, inspectionSource, type Inspection, type IssueReport } from '@/domain'
import type { Database } from './schema'

/**
 * What the campaign routes read of the records table (src/domain/campaigns.ts). Records keep their data as JSON
 * text, and SQLite and PostgreSQL query JSON differently; so the SQL narrows with a LIKE on the field as
 * JSON.stringify writes it (`"campaignId":"…"`, the same text on both engines) and the exact field is then
 * checked on the parsed record: LIKE is case-insensitive on SQLite, and a note could quote the same text.
 */

/** Statements OR at most this many patterns, far under both engines' limits on bound parameters. */
const PATTERNS = 100

/** A LIKE pattern that finds `"field":"value"` anywhere in a record's JSON text (`!` escapes). */
function fieldPattern(field: string, value: string): string {
  return `%${`"${field}":${JSON.stringify(value)}`.replace(/[!%_]/g, '!$&')}%`
}

async function recordsNaming(
  db: Kysely<Database>,
  table: 'inspections' | 'issues',
  communityId: string,
  field: string,
  values: string[],
): Promise<Array<Record<string, unknown>>> {
  const unique = [...new Set(values)]
  const found: Array<Record<string, unknown>> = []
  for (let i = 0; i < unique.length; i += PATTERNS) {
    const part = unique.slice(i, i + PATTERNS)
    const rows = await db
      .selectFrom('records')
      .select('data')
      .where('table_name', '=', table)
      .where('community_id', '=', communityId)
      .where('deleted_at', 'is', null)
      .where((eb) => eb.or(part.map((value) => sql<boolean>`data like ${fieldPattern(field, value)} escape '!'`)))
      .orderBy('rev')
      .execute()
    found.push(...rows.map((row) => JSON.parse(row.data) as Record<string, unknown>))
  }
  return found
}

export async function getCampaign(db: Kysely<Database>, id: string): Promise<Campaign | undefined> {
  const row = await db
    .selectFrom('records')
    .select('data')
    .where('table_name', '=', 'campaigns')
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .executeTakeFirst()
  return row ? Campaign.parse(JSON.parse(row.data)) : undefined
}

export async function campaignInspections(db: Kysely<Database>, communityId: string, campaignIds: string[]): Promise<Inspection[]> {
  const wanted = new Set(campaignIds)
  const rows = await recordsNaming(db, 'inspections', communityId, 'campaignId', campaignIds)
  // Records were validated when pushed.
  return (rows as unknown as Inspection[]).filter((i) => typeof i.campaignId === 'string' && wanted.has(i.campaignId))
}

export async function issuesFromInspections(db: Kysely<Database>, communityId: string, inspectionIds: string[]): Promise<IssueReport[]> {
  const wanted = new Set(inspectionIds)
  const rows = await recordsNaming(db, 'issues', communityId, 'inspectionId', inspectionIds)
  return (rows as unknown as IssueReport[]).filter((issue) => wanted.has(inspectionSource(issue.source)?.inspectionId ?? ''))
}
