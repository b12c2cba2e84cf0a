import { liveQuery } from 'dexie'
import type { Pinia } from 'pinia'
import { db } from '@/app/db/database'
import { useSync } from '@/app/stores/sync'
import { SYNC_TAG } from './lock'
import { startSyncTriggers } from './triggers'

/**
 * Calls back when a change is saved. The outbox's last key moves only then: sync removes entries from the
 * front, and keys are never reused. Only keys after the last one seen are read, so that the query watches
 * those alone: over the whole outbox, it ran again after every batch a push settles, each time a read of the
 * outbox between two settlings, for an answer that cannot have changed.
 */
export function watchOutbox(callback: () => void): () => void {
  let last: number | null = null
  const subscription = liveQuery(() => (last === null ? db.outbox.orderBy('seq') : db.outbox.where('seq').above(last)).lastKey()).subscribe({
    next(key) {
      if (typeof key !== 'number') return void (last ??= 0)
      if (last !== null && key > last) callback()
      last = Math.max(last ?? 0, key)
    },
    error: (error: unknown) => console.error('outbox watch failed', error),
  })
  return () => subscription.unsubscribe()
}

/** Background Sync is Chromium's; elsewhere the triggers in the page are all there is. */
async function registerBackgroundSync(): Promise<void> {
  const registration = await navigator.serviceWorker?.getRegistration()
  const sync = (registration as { sync?: { register(tag: string): Promise<void> } } | undefined)?.sync
  await sync?.register(SYNC_TAG)
}

/** Starts automatic sync for the app (after the first screen is up: this module is loaded on demand). */
export function startAppSync(pinia: Pinia): () => void {
  const store = useSync(pinia)
  return startSyncTriggers({
    sync: () => store.syncNow(),
    nextRetryAt: () => store.nextRetryAt,
    hasPending: async () => (await db.outbox.count()) > 0,
    watchLocalChanges: watchOutbox,
    registerBackgroundSync,
    network: window,
    page: document,
  })
}
