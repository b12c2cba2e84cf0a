import { describe, expect, it } from 'vitest'
import { createMemoryHistory } from 'vue-router'
import { createAppRouter } from '@/app/router'

/*
 * The office's routes are not in the first chunk: the router adds them when a path under /office is first
 * opened (src/app/features/office/routes.ts). Links and bookmarks must not notice.
 */

/** The app's router, opened cold at `path` as a reload or a bookmark would. */
async function openedAt(path: string, history = createMemoryHistory()) {
  const router = createAppRouter(history)
  await router.push(path)
  await router.isReady()
  return router
}

// The first test also waits for the office's route table and words to be imported and transformed.
describe('the office’s routes, loaded when /office is first opened', { timeout: 20_000 }, () => {
  it('opens a deep link on a cold load, with its query, on the named page', async () => {
    const router = await openedAt('/office/canvasses/cv-1?tab=households')
    expect(router.currentRoute.value).toMatchObject({ name: 'office-canvass', params: { id: 'cv-1' }, fullPath: '/office/canvasses/cv-1?tab=households' })
    expect(router.currentRoute.value.matched.flatMap((record) => record.meta.messages ?? [])).toContain('officeCanvass')
  })

  it('resolves the office’s named routes once a page of it has opened', async () => {
    const router = await openedAt('/office')
    expect(router.currentRoute.value.name).toBe('office')
    expect(router.resolve({ name: 'office-campaign', params: { id: 'cp-1' } }).fullPath).toBe('/office/campaigns/cp-1')
    await router.push({ name: 'office-report' })
    expect(router.currentRoute.value.fullPath).toBe('/office/report')
  })

  it('opens the office’s list of reports for a path it does not have, and home for any other', async () => {
    expect((await openedAt('/office/no-such-page/1')).currentRoute.value.fullPath).toBe('/office')
    const router = await openedAt('/office/people')
    await router.push('/office/typo')
    expect(router.currentRoute.value.fullPath).toBe('/office')
    expect((await openedAt('/no-such-page')).currentRoute.value.fullPath).toBe('/')
  })

  it('goes back to the leader’s screen it was opened from', async () => {
    const router = await openedAt('/settings')
    await router.push('/office/campaigns')
    expect(router.currentRoute.value.name).toBe('office-campaigns')
    router.back()
    await expect.poll(() => router.currentRoute.value.fullPath).toBe('/settings')
  })

  it('adds no history entry when back reaches an office page left before a reload', async () => {
    const history = createMemoryHistory()
    for (const path of ['/visits', '/office/devices', '/settings']) history.push(path)
    const router = await openedAt('/settings', history)
    router.back()
    await expect.poll(() => router.currentRoute.value.name).toBe('office-devices')
    router.back()
    await expect.poll(() => router.currentRoute.value.fullPath).toBe('/visits')
  })
})
