import { z } from 'zod'
import { RefId, requiredText, Timestamp } from './common'
import { Community, PhoneNumber, Role, User } from './households'

/*
 * The office's set-up routes (/api/v1, behind a device token of an office or admin account). The workspace
 * calls them online: accounts, passwords and rosters are the server's to check, so nothing here is queued.
 *
 *   GET    /communities                          CommunitySummary[]  admin: every community; office: its own
 *   POST   /communities              NewCommunity → Community (201)   admin only
 *   GET    /communities/:id/buildings             BuildingSummary[]   with their leaders
 *   GET    /communities/:id/accounts              Account[]
 *   POST   /communities/:id/accounts  NewAccount → IssuedPassword (201)
 *   PATCH  /accounts/:userId       AccountChange → Account
 *   POST   /accounts/:userId/password            → IssuedPassword     a new one-time password
 *   PUT    /accounts/:userId/buildings BuildingAssignment → Account   leaders only
 *   POST   /auth/password          PasswordChange → 204               the caller's own, clears mustChangePassword
 *   (devices: GET /users/:userId/devices, DELETE /users/:userId/devices/:deviceId, as before)
 *
 * A one-time password is shown once: the account must change it at its first sign-in (until then its token
 * is good for POST /auth/password only, answered 403 `password_change_required` elsewhere).
 */

export const NewCommunity = z.object({ name: requiredText(60) })
export type NewCommunity = z.infer<typeof NewCommunity>

export const CommunitySummary = Community.extend({
  buildings: z.number().int().nonnegative(),
  households: z.number().int().nonnegative(),
  residents: z.number().int().nonnegative(),
  accounts: z.number().int().nonnegative(),
})
export type CommunitySummary = z.infer<typeof CommunitySummary>

/**
 * The rule for a NEW username, whoever makes the account (the workspace or the CLI). Accounts made before it
 * (or by an older CLI) may hold any User.username, such as 张伟: answers take those as they are.
 */
export const Username = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9._-]{3,40}$/)

/** An account as the office manages it. `communityId` is null for an admin, who works across communities. */
export const Account = z.object({
  id: RefId,
  username: User.shape.username,
  displayName: requiredText(40),
  role: Role,
  communityId: RefId.nullable(),
  buildingIds: z.array(RefId),
  disabled: z.boolean(),
  mustChangePassword: z.boolean(),
  /** Where the office calls the person (a leader whose phone holds unsent work); the workspace's only. */
  phone: PhoneNumber.nullable(),
  /** The last time any of its devices reached the server. */
  lastSeenAt: Timestamp.nullable(),
})
export type Account = z.infer<typeof Account>

export const NewAccount = z.object({
  username: Username,
  displayName: requiredText(40),
  /** Office staff create leaders and colleagues; only an admin creates an admin. */
  role: Role,
  phone: PhoneNumber.nullable().default(null),
  buildingIds: z.array(RefId).max(500).default([]),
})
export type NewAccount = z.infer<typeof NewAccount>

export const AccountChange = z.object({
  displayName: requiredText(40).optional(),
  disabled: z.boolean().optional(),
  /** Null takes the number away. */
  phone: PhoneNumber.nullable().optional(),
})
export type AccountChange = z.infer<typeof AccountChange>

/** A password made by the server, shown once to the office to hand over; the account must change it. */
export const IssuedPassword = z.object({ account: Account, password: z.string() })
export type IssuedPassword = z.infer<typeof IssuedPassword>

export const BuildingAssignment = z.object({ buildingIds: z.array(RefId).max(500) })
export type BuildingAssignment = z.infer<typeof BuildingAssignment>

export const PasswordChange = z.object({ currentPassword: z.string().min(1).max(200), newPassword: z.string().min(1).max(200) })
export type PasswordChange = z.infer<typeof PasswordChange>

export const BuildingSummary = z.object({
  id: RefId,
  gridId: RefId,
  address: z.string(),
  name: z.string(),
  households: z.number().int().nonnegative(),
  residents: z.number().int().nonnegative(),
  leaders: z.array(z.object({ id: RefId, displayName: z.string() })),
})
export type BuildingSummary = z.infer<typeof BuildingSummary>
