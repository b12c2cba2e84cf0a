import type { Campaign, Inspection } from '@/domain'
import { repos } from '@/app/db'
import { queries } from '@/app/db/read'
import type { Author } from '@/app/db/records'

/** The campaign's template version has not reached this phone yet (it comes with the same pull, so rarely). */
export class CampaignTemplateMissing extends Error {
  constructor(campaign: Pick<Campaign, 'templateId' | 'templateVersion'>) {
    super(`template ${campaign.templateId}@${campaign.templateVersion} not on this phone`)
    this.name = 'CampaignTemplateMissing'
  }
}

/**
 * Starts the inspection a campaign asks for in one building: the campaign's template version (not the newest
 * on the phone, which the office may have moved on from) and its id, so that the office counts it.
 */
export async function startCampaignInspection(campaign: Campaign, buildingId: string, author: Author, now = new Date()): Promise<Inspection> {
  const template = await queries.template(campaign.templateId, campaign.templateVersion)
  if (!template) throw new CampaignTemplateMissing(campaign)
  return repos.inspections.create(
    {
      templateId: template.id,
      templateVersion: template.version,
      buildingId,
      startedAt: now.toISOString(),
      completedAt: null,
      campaignId: campaign.id,
      answers: {},
    },
    author,
    now,
  )
}
