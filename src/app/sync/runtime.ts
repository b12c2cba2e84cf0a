import { db } from '@/app/db/database'
import { fromBase64Url } from '@/app/lock/keyring'
import { addRecovery } from '@/app/lock/lock'
import type { PasswordChange } from '@/domain'
import { withSyncLock } from './lock'
import {
  changePassword as changePasswordIn,
  dismissRecovery as dismissRecoveryIn,
  readSession,
  sessionTransport,
  signIn as signInTo,
  signOut as signOutOf,
  unsentWork as unsentWorkIn,
  type Discard,
  type SignedIn,
  type SignInInput,
} from './session'
import { sessionEngine, type SyncOutcome } from './engine'
import { TransportError } from './errors'
import { fetchTransport } from './transport'

/*
 * Sync for the app's pages, over the app's one database: one engine, kept between runs so that its batch
 * sizes and backoff carry over; it follows sign-ins by itself. Loaded on demand by the sync store, never on
 * the first screen.
 */

const engine = sessionEngine(db)

/** One sync run now (or the running one). */
export const syncNow = (): Promise<SyncOutcome> => engine.sync()

/** When automatic runs may try again after a failure. */
export const nextRetryAt = () => engine.nextRetryAt

export async function signIn(input: SignInInput): Promise<SignedIn> {
  const signedIn = await signInTo(db, fetchTransport({ baseUrl: input.serverUrl, token: null }), input)
  // Signed in again on an unlocked phone: its keyring takes the new device's recovery key at once (src/app/lock).
  if (db.sealing.state === 'open') await addRecovery(db, fromBase64Url(signedIn.recoveryKey))
  // The first sync waits for the PIN to be chosen or declined (src/app/stores/sync.ts), but its first pages need
  // not: fetched into memory now, they are written once the run may start. A one-time password pulls nothing.
  // Only a head start: the sign-in stands (and its recovery key reaches the lock) whatever happens to it.
  if (!signedIn.mustChangePassword) await engine.fetchFirstPages().catch((error: unknown) => console.warn('first pages not fetched', error))
  return signedIn
}

/** Changes the signed-in account's password (see session.ts); throws the TransportError of a refusal. */
export async function changePassword(change: PasswordChange): Promise<void> {
  const session = await readSession(db)
  if (!session) throw new TransportError('unauthorized', 'Not signed in')
  await changePasswordIn(db, sessionTransport(session), change)
}

/** This device's recovery key for the account's password (a forgotten app PIN); throws the TransportError of a refusal. */
export async function recoveryKeyFor(password: string): Promise<string> {
  const session = await readSession(db)
  if (!session) throw new TransportError('unauthorized', 'Not signed in')
  return sessionTransport(session).recoveryKey(password)
}

/** Signs out while no run is in flight, so that a run never pushes half an outbox that is being dropped. */
export async function signOut(options: { discard: Discard | null }): Promise<void> {
  const session = await readSession(db)
  engine.dropFirstPages()
  await withSyncLock(() => signOutOf(db, session && sessionTransport(session), options), { wait: true })
}

/** The work a sign-out would lose, to show the leader before they agree (see session.ts). */
export const unsentWork = () => unsentWorkIn(db)

/** The leader has read the notice about data the browser cleared. */
export const dismissRecovery = () => dismissRecoveryIn(db)
