import { z } from 'zod'
import { RefId, requiredText, Sha256, text, Timestamp } from './common'
import { ItemResult } from './inspections'
import { IssueStatus } from './issues'
import { CAMPAIGN_BUILDING_STATES } from './campaign-rules'

/*
 * Inspection campaigns: the office asks for one checklist in some or all buildings by a deadline ("台风来前
 * 24 小时内完成防台风检查"). A campaign is reference data of its community: the office launches, reminds and
 * closes it online in the workspace (routes below), and phones receive it with their next pull (table
 * `campaigns`) as tasks for the leaders of its buildings. An inspection started from the task names the
 * campaign (Inspection.campaignId); late or offline ones count whenever they arrive.
 *
 *   GET  /communities/:id/campaigns       → CampaignSummary[]     newest first
 *   POST /communities/:id/campaigns       NewCampaign → Campaign (201)
 *   GET  /campaigns/:id                   → CampaignProgress      per building, with the hazards found
 *   POST /campaigns/:id/reminders         NewReminder → Campaign  the leaders' phones show the newest one
 *   POST /campaigns/:id/close             → CampaignProgress      the campaign's report; no task after it
 *
 * Office staff of the community (and admins) only; leaders read campaigns through pull.
 */

export const CampaignReminder = z.object({ at: Timestamp, by: RefId, text: requiredText(200) })
export type CampaignReminder = z.infer<typeof CampaignReminder>

export const Campaign = z.object({
  id: RefId,
  communityId: RefId,
  title: requiredText(60),
  /** What the leaders should know, shown on their banner. */
  note: text(400).default(''),
  templateId: RefId,
  templateVersion: z.number().int().min(1),
  buildingIds: z.array(RefId).min(1).max(2000),
  deadline: Timestamp,
  launchedAt: Timestamp,
  launchedBy: RefId,
  reminders: z.array(CampaignReminder).max(100).default([]),
  closedAt: Timestamp.nullable().default(null),
})
export type Campaign = z.infer<typeof Campaign>

/** Launching: no buildings listed means every building of the community; the newest template version unless one is named. */
export const NewCampaign = z.object({
  title: requiredText(60),
  note: text(400).default(''),
  templateId: RefId,
  templateVersion: z.number().int().min(1).optional(),
  buildingIds: z.array(RefId).max(2000).default([]),
  deadline: Timestamp,
})
export type NewCampaign = z.infer<typeof NewCampaign>

export const NewReminder = z.object({ text: requiredText(200) })
export type NewReminder = z.infer<typeof NewReminder>

// The rules, in their own module so that home's banner loads no zod (src/domain/campaign-rules.ts).
export { CAMPAIGN_BUILDING_STATES, campaignBuildingState, isOpenTask, type CampaignBuildingState, type CampaignInspection } from './campaign-rules'

export const CampaignBuilding = z.object({
  buildingId: RefId,
  address: z.string(),
  name: z.string(),
  state: z.enum(CAMPAIGN_BUILDING_STATES),
  /** Who inspected there for the campaign (user ids; their names come from the user cards). */
  by: z.array(RefId),
  inspectionIds: z.array(RefId),
  completedAt: Timestamp.nullable(),
  /** Completed after the deadline: it counts, and the report says it was late. */
  late: z.boolean(),
})
export type CampaignBuilding = z.infer<typeof CampaignBuilding>

/** A failed checklist item found in the campaign: an open hazard until the report it became is resolved. */
export const CampaignHazard = z.object({
  inspectionId: RefId,
  buildingId: RefId,
  itemId: RefId,
  label: z.string(),
  result: ItemResult,
  note: z.string(),
  photos: z.array(Sha256),
  by: RefId.nullable(),
  /** The issue report the leader made of it, if any, and where it stands. */
  issueId: RefId.nullable(),
  issueStatus: IssueStatus.nullable(),
})
export type CampaignHazard = z.infer<typeof CampaignHazard>

export const CampaignSummary = Campaign.extend({
  buildingsDone: z.number().int().nonnegative(),
  /** Buildings in progress: started, none done yet. */
  buildingsStarted: z.number().int().nonnegative(),
  hazards: z.number().int().nonnegative(),
})
export type CampaignSummary = z.infer<typeof CampaignSummary>

export const CampaignProgress = z.object({
  campaign: Campaign,
  templateTitle: z.string(),
  buildings: z.array(CampaignBuilding),
  hazards: z.array(CampaignHazard),
})
export type CampaignProgress = z.infer<typeof CampaignProgress>
