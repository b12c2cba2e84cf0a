/**
 * One sync at a time across the app's tabs and its service worker: they share one IndexedDB, and two runs
 * draining the same outbox would send the same mutations twice (harmless, the server answers duplicate)
 * and race on the cursor (not harmless). Web Locks are shared by every context of an origin; where the
 * browser has none, the engine's own guard keeps one run per tab.
 */

/** The Web Lock's name, and the Background Sync tag the service worker answers to. */
export const SYNC_LOCK = 'doorstep-sync'
export const SYNC_TAG = 'doorstep-sync'

/**
 * Runs `task` holding the sync lock. `wait: false` gives up at once when another context holds it and
 * answers `busy` instead (that context is already draining the same outbox).
 */
export async function withSyncLock<T>(task: () => Promise<T>, { wait }: { wait: boolean }): Promise<T | 'busy'> {
  const locks = globalThis.navigator?.locks
  if (!locks) return task()
  return locks.request(SYNC_LOCK, { ifAvailable: !wait }, (lock) => (lock ? task() : ('busy' as const)))
}
