import { sql, type Kysely } from 'kysely'
import { DEVICE_REVOCATIONS, type DeviceRevocation } from '@/domain'
import type { Database } from './schema'

/*
 * The office's revocation of a lost or handed-back phone, and how the phone is to end (issue 10): `sign_out`
 * lets it push what it holds first, `wipe` takes nothing from it.
 */

/**
 * Revokes the device with `mode`, at `at` unless it was revoked already. A revoked device may still be
 * turned to `wipe` (the office learns the phone was stolen), never back: a wipe may already have been answered.
 */
export async function revokeDeviceAs(db: Kysely<Database>, deviceId: string, mode: DeviceRevocation, at: string): Promise<void> {
  const update = db.updateTable('devices').where('id', '=', deviceId)
  if (mode === 'sign_out') await update.set({ revoked_at: at, revocation: mode }).where('revoked_at', 'is', null).execute()
  else await update.set({ revoked_at: sql<string>`coalesce(revoked_at, ${at})`, revocation: mode }).execute()
}

/** How the office revoked the user's devices, by device id; those it did not revoke (or before 0010) are left out. */
export async function deviceRevocations(db: Kysely<Database>, userId: string): Promise<Map<string, DeviceRevocation>> {
  const rows = await db.selectFrom('devices').select(['id', 'revocation']).where('user_id', '=', userId).where('revocation', 'is not', null).execute()
  const found = new Map<string, DeviceRevocation>()
  for (const row of rows) {
    const mode = DEVICE_REVOCATIONS.find((m) => m === row.revocation)
    if (mode) found.set(row.id, mode)
  }
  return found
}
