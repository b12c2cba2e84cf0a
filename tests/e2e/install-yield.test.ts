import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startStaticServer, type StaticServer } from '@/server/static'
import { SYNC_LOCK } from '@/app/sync/lock'
import { browserUnavailable, launchPhone, type Phone } from './browser'

const skipReason = browserUnavailable()
if (skipReason) console.warn(skipReason)

/** How many files the app's precache holds (Workbox names its cache workbox-precache-…). */
const precached = () =>
  window.caches.keys().then(async (names) => {
    const name = names.find((n) => n.startsWith('workbox-precache'))
    return name ? (await (await caches.open(name)).keys()).length : 0
  })

/**
 * A new phone's app installs itself between sync runs, not beside them (src/app/pwa/installYield.ts): here a
 * sync run is stood in for by the page holding the sync lock from its first line, as a first pull does.
 */
describe.skipIf(skipReason)('the install beside a sync run', () => {
  let server: StaticServer
  let phone: Phone

  beforeAll(async () => {
    server = await startStaticServer({ root: inject('appDir'), port: 0 })
    phone = await launchPhone()
  })

  afterAll(async () => {
    await phone?.close()
    await server?.close()
  })

  it('fetches nothing while the sync lock is held, and installs once it is let go', async () => {
    const page = await phone.context.newPage()
    await page.addInitScript((lock) => {
      void navigator.locks.request(lock, () => new Promise<void>((release) => Object.assign(window, { releaseSync: release })))
    }, SYNC_LOCK)
    await page.goto(server.url)
    await page.waitForFunction(async () => !!(await navigator.serviceWorker.getRegistration())?.installing)
    // Workbox's own install fetches some 300 files one by one in 4–5 s here: a few hundred ms hold dozens.
    await page.waitForTimeout(1_500)
    expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.active)).toBeFalsy()
    expect(await page.evaluate(precached)).toBe(0)

    await page.evaluate(() => (window as unknown as { releaseSync: () => void }).releaseSync())
    // At once, not when the install's 15 s of waiting are spent.
    await expect.poll(() => page.evaluate(precached), { timeout: 5_000 }).toBeGreaterThan(0)
    await page.evaluate(() => navigator.serviceWorker.ready)
    expect(await page.evaluate(precached)).toBeGreaterThan(100)
  })
})
