import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Storage } from '@/server/storage/types'
import { startSweeper, SWEEP_INTERVAL_MS } from '@/server/sweep'

/** A storage that records the cut-offs it was asked to sweep before; only the sweeps are ever called. */
function sweepingStorage(result: () => Promise<{ count: number; bytes: number }>) {
  const cutoffs: string[] = []
  const rateLimitCutoffs: number[] = []
  const storage = {
    sweepUnreferencedAttachments: (before: string) => {
      cutoffs.push(before)
      return result()
    },
    dropEndedRateLimits: async (now: number) => void rateLimitCutoffs.push(now),
  } as unknown as Storage
  return { storage, cutoffs, rateLimitCutoffs }
}

const log = () => ({ info: vi.fn(), error: vi.fn() })

describe('the photo sweeper', () => {
  afterEach(() => vi.useRealTimers())

  it('sweeps at start and every interval, removing photos uploaded more than a day before the clock says and ended sign-in windows', async () => {
    vi.useFakeTimers()
    let now = new Date('2026-11-28T08:00:00.000Z')
    const { storage, cutoffs, rateLimitCutoffs } = sweepingStorage(async () => ({ count: 2, bytes: 5000 }))
    const logger = log()
    const stop = startSweeper({ storage, clock: () => now, log: logger })
    await vi.advanceTimersByTimeAsync(0)
    expect(cutoffs).toEqual(['2026-11-27T08:00:00.000Z'])
    expect(rateLimitCutoffs).toEqual([now.getTime()])
    expect(logger.info).toHaveBeenCalledWith({ count: 2, bytes: 5000 }, expect.any(String))

    now = new Date('2026-11-28T09:00:00.000Z')
    await vi.advanceTimersByTimeAsync(SWEEP_INTERVAL_MS)
    expect(cutoffs).toEqual(['2026-11-27T08:00:00.000Z', '2026-11-27T09:00:00.000Z'])
    stop()
    await vi.advanceTimersByTimeAsync(SWEEP_INTERVAL_MS * 3)
    expect(cutoffs).toHaveLength(2)
  })

  it('logs a failed sweep and tries again at the next interval, never two at once', async () => {
    vi.useFakeTimers()
    let finish: (value: { count: number; bytes: number }) => void = () => {}
    let calls = 0
    const { storage, cutoffs } = sweepingStorage(() => {
      calls++
      return calls === 1 ? Promise.reject(new Error('database away')) : new Promise((resolve) => (finish = resolve))
    })
    const logger = log()
    const stop = startSweeper({ storage, intervalMs: 1000, log: logger })
    await vi.advanceTimersByTimeAsync(0)
    expect(logger.error).toHaveBeenCalledTimes(1)
    await vi.advanceTimersByTimeAsync(1000)
    expect(cutoffs).toHaveLength(2)
    // The second sweep is still running: the next tick does not start a third.
    await vi.advanceTimersByTimeAsync(1000)
    expect(cutoffs).toHaveLength(2)
    finish({ count: 0, bytes: 0 })
    await vi.advanceTimersByTimeAsync(1000)
    expect(cutoffs).toHaveLength(3)
    stop()
  })

  it('does not keep the process alive', () => {
    const spy = vi.spyOn(globalThis, 'setInterval')
    const stop = startSweeper({ storage: sweepingStorage(async () => ({ count: 0, bytes: 0 })).storage, log: log() })
    const timer = spy.mock.results[0]!.value as NodeJS.Timeout
    expect(timer.hasRef()).toBe(false)
    stop()
    spy.mockRestore()
  })
})
