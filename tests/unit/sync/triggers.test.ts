import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { PENDING_INTERVAL_MS, SAVE_DEBOUNCE_MS, startSyncTriggers } from '@/app/sync/triggers'

/** The triggers over fakes: a counting sync, an outbox we "save" into, a window and a document. */
function start(options: { pending?: boolean; failUntil?: () => number | null } = {}) {
  const runs: number[] = []
  let onChange = () => {}
  let retryAt: number | null = null
  const network = new EventTarget()
  const page = Object.assign(new EventTarget(), { visibilityState: 'visible' as DocumentVisibilityState })
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
    const waiting = start({ pending: true })
    await vi.advanceTimersByTimeAsync(PENDING_INTERVAL_MS * 3)
    expect(waiting.runs).toHaveLength(4)
    waiting.stop()
    const idle = start({ pending: false })
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
