import { z } from 'zod'
import { Day, Photos, RecordMeta, checkRecordBytes, RefId, Timestamp, text } from './common'

/** The five roles of a building leader (五大员); every visit serves one of them. */
export const VISIT_PURPOSES = [
  'policy_promotion',
  'community_counselling',
  'opinion_collection',
  'dispute_mediation',
  'property_assistance',
] as const
export const VisitPurpose = z.enum(VISIT_PURPOSES)
export type VisitPurpose = z.infer<typeof VisitPurpose>

/** Topics leaders tick most often; anything else is typed as free text. */
export const TOPIC_PRESETS = [
  'pension_review',
  'anti_fraud',
  'elevator_installation',
  'renovation',
  'fire_safety',
  'health_check',
  'garbage_sorting',
] as const

export const VisitFields = z.object({
  buildingId: RefId,
  householdId: RefId,
  visitedAt: Timestamp,
  purpose: VisitPurpose,
  /** Preset keys from TOPIC_PRESETS or free text. */
  topics: z.array(text(40).min(1)).max(12),
  /** Ids of the household's residents who were met. */
  residentIds: z.array(RefId).max(20),
  /** Anyone else met (a son visiting, a carer …). */
  othersMet: text(100),
  needs: text(2000),
  outcome: text(2000),
  followUpOn: Day.nullable(),
  /** The visit whose follow-up this one is: it closes that follow-up (see openFollowUps in ./worklist). */
  followsVisitId: RefId.nullable().default(null),
  photos: Photos,
})
export type VisitFields = z.infer<typeof VisitFields>

export const Visit = z.object({ ...RecordMeta.shape, ...VisitFields.shape }).check(checkRecordBytes)
export type Visit = z.infer<typeof Visit>

// Pure rules live apart from the schemas, so the first screen can use them without loading zod.
export { followUpState, localDay, type FollowUpState } from './follow-up'
