import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Storage } from '@/server/storage/types'
import { startSweeper, SWEEP_INTERVAL_MS, SWEEP_JOB } from '@/server/sweep'

/**
 * A storage that records the cut-offs it was asked to sweep before and the sweep's lease claims, which `claims`
 * answers (held by this server unless told otherwise); only the sweeps and the lease are ever called.
 */
function sweepingStorage(result: () => Promise<{ count: number; bytes: number }>, claims: () => boolean = () => true) {
  const cutoffs: string[] = []
  const rateLimitCutoffs: number[] = []
  const leases: Array<{ job: string; now: number; until: number }> = []
  const storage = {
    claimJob: async (job: string, now: number, until: number) => {
      leases.push({ job, now, until })
      return claims()
    },
    sweepUnreferencedAttachments: (before: string) => {
      cutoffs.push(before)
      return result()
    },
    dropEndedRateLimits: async (now: number) => void rateLimitCutoffs.push(now),
  } as unknown as Storage
  return { storage, cutoffs, rateLimitCutoffs, leases }
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

  it('sweeps only when it claims the lease, which ends before its own next tick', async () => {
    vi.useFakeTimers()
    const now = new Date('2026-11-28T08:00:00.000Z')
    let held = false
    const { storage, cutoffs, rateLimitCutoffs, leases } = sweepingStorage(async () => ({ count: 0, bytes: 0 }), () => held)
    const stop = startSweeper({ storage, clock: () => now, intervalMs: 1000, log: log() })
    await vi.advanceTimersByTimeAsync(0)
    expect(leases).toEqual([{ job: SWEEP_JOB, now: now.getTime(), until: now.getTime() + 900 }])
    // Another server holds it: nothing swept here.
    expect(cutoffs).toEqual([])
    expect(rateLimitCutoffs).toEqual([])
    held = true
    await vi.advanceTimersByTimeAsync(1000)
    expect(leases).toHaveLength(2)
    expect(cutoffs).toHaveLength(1)
    expect(rateLimitCutoffs).toHaveLength(1)
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
