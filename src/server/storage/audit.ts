import type { Kysely } from 'kysely'
import { AuditAction, AuditDetail, Role, type AuditEvent, type AuditPage } from '@/domain'
import type { Database } from './schema'

/* The audit's storage (issue 10): one row per audited action, read newest first by the admin's page. */

/** An event as recorded: AuditEvent without the names, which are looked up when listed. */
export type NewAuditEvent = Omit<AuditEvent, 'actorName' | 'targetName'>

/** What the admin filters by: instants `from <= at < to`, and a page as offset and limit. */
export interface AuditFilter {
  communityId?: string
  actorId?: string
  action?: AuditAction
  from?: string
  to?: string
  offset: number
  limit: number
}

export async function recordAudit(db: Kysely<Database>, event: NewAuditEvent): Promise<void> {
  const { id, at, actorId, actorRole, communityId, action, target, rows, detail } = event
  await db
    .insertInto('audit_events')
    .values({ id, at, actor_id: actorId, actor_role: actorRole, community_id: communityId, action, target, rows, detail: JSON.stringify(detail) })
    .execute()
}

export async function setAuditRows(db: Kysely<Database>, id: string, rows: number): Promise<void> {
  await db.updateTable('audit_events').set({ rows }).where('id', '=', id).execute()
}

/** `communities`: the names of the communities by id (they are records, not a table to join). */
export async function auditEvents(db: Kysely<Database>, filter: AuditFilter, communities: Map<string, string>): Promise<AuditPage> {
  const filtered = db
    .selectFrom('audit_events')
    .$if(filter.communityId !== undefined, (q) => q.where('audit_events.community_id', '=', filter.communityId!))
    .$if(filter.actorId !== undefined, (q) => q.where('audit_events.actor_id', '=', filter.actorId!))
    .$if(filter.action !== undefined, (q) => q.where('audit_events.action', '=', filter.action!))
    .$if(filter.from !== undefined, (q) => q.where('audit_events.at', '>=', filter.from!))
    .$if(filter.to !== undefined, (q) => q.where('audit_events.at', '<', filter.to!))
  const { total } = await filtered.select((eb) => eb.fn.countAll<number | string>().as('total')).executeTakeFirstOrThrow()
  const rows = await filtered
    .leftJoin('users as actor', 'actor.id', 'audit_events.actor_id')
    .leftJoin('users as account', 'account.id', 'audit_events.target')
    .leftJoin('devices as device', 'device.id', 'audit_events.target')
    .leftJoin('users as owner', 'owner.id', 'device.user_id')
    .selectAll('audit_events')
    .select(['actor.display_name as actor_name', 'account.display_name as account_name', 'device.name as device_name', 'owner.display_name as owner_name'])
    .orderBy('audit_events.at', 'desc')
    .orderBy('audit_events.id', 'desc')
    .offset(filter.offset)
    .limit(filter.limit)
    .execute()
  return {
    total: Number(total),
    events: rows.map((row) => ({
      id: row.id,
      at: row.at,
      actorId: row.actor_id,
      actorName: row.actor_name,
      actorRole: Role.parse(row.actor_role),
      communityId: row.community_id,
      action: AuditAction.parse(row.action),
      target: row.target,
      targetName: row.account_name ?? (row.device_name !== null ? `${row.owner_name ?? ''} · ${row.device_name}` : (communities.get(row.target ?? '') ?? null)),
      rows: row.rows === null ? null : Number(row.rows),
      detail: AuditDetail.parse(JSON.parse(row.detail)),
    })),
  }
}
