import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { INSTALL_YIELD_MS, installYield } from '@/app/pwa/installYield'
import { SYNC_LOCK } from '@/app/sync/lock'

// The waiting itself is tested in Chromium (tests/e2e/install-yield.test.ts); here its limit, which takes 15 s.
const request = new Request('https://doorstep.test/assets/index.js')
const eventOf = (type: string) => ({ type }) as ExtendableEvent

/** A lock manager whose sync lock is held until `free` is set. */
function locks() {
  const state = { free: false, asked: 0 }
  const manager = {
    query: async () => {
      state.asked++
      return { held: state.free ? [] : [{ name: SYNC_LOCK, mode: 'exclusive' as const }], pending: [] }
    },
  }
  return { state, manager }
}

describe('the install yielding to sync', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('lets a page’s fetch of a precached file through without asking for the lock', async () => {
    const { state, manager } = locks()
    const plugin = installYield(manager)
    await expect(plugin.requestWillFetch!({ request, event: eventOf('fetch') })).resolves.toBe(request)
    expect(state.asked).toBe(0)
  })

  it('holds each file of an install until the sync run ends', async () => {
    const { state, manager } = locks()
    const plugin = installYield(manager)
    let fetched = false
    void plugin.requestWillFetch!({ request, event: eventOf('install') }).then(() => (fetched = true))
    await vi.advanceTimersByTimeAsync(2_000)
    expect(fetched).toBe(false)
    state.free = true
    await vi.advanceTimersByTimeAsync(100)
    expect(fetched).toBe(true)
  })

  it('lets the install go on when the locks cannot be asked', async () => {
    const plugin = installYield({ query: () => Promise.reject(new Error('no locks')) })
    await expect(plugin.requestWillFetch!({ request, event: eventOf('install') })).resolves.toBe(request)
  })

  it('waits no longer than its limit in all, over every file of the install', async () => {
    const { manager } = locks()
    const plugin = installYield(manager)
    let fetched = 0
    void plugin.requestWillFetch!({ request, event: eventOf('install') }).then(() => fetched++)
    await vi.advanceTimersByTimeAsync(INSTALL_YIELD_MS - 200)
    expect(fetched).toBe(0)
    await vi.advanceTimersByTimeAsync(200)
    expect(fetched).toBe(1)
    // The limit is spent: the next file goes at once (no timer runs), though the lock is still held.
    await expect(plugin.requestWillFetch!({ request, event: eventOf('install') })).resolves.toBe(request)
  })
})
