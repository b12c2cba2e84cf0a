import type { DoorstepDatabase } from '@/app/db/database'
import { loadLockState } from '@/app/lock/state'
import { checkIn } from './check-in'
import { sessionEngine } from './engine'

/**
 * One run for the service worker's Background Sync event (on a locked phone, only a check-in: ./check-in.ts).
 * It waits for the Web Lock rather than leaving the work to a page (the page may be closing), and rejects when the run failed for a reason that may pass,
 * which tells the browser to fire the event again later.
 */
export async function syncInBackground(db: DoorstepDatabase): Promise<void> {
  // With an app lock, the worker never has the key: the outbox waits, sealed, for the app to be unlocked
  // (docs/architecture.md, "The app lock and Background Sync"). Only the office's wipe is heard meanwhile.
  const state = await loadLockState(db)
  if (state === 'locked' || state === 'setup') {
    await checkIn(db)
    return
  }
  const outcome = await sessionEngine(db, { waitForLock: true }).sync()
  if (outcome.status === 'failed' && outcome.error.code !== 'unauthorized' && outcome.error.code !== 'ended_by_office') throw new Error(`background sync failed: ${outcome.error.code}`)
}
