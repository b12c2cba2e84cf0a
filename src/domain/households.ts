import { z } from 'zod'
import { RefId, requiredText, text } from './common'

export const CARE_TAGS = [
  'elderly_alone',
  'elderly',
  'disabled',
  'low_income',
  'absentee_owner',
  'tenant',
  'minor',
] as const
export const CareTag = z.enum(CARE_TAGS)
export type CareTag = z.infer<typeof CareTag>

export const Community = z.object({ id: RefId, name: requiredText(60) })
export type Community = z.infer<typeof Community>

export const Grid = z.object({ id: RefId, communityId: RefId, name: requiredText(60) })
export type Grid = z.infer<typeof Grid>

/** A building, or one stairwell of it, as leaders are assigned to it. */
export const Building = z.object({
  id: RefId,
  gridId: RefId,
  communityId: RefId,
  /** The street address residents use, e.g. 南门路115号之二. */
  address: requiredText(100),
  name: text(60).default(''),
  floors: z.number().int().min(1).max(200),
})
export type Building = z.infer<typeof Building>

export const Household = z.object({
  id: RefId,
  buildingId: RefId,
  /** The unit as written on the door, e.g. 302. */
  unit: requiredText(20),
  floor: z.number().int().min(-5).max(200),
})
export type Household = z.infer<typeof Household>

export const Resident = z.object({
  id: RefId,
  householdId: RefId,
  name: requiredText(40),
  phone: z
    .string()
    .regex(/^[0-9+\-\s]{5,20}$/)
    .nullable()
    .default(null),
  birthYear: z.number().int().min(1900).max(2100).nullable().default(null),
  careTags: z.array(CareTag).default([]),
})
export type Resident = z.infer<typeof Resident>

export const ROLES = ['leader', 'office', 'admin'] as const
export const Role = z.enum(ROLES)
export type Role = z.infer<typeof Role>

export const User = z.object({
  id: RefId,
  username: requiredText(40),
  displayName: requiredText(40),
  role: Role,
  communityId: RefId,
  /** The buildings a leader looks after; office and admin users see their whole community. */
  buildingIds: z.array(RefId),
})
export type User = z.infer<typeof User>

/** Residents who need a closer eye come first in a household list. */
export function needsCare(resident: Pick<Resident, 'careTags'>): boolean {
  return resident.careTags.some((t) => t === 'elderly_alone' || t === 'disabled' || t === 'low_income')
}
