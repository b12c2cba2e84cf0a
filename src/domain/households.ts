import { z } from 'zod'
import { RefId, requiredText, text, Timestamp } from './common'
import { PointRules } from './points'
import { DEFAULT_RETENTION_MONTHS } from './retention'
import { DEFAULT_SILENT_DEVICE_DAYS, DEFAULT_VISIT_INTERVALS } from './worklist'

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

const IntervalDays = z.number().int().min(1).max(365)

/**
 * Whether a leader's phone must be locked (a 6-digit PIN, or the phone's fingerprint or face) before it shows
 * residents' data: `optional` lets the leader skip the PIN, which only the office may allow (issue 10).
 */
export const APP_LOCKS = ['required', 'optional'] as const
export const AppLock = z.enum(APP_LOCKS)
export type AppLock = z.infer<typeof AppLock>

/**
 * How a community works, set by its office: how often households are to be visited (every household, and
 * sooner for some care tags; see ./worklist), after how many days without a sync a phone is called silent,
 * how many months leaders' phones keep closed reports and old visits (see ./retention), and whether their
 * phones must be locked (AppLock).
 * Communities stored before these existed take the defaults.
 */
export const CommunitySettings = z.object({
  visitIntervalDays: IntervalDays.default(DEFAULT_VISIT_INTERVALS.visitIntervalDays),
  careIntervalDays: z.partialRecord(CareTag, IntervalDays).default(DEFAULT_VISIT_INTERVALS.careIntervalDays),
  silentDeviceDays: z.number().int().min(1).max(90).default(DEFAULT_SILENT_DEVICE_DAYS),
  // At least a month, so that last month's work is always at hand; at most five years.
  retentionMonths: z.number().int().min(1).max(60).default(DEFAULT_RETENTION_MONTHS),
  appLock: AppLock.default('required'),
  /** Points per piece of work (./points): the office's defaults until it sets its own. */
  points: PointRules.prefault({}),
})
export type CommunitySettings = z.infer<typeof CommunitySettings>
export const DEFAULT_COMMUNITY_SETTINGS: CommunitySettings = CommunitySettings.parse({})

/** What the office changes of the settings (PATCH /communities/:id/settings); absent fields stay as they are. */
export const CommunitySettingsChange = z.strictObject({
  visitIntervalDays: IntervalDays.optional(),
  /** Replaces the care intervals: a tag left out no longer has one of its own. */
  careIntervalDays: z.partialRecord(CareTag, IntervalDays).optional(),
  silentDeviceDays: CommunitySettings.shape.silentDeviceDays.unwrap().optional(),
  retentionMonths: CommunitySettings.shape.retentionMonths.unwrap().optional(),
  appLock: AppLock.optional(),
  /** Replaces the point rules whole: a kind left out takes its default. */
  points: PointRules.optional(),
})
export type CommunitySettingsChange = z.infer<typeof CommunitySettingsChange>

export const Community = z.object({ id: RefId, name: requiredText(60), settings: CommunitySettings.prefault({}) })
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

/** How a household lives in its flat, as rosters say it: 自住, 出租, 空置. */
export const OCCUPANCIES = ['owner', 'rented', 'vacant'] as const
export const Occupancy = z.enum(OCCUPANCIES)
export type Occupancy = z.infer<typeof Occupancy>

export const Household = z.object({
  id: RefId,
  buildingId: RefId,
  /** The stairwell entrance (单元) of a building that has several, e.g. 2; empty when it has one. */
  entrance: text(20).default(''),
  /** The flat as written on the door (房号), e.g. 302. */
  unit: requiredText(20),
  floor: z.number().int().min(-5).max(200),
  /** Floor area in square metres (建筑面积), as the roster gives it. */
  area: z.number().positive().max(10_000).nullable().default(null),
  occupancy: Occupancy.nullable().default(null),
})
export type Household = z.infer<typeof Household>

/** A number to call, as people write it: digits with an optional + and separators. */
export const PhoneNumber = z
  .string()
  .trim()
  .regex(/^[0-9+\-\s]{5,20}$/)

export const Resident = z.object({
  id: RefId,
  householdId: RefId,
  name: requiredText(40),
  phone: PhoneNumber.nullable().default(null),
  birthYear: z.number().int().min(1900).max(2100).nullable().default(null),
  careTags: z.array(CareTag).default([]),
  /** When a roster import no longer listed the resident: kept for the history of visits, never deleted. */
  movedOutAt: Timestamp.nullable().default(null),
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
  /** Null for an admin, who works across the communities of the server rather than in one. */
  communityId: RefId.nullable(),
  /** The buildings a leader looks after; office and admin users see their whole community. */
  buildingIds: z.array(RefId),
})
export type User = z.infer<typeof User>

/**
 * What phones know of the people of their community, so that reports and timelines say who acted: a
 * name, a role and whether the account is active (not disabled), never a username, buildings or contact
 * details. Cards written before `active` existed were of active accounts.
 */
export const UserCard = z.object({ id: RefId, communityId: RefId, displayName: requiredText(40), role: Role, active: z.boolean().default(true) })
export type UserCard = z.infer<typeof UserCard>

/**
 * Who may be assigned a report of a community: an active account of its office staff. The server checks
 * an assignment with it (against the account), the workspace offers the colleagues it allows (their cards).
 */
export function mayBeAssigned(person: { role: Role; communityId: string | null; active: boolean }, communityId: string): boolean {
  return person.active && person.role === 'office' && person.communityId === communityId
}

/** Residents who need a closer eye come first in a household list. */
export function needsCare(resident: Pick<Resident, 'careTags'>): boolean {
  return resident.careTags.some((t) => t === 'elderly_alone' || t === 'disabled' || t === 'low_income')
}
