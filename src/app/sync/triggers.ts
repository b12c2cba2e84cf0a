/**
 * When sync runs, without anyone tapping: at start-up, when the network comes back, when the app comes back
 * into view, shortly after each local save, every few minutes while anything waits, when the backoff of
 * a failed run has passed, and — while the app is in view and online — a minute after the last run, so that
 * the office's changes (a report accepted, a campaign launched) arrive while the leader has the app open. That
 * light poll is one pull when nothing has changed; it pauses while the app is hidden, where it would only
 * spend the battery. Each save also asks the service worker for a Background Sync, so that changes
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
  /** Whether the browser thinks it is online (navigator.onLine by default). */
  isOnline?: () => boolean
  debounceMs?: number
  intervalMs?: number
  /** The live poll: this long after the last run ends, while the app is in view and online. */
  pollMs?: number
  now?: () => number
}

export const SAVE_DEBOUNCE_MS = 2_000
export const PENDING_INTERVAL_MS = 3 * 60_000
export const LIVE_POLL_MS = 60_000

/** Starts every trigger; answers a function that stops them all. */
export function startSyncTriggers(options: SyncTriggerOptions): () => void {
  const { sync, nextRetryAt, hasPending, network, page, debounceMs = SAVE_DEBOUNCE_MS, intervalMs = PENDING_INTERVAL_MS, pollMs = LIVE_POLL_MS, now = Date.now } = options
  const isOnline = options.isOnline ?? (() => globalThis.navigator?.onLine ?? true)
  let debounce: ReturnType<typeof setTimeout> | undefined
  let retry: ReturnType<typeof setTimeout> | undefined
  let poll: ReturnType<typeof setTimeout> | undefined
  let stopped = false

  function run() {
    // Any run does what the poll would: the next poll counts from its end.
    clearTimeout(poll)
    void sync()
      .catch((error: unknown) => console.error('sync failed', error))
      .then(() => {
        scheduleRetry()
        schedulePoll()
      })
  }

  const visible = () => page?.visibilityState !== 'hidden'

  /** The next light poll, a minute after this run: never while hidden (coming back into view runs at once). */
  function schedulePoll() {
    clearTimeout(poll)
    if (stopped || !visible()) return
    poll = setTimeout(() => {
      // Offline or backing off, the `online` event or the retry runs; the poll only looks again later.
      if (visible() && isOnline() && !backingOff()) run()
      else schedulePoll()
    }, pollMs)
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
    else clearTimeout(poll)
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
    stopped = true
    stopWatching()
    clearTimeout(debounce)
    clearTimeout(retry)
    clearTimeout(poll)
    clearInterval(interval)
    network?.removeEventListener('online', onOnline)
    page?.removeEventListener('visibilitychange', onVisible)
  }
}
