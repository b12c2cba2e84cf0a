import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from './schema'

/*
 * The recovery key of each device (RecoveryKey, issue 10): the phone wraps its data key with it as well as
 * with the PIN, and never keeps it, so that a forgotten PIN costs nothing the server can give back once
 * the account's password is proven. Kept in clear: it protects the phone's copy of data the server holds anyway.
 */

/** A new recovery key: 32 random bytes, base64url. */
export function newRecoveryKey(): string {
  return randomBytes(32).toString('base64url')
}

/** The device's recovery key; undefined when there is no such device. */
export async function recoveryKeyOf(db: Kysely<Database>, deviceId: string): Promise<string | undefined> {
  const row = await db.selectFrom('devices').select('recovery_key').where('id', '=', deviceId).executeTakeFirst()
  return row?.recovery_key ?? undefined
}
