import { afterEach, describe, expect, it, vi } from 'vitest'

/* Today as the leader's screens read it: the Asia/Shanghai day, turning at Beijing midnight, not at UTC's. */

afterEach(() => {
  vi.useRealTimers()
  vi.resetModules()
})

describe('useChinaDay', () => {
  it('turns at Beijing midnight (16:00 UTC), and again when the app comes back into view after a sleep', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout'] })
    vi.setSystemTime(new Date('2026-12-06T15:59:58Z'))
    const { useChinaDay } = await import('@/app/ui/useChinaDay')
    const today = useChinaDay()
    expect(today.value).toBe('2026-12-06')

    await vi.advanceTimersByTimeAsync(3_000)
    expect(today.value).toBe('2026-12-07')

    // Asleep for two days, no timer ran: coming back into view reads the clock.
    vi.setSystemTime(new Date('2026-12-09T01:00:00Z'))
    document.dispatchEvent(new Event('visibilitychange'))
    expect(today.value).toBe('2026-12-09')
  })
})
