import { z } from 'zod'
import { RefId, Timestamp } from './common'
import { Role } from './households'

/*
 * Device health: at the end of each sync run a phone tells the server how it stands, so that the office can
 * call a leader before work is lost (a phone holding unsent changes for days, a phone gone silent).
 *
 *   POST /sync/health                      DeviceHealth → 204          the calling device's own
 *   GET  /communities/:id/devices          → DeviceStanding[]          office staff of the community, admins
 */

export const DeviceHealth = z.object({
  appVersion: z.string().trim().min(1).max(40),
  /** Changes in the outbox, not yet accepted by the server. */
  // Bounded as the database column is (a 32-bit integer on PostgreSQL); no phone holds a million changes.
  outboxSize: z.number().int().nonnegative().max(1_000_000),
  /** When the oldest of them was made; null when the outbox is empty. */
  oldestUnsentAt: Timestamp.nullable(),
  /** navigator.storage.persisted(); null where the browser cannot tell. */
  storagePersisted: z.boolean().nullable(),
  /** navigator.storage.estimate().usage, in bytes; null where unknown. */
  storageUsedBytes: z.number().int().nonnegative().nullable(),
  /** The end of the phone's last run that pushed everything and pulled to the end; null before the first. */
  lastFullSyncAt: Timestamp.nullable(),
})
export type DeviceHealth = z.infer<typeof DeviceHealth>

/** A change held on a phone longer than this is worth a call. */
export const HOLDING_ALERT_MS = 24 * 60 * 60 * 1000

export const DEVICE_FLAGS = ['silent', 'holding'] as const
export type DeviceFlag = (typeof DEVICE_FLAGS)[number]

/**
 * Why the office should call about a device on `now`: silent (no contact for more than `silentDays` days,
 * or never) and holding (its last report had a change unsent for more than a day). A revoked device is
 * never flagged.
 */
export function deviceFlags(
  device: { lastSeenAt: string | null; revokedAt: string | null; oldestUnsentAt: string | null },
  now: Date,
  silentDays: number,
): DeviceFlag[] {
  if (device.revokedAt) return []
  const flags: DeviceFlag[] = []
  const since = (at: string) => now.getTime() - Date.parse(at)
  if (device.lastSeenAt === null || since(device.lastSeenAt) > silentDays * 24 * 60 * 60 * 1000) flags.push('silent')
  if (device.oldestUnsentAt !== null && since(device.oldestUnsentAt) > HOLDING_ALERT_MS) flags.push('holding')
  return flags
}

/** One device as the workspace lists it: its account, what the server saw and what the phone last reported. */
export const DeviceStanding = z.object({
  deviceId: RefId,
  name: z.string(),
  userId: RefId,
  displayName: z.string(),
  role: Role,
  /** The account's number, to call its leader (null: the office has not entered one). */
  phone: z.string().nullable(),
  createdAt: Timestamp,
  lastSeenAt: Timestamp.nullable(),
  revokedAt: Timestamp.nullable(),
  /** The last report, null from a phone that never sent one (an older app). */
  health: DeviceHealth.extend({ reportedAt: Timestamp }).nullable(),
  flags: z.array(z.enum(DEVICE_FLAGS)),
})
export type DeviceStanding = z.infer<typeof DeviceStanding>
