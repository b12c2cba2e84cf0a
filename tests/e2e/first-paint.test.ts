import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Page, Route } from 'playwright-core'
import { browserUnavailable, launchPhone, type Phone } from './browser'

const skipReason = browserUnavailable()
if (skipReason) console.warn(skipReason)

const BANNER = '还没登录，记录只存在手机上。用社区给的账号登录后才会同步'
/** The app's entry chunk (the first screen's one script), as Vite names it. */
const ENTRY = /\/assets\/index-[\w-]+\.js$/

interface Paint {
  startTime: number
  /** Whether the element was part of index.html's static shell when it was painted. */
  inShell: boolean
  text: string
}

/**
 * The first paint of a phone, in Chromium: what index.html paints before the app's script runs (the static
 * shell, src/app/shell.ts), and the largest paint (Lighthouse's LCP element) being part of it.
 */
describe.skipIf(skipReason)('the first paint', () => {
  const appUrl = inject('appUrl')
  const at = (path: string) => new URL(path, appUrl).href
  let phone: Phone

  beforeAll(async () => {
    // No service worker: every start below is a first visit over the network, where the entry can be held.
    phone = await launchPhone({ serviceWorkers: 'block' })
  })

  afterAll(async () => {
    await phone?.close()
  })

  /**
   * Opens `path` with the app's script held back, after `storage` was put in the origin's localStorage:
   * the page as the HTML alone paints it. `release` lets the script through.
   */
  async function withoutScript(path: string, storage: Record<string, string> = {}): Promise<{ page: Page; release: () => Promise<void> }> {
    const page = await phone.context.newPage()
    await page.goto(at('/manifest.webmanifest'))
    await page.evaluate((entries) => {
      localStorage.clear()
      for (const [key, value] of Object.entries(entries)) localStorage.setItem(key, value)
    }, storage)
    let held: Route | undefined
    await page.route(ENTRY, (route) => void (held = route))
    // Not until DOMContentLoaded, which waits for the held module script: until the HTML is parsed and its
    // stylesheet applied.
    await page.goto(at(path), { waitUntil: 'commit' })
    await expect.poll(() => held !== undefined).toBe(true)
    await page.waitForFunction(() => document.readyState !== 'loading' && [...document.styleSheets].some((sheet) => sheet.href?.includes('/assets/')))
    return {
      page,
      release: async () => {
        await held!.continue()
        await page.unroute(ENTRY)
      },
    }
  }

  it("is home's frame, with the sign-in banner, from the HTML alone on a first visit; the app takes over and remembers it", async () => {
    const { page, release } = await withoutScript('/')
    expect(await page.getByRole('heading', { name: '楼长助手' }).isVisible()).toBe(true)
    expect(await page.getByText(BANNER).isVisible()).toBe(true)
    expect(await page.getByRole('link', { name: '记走访' }).isVisible()).toBe(true)
    expect(await page.getByRole('link', { name: '首页' }).getAttribute('aria-current')).toBe('page')

    await release()
    await page.locator('.app-shell').waitFor({ state: 'detached' })
    // The app's own home: one banner, one set of actions, now with the app's worklist below.
    expect(await page.getByText(BANNER).count()).toBe(1)
    await page.getByRole('heading', { name: '要做的' }).waitFor()
    expect(await page.getByRole('link', { name: '记走访' }).count()).toBe(1)
    expect(await page.evaluate(() => localStorage.getItem('doorstep.shell'))).toBe('signed-out')
    await page.close()
  })

  it('has no sign-in banner on a signed-in phone, and follows the large-text setting', async () => {
    const { page, release } = await withoutScript('/', {
      'doorstep.shell': 'signed-in',
      'doorstep.preferences': JSON.stringify({ locale: 'zh-CN', textSize: 'large' }),
    })
    expect(await page.getByRole('link', { name: '记走访' }).isVisible()).toBe(true)
    expect(await page.getByText(BANNER).isVisible()).toBe(false)
    // styles.css: 17 px at the standard size, 20 px large.
    expect(await page.getByRole('link', { name: '记走访' }).evaluate((el) => getComputedStyle(el).fontSize)).toBe('20px')
    await release()
    await page.close()
  })

  it('paints no frame on a phone that opens on its PIN screen, nor away from home (the office has no phone frame)', async () => {
    for (const [path, storage] of [
      ['/', { 'doorstep.shell': 'off' }],
      ['/office', {}],
      ['/visits', { 'doorstep.shell': 'signed-out' }],
    ] as const) {
      const { page, release } = await withoutScript(path, storage)
      expect(await page.locator('.app-shell').isVisible(), path).toBe(false)
      expect(await page.getByRole('link', { name: '记走访' }).count(), path).toBe(0)
      await release()
      await page.close()
    }
  })

  it("has its largest paint (the LCP element) in the HTML, painted with the first content, before the app's script runs", async () => {
    const page = await phone.context.newPage()
    await page.goto(at('/manifest.webmanifest'))
    await page.evaluate(() => localStorage.clear())
    const cdp = await phone.context.newCDPSession(page)
    // A mid-range phone, as Lighthouse's mobile run slows the CPU.
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 })
    await page.addInitScript(() => {
      const paints: Paint[] = []
      Object.assign(window, { paints })
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries() as LargestContentfulPaint[]) {
          paints.push({ startTime: entry.startTime, inShell: !!entry.element?.closest('.app-shell'), text: entry.element?.textContent ?? '' })
        }
      }).observe({ type: 'largest-contentful-paint', buffered: true })
      // When the shell's script adds the app's entry (scripts/vite-entry.ts).
      new MutationObserver((changes, observer) => {
        if (!changes.some((change) => [...change.addedNodes].some((node) => node instanceof HTMLScriptElement && node.type === 'module'))) return
        Object.assign(window, { entryAddedAt: performance.now() })
        observer.disconnect()
      }).observe(document, { childList: true, subtree: true })
    })
    await page.goto(appUrl)
    // Until what the app draws after its script — the worklist's rows — is on the screen.
    await page.locator('section[aria-labelledby="home-worklist"] a').first().waitFor()
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 100))))
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 })
    const paints = await page.evaluate(() => (window as unknown as { paints: Paint[] }).paints)
    const [firstContent] = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint').map((entry) => entry.startTime))
    const largest = paints.at(-1)
    expect(largest).toMatchObject({ inShell: true, text: BANNER })
    expect(largest!.startTime).toBe(firstContent)
    // The app's script ran only once that paint was on the screen.
    expect(await page.evaluate(() => (window as unknown as { entryAddedAt: number }).entryAddedAt)).toBeGreaterThanOrEqual(firstContent!)
    await page.close()
  })
})
