import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { LIVE_POLL_MS, PENDING_INTERVAL_MS, SAVE_DEBOUNCE_MS, startSyncTriggers } from '@/app/sync/triggers'

/** The triggers over fakes: a counting sync, an outbox we "save" into, a window and a document. */
function start(options: { pending?: boolean; failUntil?: () => number | null; hidden?: boolean } = {}) {
  const runs: number[] = []
  let onChange = () => {}
  let retryAt: number | null = null
  const network = Object.assign(new EventTarget(), { onLine: true })
  const page = Object.assign(new EventTarget(), { visibilityState: (options.hidden ? 'hidden' : 'visible') as DocumentVisibilityState })
  const registerBackgroundSync = vi.fn(async () => {})
  const stop = startSyncTriggers({
    sync: async () => {
      runs.push(Date.now())
      retryAt = options.failUntil?.() ?? null
    },
    nextRetryAt: () => retryAt,
    hasPending: async () => options.pending ?? false,
    watchLocalChanges: (callback) => {
      onChange = callback
      return () => (onChange = () => {})
    },
    registerBackgroundSync,
    network,
    page: page as unknown as Document,
    isOnline: () => network.onLine,
  })
  return { runs, save: () => onChange(), network, page, stop, registerBackgroundSync }
}

beforeEach(() => vi.useFakeTimers({ now: Date.parse('2026-11-20T03:00:00Z') }))
afterEach(() => vi.useRealTimers())

describe('sync triggers', () => {
  it('run once at start-up', async () => {
    const { runs, stop } = start()
    await vi.advanceTimersByTimeAsync(0)
    expect(runs).toHaveLength(1)
    stop()
  })

  it('run shortly after local saves, once for a burst of them, and ask for a Background Sync', async () => {
    const { runs, save, stop, registerBackgroundSync } = start()
    await vi.advanceTimersByTimeAsync(0)
    save()
    await vi.advanceTimersByTimeAsync(SAVE_DEBOUNCE_MS - 100)
    save()
    await vi.advanceTimersByTimeAsync(SAVE_DEBOUNCE_MS - 100)
    expect(runs).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(200)
    expect(runs).toHaveLength(2)
    expect(registerBackgroundSync).toHaveBeenCalledTimes(2)
    stop()
  })

  it('run when the network comes back and when the app comes back into view, not when it hides', async () => {
    const { runs, network, page, stop } = start()
    await vi.advanceTimersByTimeAsync(0)
    network.dispatchEvent(new Event('online'))
    await vi.advanceTimersByTimeAsync(0)
    expect(runs).toHaveLength(2)
    page.visibilityState = 'hidden'
    page.dispatchEvent(new Event('visibilitychange'))
    await vi.advanceTimersByTimeAsync(0)
    expect(runs).toHaveLength(2)
    page.visibilityState = 'visible'
    page.dispatchEvent(new Event('visibilitychange'))
    await vi.advanceTimersByTimeAsync(0)
    expect(runs).toHaveLength(3)
    stop()
  })

  it('run every few minutes while anything waits, and not when nothing does', async () => {
    const waiting = start({ pending: true, hidden: true })
    await vi.advanceTimersByTimeAsync(PENDING_INTERVAL_MS * 3)
    expect(waiting.runs).toHaveLength(4)
    waiting.stop()
    // Hidden: the live poll (below) is paused, so only waiting changes would bring a run.
    const idle = start({ pending: false, hidden: true })
    await vi.advanceTimersByTimeAsync(PENDING_INTERVAL_MS * 3)
    expect(idle.runs).toHaveLength(1)
    idle.stop()
  })

  it('retry a failed run when its backoff has passed, and hold saves back until then', async () => {
    let failing = true
    const { runs, save, stop } = start({ failUntil: () => (failing ? Date.now() + 60_000 : null) })
    await vi.advanceTimersByTimeAsync(0)
    save()
    await vi.advanceTimersByTimeAsync(SAVE_DEBOUNCE_MS + 100)
    expect(runs).toHaveLength(1)
    failing = false
    await vi.advanceTimersByTimeAsync(60_000)
    expect(runs).toHaveLength(2)
    expect(runs[1]! - runs[0]!).toBe(60_000)
    // The live poll, due at the same moment, folds into the retry and counts its minute from there.
    await vi.advanceTimersByTimeAsync(LIVE_POLL_MS)
    expect(runs.slice(1).map((at) => at - runs[0]!)).toEqual([60_000, 60_000 + LIVE_POLL_MS])
    stop()
  })

  it('poll a minute after the last run while in view and online, with nothing waiting', async () => {
    const { runs, save, stop } = start()
    await vi.advanceTimersByTimeAsync(30_000)
    save()
    await vi.advanceTimersByTimeAsync(SAVE_DEBOUNCE_MS)
    expect(runs).toHaveLength(2)
    // Not on a fixed clock: the minute counts from the save's run, so the start-up's minute brings none.
    await vi.advanceTimersByTimeAsync(LIVE_POLL_MS - 1)
    expect(runs).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(1)
    expect(runs).toHaveLength(3)
    await vi.advanceTimersByTimeAsync(LIVE_POLL_MS * 3)
    expect(runs).toHaveLength(6)
    expect(runs.slice(2).map((at, i) => at - runs[i + 1]!)).toEqual([LIVE_POLL_MS, LIVE_POLL_MS, LIVE_POLL_MS, LIVE_POLL_MS])
    stop()
  })

  it('pause the poll while hidden and while offline, and pick it up again', async () => {
    const { runs, page, network, stop } = start()
    await vi.advanceTimersByTimeAsync(0)
    page.visibilityState = 'hidden'
    page.dispatchEvent(new Event('visibilitychange'))
    await vi.advanceTimersByTimeAsync(LIVE_POLL_MS * 5)
    expect(runs).toHaveLength(1)

    page.visibilityState = 'visible'
    page.dispatchEvent(new Event('visibilitychange'))
    await vi.advanceTimersByTimeAsync(0)
    expect(runs).toHaveLength(2)
    network.onLine = false
    await vi.advanceTimersByTimeAsync(LIVE_POLL_MS * 5)
    expect(runs).toHaveLength(2)
    network.onLine = true
    await vi.advanceTimersByTimeAsync(LIVE_POLL_MS)
    expect(runs).toHaveLength(3)
    stop()
  })

  it('poll no sooner than the backoff of a failed run allows', async () => {
    let failing = true
    const { runs, stop } = start({ failUntil: () => (failing ? Date.now() + 5 * LIVE_POLL_MS : null) })
    await vi.advanceTimersByTimeAsync(LIVE_POLL_MS * 4)
    expect(runs).toHaveLength(1)
    failing = false
    await vi.advanceTimersByTimeAsync(LIVE_POLL_MS)
    expect(runs).toHaveLength(2)
    stop()
  })

  it('stop, every one of them', async () => {
    const { runs, save, network, stop } = start({ pending: true })
    await vi.advanceTimersByTimeAsync(0)
    stop()
    save()
    network.dispatchEvent(new Event('online'))
    await vi.advanceTimersByTimeAsync(PENDING_INTERVAL_MS * 2)
    expect(runs).toHaveLength(1)
  })
})
