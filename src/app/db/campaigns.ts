import Dexie from 'dexie'
import type { Building } from '@/domain'
import type { Campaign } from '@/domain/campaigns'
import { campaignBuildingState, isOpenTask, type CampaignBuildingState } from '@/domain/campaign-rules'
import { db as appDb, type DoorstepDatabase } from './database'

/** One of the leader's buildings in a campaign: where it stands, and the inspection to go on with. */
export interface CampaignTaskBuilding {
  building: Building
  state: CampaignBuildingState
  /** The newest inspection started here for the campaign, when there is one. */
  inspectionId: string | null
}

/** An open campaign that names some of the buildings on this phone (the leader's), with their states. */
export interface CampaignTask {
  campaign: Campaign
  buildings: CampaignTaskBuilding[]
}

/** The office's campaigns as tasks of this phone's leader, all from IndexedDB, so they work offline. */
export function createCampaignQueries(db: DoorstepDatabase) {
  async function taskOf(campaign: Campaign, buildings: Building[]): Promise<CampaignTask | undefined> {
    const mine = buildings.filter((b) => isOpenTask(campaign, b.id)).sort((a, b) => a.address.localeCompare(b.address, 'zh-CN'))
    if (mine.length === 0) return undefined
    const inspections = await db.inspections
      .where('[campaignId+buildingId]')
      .between([campaign.id, Dexie.minKey], [campaign.id, Dexie.maxKey])
      .toArray()
    return {
      campaign,
      buildings: mine.map((building) => {
        const started = inspections.filter((i) => i.buildingId === building.id && !i.deletedAt).sort((a, b) => b.startedAt.localeCompare(a.startedAt))
        return { building, state: campaignBuildingState(campaign.id, building.id, inspections), inspectionId: started[0]?.id ?? null }
      }),
    }
  }

  return {
    /** Open campaigns on the leader's buildings, the nearest deadline first. */
    async openTasks(): Promise<CampaignTask[]> {
      const [campaigns, buildings] = await Promise.all([db.campaigns.toArray(), db.buildings.toArray()])
      const tasks = await Promise.all(campaigns.map((c) => taskOf(c, buildings)))
      return tasks.filter((t): t is CampaignTask => t !== undefined).sort((a, b) => a.campaign.deadline.localeCompare(b.campaign.deadline))
    },
    /** One campaign as the leader's task; null when it is not on this phone, closed or names none of the leader's buildings. */
    async task(campaignId: string): Promise<CampaignTask | null> {
      const [campaign, buildings] = await Promise.all([db.campaigns.get(campaignId), db.buildings.toArray()])
      return (campaign && (await taskOf(campaign, buildings))) ?? null
    },
  }
}

/** The app's campaign reads; apart from ./read, so that the first screen's chunk loads them only with the banner. */
export const campaignQueries = createCampaignQueries(appDb)
