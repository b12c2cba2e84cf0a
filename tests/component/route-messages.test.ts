import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMemoryHistory } from 'vue-router'
import { createAppI18n, lazyMessages } from '@/app/i18n'
import { createAppRouter } from '@/app/router'

/*
 * A screen behind a lazy route needs its chunk and its words (router.ts, `meta.messages`): both are imports, and
 * the second must not wait for the first, or a cold start at /visits waits for them one after the other.
 */
describe('a lazy screen’s words', { timeout: 20_000 }, () => {
  afterEach(() => vi.restoreAllMocks())

  it('are asked for while the screen’s chunk is still loading, and the screen opens once both are in', async () => {
    const visitsWords = vi.spyOn(lazyMessages, 'visits')
    const router = createAppRouter(createMemoryHistory())
    // The visits list's chunk held back until the words have been asked for.
    const record = router.getRoutes().find((r) => r.name === 'visits')!
    const load = record.components!.default as () => Promise<unknown>
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    record.components!.default = () => held.then(load)

    const opened = router.push('/visits')
    await expect.poll(() => visitsWords.mock.calls.length, { timeout: 2000 }).toBe(1)
    expect(router.currentRoute.value.name).not.toBe('visits')
    release()
    await opened
    expect(router.currentRoute.value.name).toBe('visits')
    expect(visitsWords).toHaveBeenCalledTimes(1)
  })

  it('are named by every screen but home, or it would open without the words the screens share', async () => {
    const router = createAppRouter(createMemoryHistory())
    const { officeRoutes } = await import('@/app/features/office/routes')
    router.addRoute(officeRoutes)
    const wordless = router
      .getRoutes()
      .filter((record) => record.components?.default && record.name !== 'home')
      .map((record) => router.resolve(record.path.replace(/:\w+(\([^)]*\))?[*+?]?/g, 'x')))
      .filter((to) => !to.matched.some((record) => record.meta.messages?.length))
      .map((to) => to.path)
    expect(wordless).toEqual([])
  })

  it('come with the words the screens beyond home share, which home, the first screen, opens without', async () => {
    createAppI18n() // a fresh app: no words loaded yet
    const sharedWords = vi.spyOn(lazyMessages, 'common')
    const router = createAppRouter(createMemoryHistory())
    await router.push('/')
    expect(sharedWords).not.toHaveBeenCalled()
    await router.push('/issues/new')
    expect(sharedWords).toHaveBeenCalledTimes(1)
  })
})
