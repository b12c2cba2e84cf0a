import type { DeviceFlag, DeviceStanding } from '@/domain'

/*
 * The device list's order, pure so that the test can hold it: the phones worth a call first — holding
 * changes before silent ones, as unsent work is what gets lost — then the longest silence; signed-out phones
 * (nobody to call about them) last.
 */

const WEIGHT: Record<DeviceFlag, number> = { holding: 2, silent: 1 }

/** How urgently the office should call about a device: higher first. */
export const urgency = (device: Pick<DeviceStanding, 'flags'>): number => device.flags.reduce((sum, flag) => sum + WEIGHT[flag], 0)

/** Never seen sorts as the longest silence. */
const seen = (device: Pick<DeviceStanding, 'lastSeenAt'>) => device.lastSeenAt ?? ''

/** Most urgent first; among equals, the one not heard from longest; signed-out ones last. */
export function byUrgency(a: DeviceStanding, b: DeviceStanding): number {
  const signedOut = Number(a.revokedAt !== null) - Number(b.revokedAt !== null)
  return signedOut || urgency(b) - urgency(a) || seen(a).localeCompare(seen(b)) || a.deviceId.localeCompare(b.deviceId)
}

/** The devices the page lists: signed-out (revoked) ones only when asked for, most urgent first. */
export function deviceRows(devices: readonly DeviceStanding[], showRevoked: boolean): DeviceStanding[] {
  return devices.filter((d) => showRevoked || !d.revokedAt).sort(byUrgency)
}

/** Milliseconds since the device's oldest unsent change, or null when nothing waits. */
export function unsentAge(device: DeviceStanding, now: number): number | null {
  const at = device.health?.oldestUnsentAt
  return at && device.health!.outboxSize > 0 ? Math.max(0, now - Date.parse(at)) : null
}
