import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { isDeepStrictEqual } from 'node:util'
import { z } from 'zod'
import {
  Campaign,
  CampaignProgress,
  CampaignSummary,
  campaignBuildingState,
  inspectionSource,
  NewCampaign,
  NewReminder,
  RefId,
  uuidv7,
  type Building,
  type CampaignBuilding,
  type CampaignHazard,
  type ChecklistTemplate,
  type Inspection,
  type IssueReport,
} from '@/domain'
import { principalOf } from '../auth/authenticate'
import { managedCommunity } from '../auth/community'
import type { ServerContext } from '../context'
import { errorResponses, HttpError } from '../errors'
import type { Principal } from '../storage/types'

const CommunityParams = z.object({ id: RefId })
const CampaignParams = z.object({ id: RefId })

const MAX_REMINDERS = 100

/** The failed items of an inspection, in the order of the template version it followed. */
function failedItems(inspection: Inspection, template: ChecklistTemplate | undefined): Array<{ itemId: string; label: string }> {
  const failed = Object.keys(inspection.answers).filter((itemId) => inspection.answers[itemId]?.result === 'fail')
  const order = template?.items.map((item) => item.id) ?? []
  failed.sort((a, b) => order.indexOf(a) - order.indexOf(b))
  return failed.map((itemId) => ({ itemId, label: template?.items.find((item) => item.id === itemId)?.label ?? itemId }))
}

const templateOf = (templates: ChecklistTemplate[], id: string, version: number) => templates.find((t) => t.id === id && t.version === version)

/** The inspections that count for a campaign: named for it, in one of its buildings (a push may name any campaign). */
const ofCampaign = (campaign: Campaign, inspections: Inspection[]) =>
  inspections.filter((i) => i.campaignId === campaign.id && campaign.buildingIds.includes(i.buildingId))

/** Per building of the campaign: where it stands, who inspected there for it and when it was first done. */
function campaignBuildings(campaign: Campaign, buildings: Building[], inspections: Inspection[]): CampaignBuilding[] {
  const byId = new Map(buildings.map((b) => [b.id, b]))
  return campaign.buildingIds.map((buildingId) => {
    const mine = inspections.filter((i) => i.buildingId === buildingId && !i.deletedAt)
    const completed = mine.flatMap((i) => (i.completedAt ? [i.completedAt] : [])).sort()
    const completedAt = completed[0] ?? null
    return {
      buildingId,
      address: byId.get(buildingId)?.address ?? '',
      name: byId.get(buildingId)?.name ?? '',
      state: campaignBuildingState(campaign.id, buildingId, inspections),
      by: [...new Set(mine.map((i) => i.createdBy))],
      inspectionIds: mine.map((i) => i.id),
      completedAt,
      late: completedAt !== null && completedAt > campaign.deadline,
    }
  })
}

/** Every failed item of the campaign's inspections, with the report the leader raised of it, if any. */
function campaignHazards(inspections: Inspection[], templates: ChecklistTemplate[], issues: IssueReport[]): CampaignHazard[] {
  return inspections
    .filter((i) => !i.deletedAt)
    .flatMap((inspection) =>
      failedItems(inspection, templateOf(templates, inspection.templateId, inspection.templateVersion)).map(({ itemId, label }) => {
        const answer = inspection.answers[itemId]!
        const issue = issues.find((r) => isDeepStrictEqual(inspectionSource(r.source), { inspectionId: inspection.id, itemId }) && !r.deletedAt)
        return {
          inspectionId: inspection.id,
          buildingId: inspection.buildingId,
          itemId,
          label,
          result: 'fail' as const,
          note: answer.note,
          photos: [...answer.photos],
          by: inspection.createdBy,
          issueId: issue?.id ?? null,
          issueStatus: issue?.status ?? null,
        }
      }),
    )
}

/**
 * Inspection campaigns (src/domain/campaigns.ts): the office launches, reminds and closes them here; the records
 * are reference data of the community, so every change reaches its phones with their next pull.
 */
