import { describe, expect, it } from 'vitest'
import { SlidingWindow } from '@/server/auth/throttle'

describe('SlidingWindow', () => {
  it('allows max attempts per window, then says how long to wait until the oldest leaves it', () => {
    const window = new SlidingWindow({ max: 3, windowMs: 1000 })
    for (const at of [0, 100, 200]) {
      expect(window.retryAfter('k', at)).toBe(0)
      window.record('k', at)
    }
    expect(window.retryAfter('k', 300)).toBe(700)
    expect(window.retryAfter('other', 300)).toBe(0)
    // The attempt at 0 has left the window: one more is allowed, and then the one at 100 is the oldest.
    expect(window.retryAfter('k', 1000)).toBe(0)
    window.record('k', 1000)
    expect(window.retryAfter('k', 1050)).toBe(50)
  })

  it('takes back a forgiven attempt and forgets a cleared key', () => {
    const window = new SlidingWindow({ max: 2, windowMs: 1000 })
    window.record('k', 0)
    window.record('k', 10)
    expect(window.retryAfter('k', 20)).toBeGreaterThan(0)
    window.forgive('k', 10)
    expect(window.retryAfter('k', 20)).toBe(0)
    window.record('k', 30)
    window.clear('k')
    expect(window.retryAfter('k', 40)).toBe(0)
  })
})
