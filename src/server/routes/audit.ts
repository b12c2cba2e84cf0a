import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { addDays, AuditPage, AuditQuery, chinaDayStart } from '@/domain'
import { principalOf } from '../auth/authenticate'
import type { ServerContext } from '../context'
import { errorResponses, HttpError } from '../errors'

/**
 * `GET /audit` (behind `authenticate`): the audit (src/domain/audit.ts), newest first, filtered and paged.
 * Admins only: an office's own reads are what the audit watches, so it does not get to review them.
 */
export const auditRoutes: FastifyPluginAsyncZod<{ ctx: ServerContext }> = async (app, { ctx }) => {
  app.get(
    '/audit',
    { schema: { tags: ['audit'], querystring: AuditQuery, response: { 200: AuditPage, ...errorResponses(400, 401, 403) } } },
    async (request) => {
      if (principalOf(request).role !== 'admin') throw new HttpError(403, 'forbidden', 'Only an admin reads the audit.')
      const { communityId, actorId, action, from, to, page, pageSize } = request.query
      if (from && to && from > to) throw new HttpError(400, 'bad_request', '开始日期不能晚于结束日期')
      if (communityId && !(await ctx.storage.getCommunity(communityId))) throw new HttpError(400, 'bad_request', '没有这个社区')
      return ctx.storage.auditEvents({
        ...(communityId && { communityId }),
        ...(actorId && { actorId }),
        ...(action && { action }),
        // China days, as the instants they start at: `to` is the last day asked for.
        ...(from && { from: chinaDayStart(from) }),
        ...(to && { to: chinaDayStart(addDays(to, 1)) }),
        offset: (page - 1) * pageSize,
        limit: pageSize,
      })
    },
  )
}
