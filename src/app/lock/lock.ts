import type { DoorstepDatabase } from '@/app/db/database'
import { SEALED_FIELDS } from '@/app/db/sealing'
import { withSyncLock } from '@/app/sync/lock'
import { aesGcmCipher } from './cipher'
import {
  deviceRequest,
  newKeyring,
  rewrap,
  unlockWithPin,
  unlockWithPrf,
  unlockWithRecovery,
  withRecovery,
  wrapForDevice,
  WrongPinError,
  type Bytes,
  type Keyring,
} from './keyring'
import { parsed, readKeyring } from './state'

/** Wrong PINs in a row, and when the last was typed: they survive a reload. */
export interface PinFailures {
  count: number
  at: string
}

/** The first few wrong PINs are typos; after that each waits twice as long as the one before. */
const FREE_FAILURES = 4
const FIRST_WAIT_MS = 30_000
/** Then the phone forgets what the server has (forgetSynced): a found phone is guessed at, not typed into by its owner. */
export const MAX_PIN_FAILURES = 10

/** When the next PIN may be tried after `failures`, or null at once. */
export function nextTryAt(failures: PinFailures | null): Date | null {
  if (!failures || failures.count <= FREE_FAILURES) return null
  return new Date(Date.parse(failures.at) + FIRST_WAIT_MS * 2 ** (failures.count - FREE_FAILURES - 1))
}

export const isPin = (pin: string) => /^\d{6}$/.test(pin)

export class PinWaitError extends Error {
  override readonly name = 'PinWaitError'
  constructor(readonly until: Date) {
    super('too many wrong PINs: wait')
  }
}

export async function readFailures(db: DoorstepDatabase): Promise<PinFailures | null> {
  return parsed<PinFailures>(await db.meta.get('pinFailures'))
}

/** The data key of each unlocked database, in memory only, for wrapping it again while open (addRecovery). */
const openKeys = new WeakMap<DoorstepDatabase, Bytes>()

function openWith(db: DoorstepDatabase, dataKey: Bytes): void {
  db.sealing.open(aesGcmCipher(dataKey))
  openKeys.set(db, dataKey)
}

/**
 * A sign-in on an unlocked phone (the office had ended the session, or the PIN was chosen with no network):
 * the new device's recovery key wraps the data key too, in place of the old one, so that a forgotten PIN is
 * recovered through the device the server now knows.
 */
export async function addRecovery(db: DoorstepDatabase, recoveryKey: Bytes): Promise<void> {
  const dataKey = openKeys.get(db)
  if (db.sealing.state !== 'open' || !dataKey) throw new Error('the app is locked')
  const keyring = await readKeyring(db)
  if (!keyring) throw new Error('no PIN is set on this phone')
  const next = await withRecovery(keyring, dataKey, recoveryKey)
  await db.transaction('rw', db.meta, async () => {
    // WebCrypto cannot run inside the transaction: a PIN changed meanwhile in another tab must not be undone.
    if ((await readKeyring(db))?.pin !== keyring.pin) throw new Error('the keyring changed meanwhile')
    await db.meta.put({ key: 'keyring', value: JSON.stringify(next) })
  })
}

/**
 * Chooses the PIN: a new data key, and every row that holds residents' data sealed under it in the same
 * transaction as the keyring is written, so that the phone is never half sealed. Until it commits, the
 * database stays as it was.
 */
export async function setPin(db: DoorstepDatabase, pin: string, recoveryKey: Bytes | null): Promise<void> {
  if (!isPin(pin)) throw new Error('a PIN is 6 digits')
  const { keyring, dataKey } = await newKeyring(pin, recoveryKey)
  const tables = Object.keys(SEALED_FIELDS).map((name) => db.table(name))
  // Under the sync lock: a run in another tab or the service worker, which holds no key, must not write a pull
  // page in clear between this seal and its own next look at the keyring (the engine checks under this lock).
  await withSyncLock(
    async () => {
      openWith(db, dataKey)
      try {
        await db.transaction('rw', [db.meta, ...tables], async () => {
          await Promise.all(tables.map(async (table) => table.bulkPut(await table.toArray())))
          await db.meta.bulkPut([{ key: 'keyring', value: JSON.stringify(keyring) }])
          await db.meta.bulkDelete(['pinFailures', 'lockSkipped'])
        })
      } catch (error) {
        db.sealing.plain()
        throw error
      }
    },
    { wait: true },
  )
}

