import type { DoorstepDatabase, MetaEntry } from '@/app/db/database'
import type { Keyring } from './keyring'

/**
 * The app lock on this phone (issue 10): a PIN asked when the app opens and after five minutes away; the
 * residents' data sealed at rest under a key that only the PIN, or the server's recovery key, unwraps.
 *
 * - `none`: nobody has signed in here: the demo, or a phone signed out (which emptied it).
 * - `setup`: signed in, no PIN yet: nothing syncs and no screen opens until one is chosen (or, where the office
 *   allows, the leader skipped it).
 * - `plain`: signed in without a PIN, as the office allows: nothing is sealed.
 * - `locked`: the key is not in memory: nothing sealed can be read or written.
 * - `open`: unlocked.
 */
export type LockState = 'none' | 'setup' | 'plain' | 'locked' | 'open'

export function parsed<T>(entry: MetaEntry | undefined): T | null {
  return entry ? (JSON.parse(entry.value) as T) : null
}

export async function readKeyring(db: DoorstepDatabase): Promise<Keyring | null> {
  return parsed<Keyring>(await db.meta.get('keyring'))
}

/**
 * Where the phone stands, read from meta (never sealed), and the database set accordingly: locked until the
 * PIN is typed when there is a keyring, plain otherwise. Call before anything reads residents' data.
 */
export async function loadLockState(db: DoorstepDatabase): Promise<LockState> {
  const [keyring, token, appLock, skipped] = await db.meta.bulkGet(['keyring', 'token', 'appLock', 'lockSkipped'])
  if (keyring) {
    if (db.sealing.state !== 'open') db.sealing.lock()
    return db.sealing.state === 'open' ? 'open' : 'locked'
  }
  db.sealing.plain()
  if (!token) return 'none'
  return skipped && appLock?.value === 'optional' ? 'plain' : 'setup'
}
