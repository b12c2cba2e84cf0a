import type { Campaign } from './campaigns'

/*
 * A campaign's rules, in a module without schemas (src/domain/campaigns.ts re-exports them): home's banner
 * reads campaigns through them, and the first screen loads no zod.
 */

export const CAMPAIGN_BUILDING_STATES = ['not_started', 'in_progress', 'done'] as const
export type CampaignBuildingState = (typeof CAMPAIGN_BUILDING_STATES)[number]

/** What the campaign rules read of an inspection. */
export interface CampaignInspection {
  id: string
  buildingId: string
  campaignId?: string | null
  completedAt: string | null
  deletedAt?: string | null
}

/**
 * Where a building of a campaign stands: done once an inspection for the campaign there is completed
 * (whenever it arrived: after the deadline too), in progress while one has started, else not started.
 */
export function campaignBuildingState(campaignId: string, buildingId: string, inspections: readonly CampaignInspection[]): CampaignBuildingState {
  const mine = inspections.filter((i) => i.campaignId === campaignId && i.buildingId === buildingId && !i.deletedAt)
  if (mine.some((i) => i.completedAt)) return 'done'
  return mine.length > 0 ? 'in_progress' : 'not_started'
}

/** A campaign a leader still has to act on: open (not closed) and naming one of the leader's buildings. */
export function isOpenTask(campaign: Pick<Campaign, 'closedAt' | 'buildingIds'>, buildingId: string): boolean {
  return campaign.closedAt === null && campaign.buildingIds.includes(buildingId)
}