/**
 * Unlocks with the PIN. A wrong one is counted (WrongPinError); too soon after the last, nothing is tried
 * (PinWaitError); the tenth in a row forgets what the server has and answers WrongPinError all the same.
 */
export async function unlock(db: DoorstepDatabase, pin: string, now = new Date()): Promise<void> {
  openWith(db, (await checkPin(db, pin, now)).dataKey)
}

async function checkPin(db: DoorstepDatabase, pin: string, now: Date): Promise<{ keyring: Keyring; dataKey: Bytes }> {
  const keyring = await readKeyring(db)
  if (!keyring) throw new Error('no PIN is set on this phone')
  const failures = await readFailures(db)
  if ((failures?.count ?? 0) >= MAX_PIN_FAILURES) throw new WrongPinError()
  const wait = nextTryAt(failures)
  if (wait && wait > now) throw new PinWaitError(wait)
  try {
    const dataKey = await unlockWithPin(keyring, pin)
    await db.meta.delete('pinFailures')
    return { keyring, dataKey }
  } catch (error) {
    if (error instanceof WrongPinError) await countFailure(db, now)
    throw error
  }
}

async function countFailure(db: DoorstepDatabase, now: Date): Promise<void> {
  const count = ((await readFailures(db))?.count ?? 0) + 1
  await db.meta.put({ key: 'pinFailures', value: JSON.stringify({ count, at: now.toISOString() } satisfies PinFailures) })
  if (count < MAX_PIN_FAILURES) return
  // Only the password opens the phone now: not a finger either, which may not be the owner's.
  await forgetDevice(db)
  await forgetSynced(db)
}

/**
 * After a forgotten PIN: the server's recovery key (given for the account's password) unwraps the data key,
 * which is wrapped again for the new PIN. Nothing is lost, neither what was synced nor what was not.
 */
export async function recover(db: DoorstepDatabase, recoveryKey: Bytes, newPin: string): Promise<void> {
  if (!isPin(newPin)) throw new Error('a PIN is 6 digits')
  const keyring = await readKeyring(db)
  if (!keyring) throw new Error('no PIN is set on this phone')
  const dataKey = await unlockWithRecovery(keyring, recoveryKey)
  const next = await rewrap(keyring, dataKey, newPin)
  await db.transaction('rw', db.meta, async () => {
    await db.meta.put({ key: 'keyring', value: JSON.stringify(next) })
    await db.meta.delete('pinFailures')
  })
  openWith(db, dataKey)
}

/** A new PIN for the same data key: only the keyring changes. The current PIN is checked as unlock checks it. */
export async function changePin(db: DoorstepDatabase, currentPin: string, newPin: string, now = new Date()): Promise<void> {
  if (!isPin(newPin)) throw new Error('a PIN is 6 digits')
  const { keyring, dataKey } = await checkPin(db, currentPin, now)
  await db.meta.put({ key: 'keyring', value: JSON.stringify(await rewrap(keyring, dataKey, newPin)) })
}

/**
 * The phone's fingerprint or face authenticator, as the lock needs it: ./webauthn.ts in the browser, a double
 * that answers fixed bytes in tests. Both throw when the leader cancels or is not recognised.
 */
export interface PlatformAuthenticator {
  /** A new credential on this phone, and its PRF output for `salt` (NoPrfError when the browser gives none). */
  create(salt: Bytes): Promise<{ credentialId: Bytes; prf: Bytes }>
  /** The PRF output of `credentialId` for `salt`, once the leader's finger or face is checked. */
  evaluate(credentialId: Bytes, salt: Bytes): Promise<Bytes>
}

