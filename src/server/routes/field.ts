import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { chinaDay, chinaMonth, Community, CommunitySettings, CommunitySettingsChange, Coverage, CoverageHousehold, Month, MonthlyReport, RefId } from '@/domain'
import { audit } from '../audit'
import { principalOf } from '../auth/authenticate'
import { managedCommunity } from '../auth/community'
import type { ServerContext } from '../context'
import { errorResponses, HttpError } from '../errors'
import { communityCoverage, coverageField, householdsOf } from '../field/coverage'
import { monthlyReport } from '../field/report'

const CommunityParams = z.object({ id: RefId })
/** The month asked for; this month (in China) when none is. */
const MonthQuery = z.object({ month: Month.optional() })
const HouseholdsQuery = MonthQuery.extend({ buildingId: RefId.optional(), leaderId: RefId.optional() })

/**
 * What the office reads of the field (src/domain/reports.ts): coverage and the monthly report, and the
 * community's settings that coverage and the phones' worklists follow. Office staff of the community and
 * admins; leaders are refused.
 */
export const fieldRoutes: FastifyPluginAsyncZod<{ ctx: ServerContext }> = async (app, { ctx }) => {
  const monthOf = (month: string | undefined) => month ?? chinaMonth(ctx.clock())

  app.get(
    '/communities/:id/coverage',
    { schema: { tags: ['field'], params: CommunityParams, querystring: MonthQuery, response: { 200: Coverage, ...errorResponses(400, 401, 403, 404) } } },
    async (request) => {
      const community = await managedCommunity(ctx, principalOf(request), request.params.id)
      return communityCoverage(ctx.storage, community, monthOf(request.query.month), chinaDay(ctx.clock()))
    },
  )

  app.get(
    '/communities/:id/coverage/households',
    {
      schema: {
        tags: ['field'],
        params: CommunityParams,
        querystring: HouseholdsQuery,
        response: { 200: z.array(CoverageHousehold), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const community = await managedCommunity(ctx, principalOf(request), request.params.id)
      const { month, buildingId, leaderId } = request.query
      if ((buildingId === undefined) === (leaderId === undefined)) throw new HttpError(400, 'bad_request', 'Give either buildingId or leaderId.')
      const field = await coverageField(ctx.storage, community, monthOf(month), chinaDay(ctx.clock()))
      const known = buildingId !== undefined ? field.buildings.some((b) => b.id === buildingId) : field.leaders.some((l) => l.id === leaderId)
      if (!known) throw new HttpError(404, 'not_found', buildingId !== undefined ? 'No such building in this community.' : 'No such leader in this community.')
      const households = householdsOf(field, buildingId !== undefined ? { buildingId } : { leaderId: leaderId! })
      // The list names the residents of each household.
      const detail = { via: 'coverage', month: monthOf(month), buildingId: buildingId ?? null, leaderId: leaderId ?? null }
      await audit(ctx, request, { action: 'households.read', communityId: community.id, target: community.id, rows: households.length, detail })
      return households.map(({ care: _care, ...household }) => household)
    },
  )

  app.get(
    '/communities/:id/report',
    { schema: { tags: ['field'], params: CommunityParams, querystring: MonthQuery, response: { 200: MonthlyReport, ...errorResponses(400, 401, 403, 404) } } },
    async (request) => {
      const community = await managedCommunity(ctx, principalOf(request), request.params.id)
      return monthlyReport(ctx.storage, community, monthOf(request.query.month), chinaDay(ctx.clock()))
    },
  )

  app.patch(
    '/communities/:id/settings',
    {
      schema: {
        tags: ['field'],
        params: CommunityParams,
        body: CommunitySettingsChange,
        response: { 200: CommunitySettings, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const community = await managedCommunity(ctx, principalOf(request), request.params.id)
      // Stored as a new revision of the community, so the phones take the intervals with their next pull;
      // changed as it stands when written, so that two offices' changes of different settings both hold.
      const changed = await ctx.storage.updateReference<Community>(community.id, 'communities', community.id, (current) =>
        Community.parse({ ...(current ?? community), settings: { ...(current ?? community).settings, ...request.body } }),
      )
      // The point rules decide every leader's points and ranking: their new values go on record.
      const points = request.body.points ? Object.entries(changed.settings.points).map(([kind, value]) => `${kind}=${value}`) : null
      await audit(ctx, request, { action: 'settings.change', communityId: community.id, target: community.id, detail: { fields: Object.keys(request.body), points } })
      return changed.settings
    },
  )
}
