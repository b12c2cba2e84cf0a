import { afterEach, describe, expect, it, vi } from 'vitest'
import SessionSignIn from '@/app/features/session/SessionSignIn.vue'
import { mountWithApp } from './setup'

/*
 * What the tap on 登录 leads to loads while the leader types: sync's chunk (the sign-in asks the server through
 * it) and the PIN offer that follows a sign-in. Each module below stands in for its chunk and notes when it loads.
 */
const loaded = vi.hoisted(() => ({ runtime: false, pinSetup: false }))
vi.mock('@/app/sync/runtime', () => {
  loaded.runtime = true
  return {}
})
vi.mock('@/app/features/lock/PinSetup.vue', () => {
  loaded.pinSetup = true
  return { default: { render: () => null } }
})

// In this order: a module, once loaded, stays loaded for the rest of the file.
describe('the sign-in screen, before any tap', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('loads nothing ahead without the network', async () => {
    vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(false)
    await mountWithApp(SessionSignIn, { route: '/signin' })
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(loaded).toEqual({ runtime: false, pinSetup: false })
  })

  it('loads sync and the PIN offer while the leader types', async () => {
    await mountWithApp(SessionSignIn, { route: '/signin' })
    await vi.waitFor(() => expect(loaded).toEqual({ runtime: true, pinSetup: true }))
  })
})