/**
 * Turns fingerprint or face unlock on: the data key wrapped a third time, by the PRF output of a new
 * credential. The current PIN is asked first (checked as unlock checks it): the data key is not kept in the
 * open app, and someone handed the open phone must not add their own finger.
 */
export async function enrollDevice(db: DoorstepDatabase, pin: string, authenticator: PlatformAuthenticator, now = new Date()): Promise<void> {
  const { keyring, dataKey } = await checkPin(db, pin, now)
  const salt = crypto.getRandomValues(new Uint8Array(32))
  const { credentialId, prf } = await authenticator.create(salt)
  const device = await wrapForDevice(dataKey, credentialId, salt, prf)
  await db.transaction('rw', db.meta, async () => {
    // The prompt takes a while: a PIN changed or a sign-out in another tab meanwhile must not be undone.
    if ((await readKeyring(db))?.pin !== keyring.pin) throw new Error('the keyring changed while the authenticator was asked')
    await db.meta.put({ key: 'keyring', value: JSON.stringify({ ...keyring, device } satisfies Keyring) })
  })
}

/**
 * Unlocks with the finger or face. A cancel or a finger not recognised throws and counts nothing (the platform
 * counts its own); success clears the wrong-PIN count, as the right PIN does, because the owner is back.
 */
export async function unlockWithDevice(db: DoorstepDatabase, authenticator: PlatformAuthenticator): Promise<void> {
  const keyring = await readKeyring(db)
  if (!keyring?.device) throw new Error('fingerprint or face unlock is off on this phone')
  const { credentialId, salt } = deviceRequest(keyring.device)
  const dataKey = await unlockWithPrf(keyring, await authenticator.evaluate(credentialId, salt))
  await db.meta.delete('pinFailures')
  openWith(db, dataKey)
}

/** Turns fingerprint or face unlock off: only the wrap goes (the credential stays on the phone, opening nothing). */
export async function forgetDevice(db: DoorstepDatabase): Promise<void> {
  await db.transaction('rw', db.meta, async () => {
    const keyring = await readKeyring(db)
    if (keyring?.device) await db.meta.put({ key: 'keyring', value: JSON.stringify({ ...keyring, device: null } satisfies Keyring) })
  })
}

/** Where the office allows it, the leader goes on without a PIN; nothing is sealed. */
export async function skipPin(db: DoorstepDatabase): Promise<void> {
  if ((await db.meta.get('appLock'))?.value !== 'optional') throw new Error('the office requires a PIN')
  await db.meta.put({ key: 'lockSkipped', value: new Date().toISOString() })
}

/** What the server has, and may be pulled again, goes; what it does not have stays (sealed). */
const SERVER_COPIES = ['communities', 'grids', 'buildings', 'households', 'residents', 'templates', 'users', 'campaigns', 'pointAdjustments', 'menteeViews', 'photoCache', 'held'] as const
const RECORDS = ['visits', 'issues', 'inspections'] as const

/**
 * After ten wrong PINs: the phone forgets everything the server already has, and keeps, still sealed, the work
 * it does not (the outbox, refused changes and their records, drafts, photos taken here). The pull starts again
 * from the beginning once the leader is back in with the password (`recover`). Runs locked: it reads only keys.
 */
export async function forgetSynced(db: DoorstepDatabase): Promise<void> {
  const records = RECORDS.map((name) => db.table(name))
  const copies = SERVER_COPIES.map((name) => db.table(name))
  await db.transaction('rw', [db.meta, db.outbox, db.rejections, ...records, ...copies], async () => {
    const [waiting, refused] = await Promise.all([db.outbox.orderBy('recordId').uniqueKeys(), db.rejections.orderBy('recordId').uniqueKeys()])
    const unsent = new Set([...waiting, ...refused])
    await Promise.all([
      ...copies.map((table) => table.clear()),
      ...records.map(async (table) => table.bulkDelete((await table.toCollection().primaryKeys()).filter((id) => !unsent.has(id as string)))),
      db.meta.delete('cursor'),
    ])
  })
}