export const campaignRoutes: FastifyPluginAsyncZod<{ ctx: ServerContext }> = async (app, { ctx }) => {
  const { storage } = ctx

  /** A campaign the caller may manage: unknown and another community's alike are 404, a leader 403. */
  async function managedCampaign(principal: Principal, id: string): Promise<Campaign> {
    if (principal.role === 'leader') throw new HttpError(403, 'forbidden', 'Leaders receive campaigns through sync.')
    const campaign = await storage.getCampaign(id)
    if (!campaign) throw new HttpError(404, 'not_found', 'No such campaign.')
    await managedCommunity(ctx, principal, campaign.communityId)
    return campaign
  }

  async function progressOf(campaign: Campaign): Promise<CampaignProgress> {
    const templates = (await storage.listReference(campaign.communityId, 'templates')) as unknown as ChecklistTemplate[]
    const buildings = (await storage.listReference(campaign.communityId, 'buildings')) as unknown as Building[]
    const inspections = ofCampaign(campaign, await storage.campaignInspections(campaign.communityId, [campaign.id]))
    const issues = await storage.issuesFromInspections(campaign.communityId, inspections.map((i) => i.id))
    return {
      campaign,
      templateTitle: templateOf(templates, campaign.templateId, campaign.templateVersion)?.title ?? '',
      buildings: campaignBuildings(campaign, buildings, inspections),
      hazards: campaignHazards(inspections, templates, issues),
    }
  }

  app.get(
    '/communities/:id/campaigns',
    { schema: { tags: ['campaigns'], params: CommunityParams, response: { 200: z.array(CampaignSummary), ...errorResponses(400, 401, 403, 404) } } },
    async (request) => {
      const community = await managedCommunity(ctx, principalOf(request), request.params.id)
      const campaigns = (await storage.listReference(community.id, 'campaigns')) as unknown as Campaign[]
      const inspections = await storage.campaignInspections(
        community.id,
        campaigns.map((c) => c.id),
      )
      const templates = (await storage.listReference(community.id, 'templates')) as unknown as ChecklistTemplate[]
      return campaigns
        .map((campaign) => {
          const own = ofCampaign(campaign, inspections)
          const states = campaign.buildingIds.map((b) => campaignBuildingState(campaign.id, b, own))
          return {
            ...campaign,
            buildingsDone: states.filter((s) => s === 'done').length,
            buildingsStarted: states.filter((s) => s === 'in_progress').length,
            hazards: own.filter((i) => !i.deletedAt).flatMap((i) => failedItems(i, templateOf(templates, i.templateId, i.templateVersion))).length,
          }
        })
        .sort((a, b) => b.launchedAt.localeCompare(a.launchedAt) || b.id.localeCompare(a.id))
    },
  )

  app.post(
    '/communities/:id/campaigns',
    { schema: { tags: ['campaigns'], params: CommunityParams, body: NewCampaign, response: { 201: Campaign, ...errorResponses(400, 401, 403, 404) } } },
    async (request, reply) => {
      const principal = principalOf(request)
      const community = await managedCommunity(ctx, principal, request.params.id)
      const body = request.body
      const now = ctx.clock()
      if (body.deadline <= now.toISOString()) throw new HttpError(400, 'bad_request', 'The deadline has passed already.')

      const versions = ((await storage.listReference(community.id, 'templates')) as unknown as ChecklistTemplate[]).filter((t) => t.id === body.templateId)
      const newest = versions.reduce<ChecklistTemplate | undefined>((a, t) => (!a || t.version > a.version ? t : a), undefined)
      const template = body.templateVersion === undefined ? newest : versions.find((t) => t.version === body.templateVersion)
      if (!template) throw new HttpError(400, 'bad_request', 'The community has no such checklist template (or version).')

      const buildings = (await storage.listReference(community.id, 'buildings')) as unknown as Building[]
      const known = new Set(buildings.map((b) => b.id))
      const named = [...new Set(body.buildingIds)]
      if (named.some((id) => !known.has(id))) throw new HttpError(400, 'bad_request', 'A building named is not of this community.')
      const buildingIds = named.length > 0 ? named : buildings.map((b) => b.id)
      if (buildingIds.length === 0) throw new HttpError(400, 'bad_request', 'The community has no buildings yet.')

      const campaign: Campaign = {
        id: uuidv7(now.getTime()),
        communityId: community.id,
        title: body.title,
        note: body.note,
        templateId: template.id,
        templateVersion: template.version,
        buildingIds,
        deadline: body.deadline,
        launchedAt: now.toISOString(),
        launchedBy: principal.userId,
        reminders: [],
        closedAt: null,
      }
      await storage.putReference(campaign.communityId, 'campaigns', [campaign])
      return reply.code(201).send(campaign)
    },
  )

  app.get(
    '/campaigns/:id',
    { schema: { tags: ['campaigns'], params: CampaignParams, response: { 200: CampaignProgress, ...errorResponses(400, 401, 403, 404) } } },
    async (request) => progressOf(await managedCampaign(principalOf(request), request.params.id)),
  )

  app.post(
    '/campaigns/:id/reminders',
    { schema: { tags: ['campaigns'], params: CampaignParams, body: NewReminder, response: { 200: Campaign, ...errorResponses(400, 401, 403, 404, 409) } } },
    async (request) => {
      const principal = principalOf(request)
      const { communityId } = await managedCampaign(principal, request.params.id)
      return storage.updateReference<Campaign>(communityId, 'campaigns', request.params.id, (campaign) => {
        if (!campaign) throw new HttpError(404, 'not_found', 'No such campaign.')
        if (campaign.closedAt) throw new HttpError(409, 'conflict', 'The campaign is closed.')
        if (campaign.reminders.length >= MAX_REMINDERS) throw new HttpError(409, 'conflict', `A campaign takes at most ${MAX_REMINDERS} reminders.`)
        return { ...campaign, reminders: [...campaign.reminders, { at: ctx.clock().toISOString(), by: principal.userId, text: request.body.text }] }
      })
    },
  )

  app.post(
    '/campaigns/:id/close',
    { schema: { tags: ['campaigns'], params: CampaignParams, response: { 200: CampaignProgress, ...errorResponses(400, 401, 403, 404, 409) } } },
    async (request) => {
      const { communityId } = await managedCampaign(principalOf(request), request.params.id)
      const closed = await storage.updateReference<Campaign>(communityId, 'campaigns', request.params.id, (campaign) => {
        if (!campaign) throw new HttpError(404, 'not_found', 'No such campaign.')
        if (campaign.closedAt) throw new HttpError(409, 'conflict', 'The campaign is closed already.')
        return { ...campaign, closedAt: ctx.clock().toISOString() }
      })
      return progressOf(closed)
    },
  )
}
