import type { FastifyRequest } from 'fastify'
import { uuidv7, type AuditAction, type AuditDetail } from '@/domain'
import { principalOf } from './auth/authenticate'
import type { ServerContext } from './context'
import type { Cell } from './exports/cells'

/** What a route says of the action it audits; who and when come from the request and the clock. */
export interface Audited {
  action: AuditAction
  communityId: string | null
  /** A community, account or device id: never a name or a number. */
  target: string | null
  rows?: number | null
  /** Facts about the action, not about residents (filters, a file's kind, a mode, field names). */
  detail?: AuditDetail
}

/**
 * Records one audited action of the signed-in caller (the audit of issue 10; AuditEvent in the domain) and
 * returns its id. A failure to record is logged, never thrown: the action has happened (or the file is about
 * to leave), and answering it with an error would tell the office it had not. Routes that send a file call
 * it before the first byte, so that a download broken off half-way is on record too.
 */
export async function audit(ctx: ServerContext, request: FastifyRequest, what: Audited): Promise<string> {
  const principal = principalOf(request)
  const at = ctx.clock()
  const id = uuidv7(at.getTime())
  try {
    await ctx.storage.recordAudit({
      id,
      at: at.toISOString(),
      actorId: principal.userId,
      actorRole: principal.role,
      communityId: what.communityId,
      action: what.action,
      target: what.target,
      rows: what.rows ?? null,
      detail: what.detail ?? {},
    })
  } catch (error) {
    request.log.error({ err: error, action: what.action }, 'audit event not recorded')
  }
  return id
}

/**
 * The rows of a streamed export, counted as they are written: once the last is written the count goes on
 * the event recorded before the stream began. A download broken off leaves the event without a count.
 */
export async function* countedRows(ctx: ServerContext, request: FastifyRequest, eventId: string, rows: Iterable<Cell[]> | AsyncIterable<Cell[]>) {
  let count = 0
  for await (const row of rows) {
    count++
    yield row
  }
  await ctx.storage.setAuditRows(eventId, count).catch((error: unknown) => request.log.error({ err: error }, 'audit row count not recorded'))
}
