/**
 * When sync runs, without anyone tapping: at start-up, when the network comes back, when the app comes back
 * into view, shortly after each local save, every few minutes while anything waits, and when the backoff of
 * a failed run has passed. Each save also asks the service worker for a Background Sync, so that changes
 * go out even when the leader closes the app before the network returns (where the browser has it).
 *
 * Runs are cheap to ask for: the engine runs one at a time and folds calls made during a run into one more
 * run after it. Automatic runs after saves and on the timer respect the backoff; the network coming back
 * and the app coming into view do not (they are the moments a retry is most likely to work).
 */

export interface SyncTriggerOptions {
  /** Starts a run (or joins the current one). */
  sync: () => Promise<unknown>
  /** After a failed run: the time before which automatic runs wait. */
  nextRetryAt: () => number | null
  /** Whether the outbox holds anything. */
  hasPending: () => Promise<boolean>
  /** Calls back after each new local change; answers a function that stops watching. */
  watchLocalChanges: (callback: () => void) => () => void
  /** Registers a Background Sync with the service worker, where the browser has it. */
  registerBackgroundSync?: () => Promise<void>
  /** Where `online` fires (the window). */
  network?: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>
  /** Where `visibilitychange` fires (the document). */
  page?: Pick<Document, 'addEventListener' | 'removeEventListener' | 'visibilityState'>
  debounceMs?: number
  intervalMs?: number
  now?: () => number
}

export const SAVE_DEBOUNCE_MS = 2_000
export const PENDING_INTERVAL_MS = 3 * 60_000

/** Starts every trigger; answers a function that stops them all. */
export function startSyncTriggers(options: SyncTriggerOptions): () => void {
  const { sync, nextRetryAt, hasPending, network, page, debounceMs = SAVE_DEBOUNCE_MS, intervalMs = PENDING_INTERVAL_MS, now = Date.now } = options
  let debounce: ReturnType<typeof setTimeout> | undefined
  let retry: ReturnType<typeof setTimeout> | undefined

  function run() {
    void sync()
      .catch((error: unknown) => console.error('sync failed', error))
      .then(scheduleRetry)
  }

  /** After a failed run, one more when its backoff has passed. */
  function scheduleRetry() {
    clearTimeout(retry)
    const at = nextRetryAt()
    if (at !== null) retry = setTimeout(run, Math.max(0, at - now()))
  }

  const backingOff = () => (nextRetryAt() ?? 0) > now()

  const onOnline = () => run()
  const onVisible = () => {
    if (page?.visibilityState === 'visible') run()
  }
  const stopWatching = options.watchLocalChanges(() => {
    void options.registerBackgroundSync?.().catch(() => undefined)
    clearTimeout(debounce)
    debounce = setTimeout(() => {
      if (!backingOff()) run()
    }, debounceMs)
  })
  const interval = setInterval(() => {
    void hasPending().then((pending) => {
      if (pending && !backingOff()) run()
    })
  }, intervalMs)

  network?.addEventListener('online', onOnline)
  page?.addEventListener('visibilitychange', onVisible)
  run()

  return () => {
    stopWatching()
    clearTimeout(debounce)
    clearTimeout(retry)
    clearInterval(interval)
    network?.removeEventListener('online', onOnline)
    page?.removeEventListener('visibilitychange', onVisible)
  }
}
