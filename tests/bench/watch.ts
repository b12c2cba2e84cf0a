import type { Page } from 'playwright-core'

/*
 * What the browser benchmarks share about the installed app: installing it on a page, and timing when an
 * element first shows, on the page's own clock.
 */

/**
 * Opens the app at `appUrl`, lets the service worker install and the demo community be seeded, and loads
 * it again so that the worker controls the page. Answers whether it does.
 */
export async function install(page: Page, appUrl: string): Promise<boolean> {
  // First load installs the service worker and seeds the demo community; later loads come from its cache.
  await page.goto(appUrl)
  await page.evaluate(() => navigator.serviceWorker.ready)
  await page.reload()
  const controlled = await page.evaluate(() => navigator.serviceWorker.controller !== null)
  await page.waitForFunction(
    () =>
      new Promise<boolean>((resolve) => {
        const r = indexedDB.open('doorstep')
        r.onsuccess = () => {
          const get = r.result.transaction('meta').objectStore('meta').get('seededAt')
          get.onsuccess = () => resolve(Boolean(get.result))
        }
      }),
    undefined,
    { timeout: 30_000, polling: 200 },
  )
  return controlled
}

declare global {
  interface Window {
    /** Page-clock time at which the watched rows were first on screen (set up by `watchRows`). */
    benchRowsShown?: Promise<number>
  }
}

/**
 * From the start of every document the page loads, watches for `selector`: the promise settles with the
 * page-clock time of the frame after the element is rendered with a size. Installed before navigation,
 * so that a fast render cannot slip past it.
 */
export async function watchRows(page: Page, selector: string) {
  await page.addInitScript((selector) => {
    window.benchRowsShown = new Promise<number>((resolve) => {
      let found = false
      // On every DOM change and every frame: a stylesheet arriving changes sizes without a DOM change.
      const check = () => {
        if (found) return
        const element = document.querySelector(selector)
        if (!element || element.getBoundingClientRect().height === 0) return
        found = true
        observer.disconnect()
        requestAnimationFrame(() => resolve(performance.now()))
      }
      const observer = new MutationObserver(check)
      observer.observe(document, { childList: true, subtree: true, attributes: true })
      const everyFrame = () => {
        check()
        if (!found) requestAnimationFrame(everyFrame)
      }
      requestAnimationFrame(everyFrame)
    })
  }, selector)
}

/** When the rows `watchRows` watches for were first on screen, on the clock of the page's current document. */
export const rowsShown = (page: Page) => page.evaluate(() => window.benchRowsShown!)

/**
 * Opens home, lets it settle, and taps the link `selector` as a leader would: answers when the tap began on
 * the page's clock, to set against `rowsShown`. Name the app's own link (`#app …`): index.html's static shell
 * has the same links until the app's first screen is whole.
 */
export async function tapFromHome(page: Page, homeUrl: string, selector: string): Promise<number> {
  await page.goto(homeUrl)
  await page.locator(selector).waitFor()
  await page.waitForTimeout(300)
  return page.evaluate((link) => {
    const start = performance.now()
    document.querySelector<HTMLAnchorElement>(link)!.click()
    return start
  }, selector)
}
