import { db } from '@/app/db/database'
import type { User } from '@/domain'
import { withSyncLock } from './lock'
import { dismissRecovery as dismissRecoveryIn, readSession, sessionTransport, signIn as signInTo, signOut as signOutOf, type SignInInput } from './session'
import { createSyncEngine, type SyncEngine, type SyncOutcome } from './engine'
import { fetchTransport } from './transport'

/*
 * Sync for the app's pages, over the app's one database: one engine per session, kept between runs so that
 * its batch sizes and backoff carry over. Loaded on demand by the sync store, never on the first screen.
 */

let current: { key: string; engine: SyncEngine } | null = null

/** The engine of the session stored now (a new sign-in gets a new one), or null when signed out. */
async function engine(): Promise<SyncEngine | null> {
  const session = await readSession(db)
  if (!session) return (current = null)
  const key = `${session.serverUrl} ${session.token}`
  if (current?.key !== key) current = { key, engine: createSyncEngine({ db, transport: sessionTransport(session) }) }
  return current.engine
}

/** One sync run now (or the running one). */
export async function syncNow(): Promise<SyncOutcome> {
  return (await engine())?.sync() ?? { status: 'signed_out' }
}

/** When automatic runs may try again after a failure. */
export const nextRetryAt = () => current?.engine.nextRetryAt ?? null

export function signIn(input: SignInInput): Promise<User> {
  return signInTo(db, fetchTransport({ baseUrl: input.serverUrl, token: null }), input)
}

/** Signs out while no run is in flight, so that a run never pushes half an outbox that is being dropped. */
export async function signOut(options: { discardUnsynced: boolean }): Promise<void> {
  const session = await readSession(db)
  await withSyncLock(() => signOutOf(db, session && sessionTransport(session), options), { wait: true })
  current = null
}

/** The leader has read the notice about data the browser cleared. */
export const dismissRecovery = () => dismissRecoveryIn(db)
