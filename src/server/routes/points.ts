import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { chinaMonth, Month, NewPointAdjustment, PointAdjustment, PointsMonth, RefId, ROSTER_XLSX_TYPE, uuidv7 } from '@/domain'
import { audit } from '../audit'
import { principalOf } from '../auth/authenticate'
import { managedCommunity } from '../auth/community'
import type { ServerContext } from '../context'
import { errorResponses, HttpError } from '../errors'
import { attachment, streamOf, writeXlsx } from '../exports/write'
import { pointsMonth, recognitionTable } from '../points/month'

const CommunityParams = z.object({ id: RefId })
/** The month asked for; this month (in China) when none is. */
const MonthQuery = z.object({ month: Month.optional() })

/**
 * Volunteer points (src/domain/points.ts): the month's ranking, the recognition list and the office's
 * adjustments. Office staff of the community and admins; leaders are refused (their phones count their own).
 */
export const pointsRoutes: FastifyPluginAsyncZod<{ ctx: ServerContext }> = async (app, { ctx }) => {
  const monthOf = (month: string | undefined) => month ?? chinaMonth(ctx.clock())

  app.get(
    '/communities/:id/points',
    { schema: { tags: ['points'], params: CommunityParams, querystring: MonthQuery, response: { 200: PointsMonth, ...errorResponses(400, 401, 403, 404) } } },
    async (request) => {
      const community = await managedCommunity(ctx, principalOf(request), request.params.id)
      return pointsMonth(ctx.storage, community, monthOf(request.query.month))
    },
  )

  app.get(
    '/communities/:id/points/export.xlsx',
    {
      schema: {
        tags: ['points'],
        summary: '表彰名单: the leaders who earned points in the month, by rank',
        params: CommunityParams,
        querystring: MonthQuery,
        response: { 200: { description: 'An .xlsx workbook', content: { [ROSTER_XLSX_TYPE]: { schema: z.any() } } }, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const community = await managedCommunity(ctx, principalOf(request), request.params.id)
      const month = monthOf(request.query.month)
      const table = recognitionTable(await pointsMonth(ctx.storage, community, month))
      const name = `${community.name}${month}志愿楼长表彰名单.xlsx`
      return reply
        .code(200)
        .type(ROSTER_XLSX_TYPE)
        .header('content-disposition', attachment(name, `points-${month}.xlsx`))
        .send(streamOf((out) => writeXlsx([table], out)))
    },
  )

  app.post(
    '/communities/:id/points/adjustments',
    {
      schema: {
        tags: ['points'],
        params: CommunityParams,
        body: NewPointAdjustment,
        response: { 201: PointAdjustment, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request)
      const community = await managedCommunity(ctx, principal, request.params.id)
      const now = ctx.clock()
      const leader = await ctx.storage.getUser(request.body.userId)
      if (!leader || leader.communityId !== community.id || leader.role !== 'leader') throw new HttpError(400, 'bad_request', '这个社区没有这位楼长')
      // Months are compared as text: YYYY-MM sorts as time does.
      if (request.body.month > chinaMonth(now)) throw new HttpError(400, 'bad_request', '不能调整还没到的月份')
      const adjustment: PointAdjustment = { ...request.body, id: uuidv7(now.getTime()), by: principal.userId, at: now.toISOString() }
      // A reference row of the community: the leader's phones pull it (and only theirs do, records.for_user).
      await ctx.storage.putReference(community.id, 'pointAdjustments', [adjustment])
      const { month, points, reason } = adjustment
      await audit(ctx, request, { action: 'points.adjust', communityId: community.id, target: leader.id, detail: { month, points, reason } })
      return reply.code(201).send(adjustment)
    },
  )
}
