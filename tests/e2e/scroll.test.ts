import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Page } from 'playwright-core'
import { browserUnavailable, launchPhone, type Phone } from './browser'
import { demoSeeded } from './pages'
import { issues, seedRecords, visits } from './seed'

const skipReason = browserUnavailable()
if (skipReason) console.warn(skipReason)

const scrollY = (page: Page) => page.evaluate(() => Math.round(window.scrollY))

/** Whether the element is wholly inside the window (below the title bar, above the tab bar). */
const inView = (page: Page, name: string) =>
  page.getByRole('button', { name, exact: true }).evaluate((el) => {
    const box = el.getBoundingClientRect()
    const tabbar = document.querySelector('.app-tabbar')!.getBoundingClientRect()
    return box.top >= 0 && box.bottom <= tabbar.top
  })

describe.skipIf(skipReason)('scrolling between screens', () => {
  const appUrl = inject('appUrl')
  const at = (path: string) => new URL(path, appUrl).href
  let phone: Phone
  let page: Page

  beforeAll(async () => {
    phone = await launchPhone()
    page = phone.context.pages()[0] ?? (await phone.context.newPage())
    await page.goto(appUrl)
    await demoSeeded(page)
    await seedRecords(page, { visits: visits(120), issues: issues(45) })
  })

  afterAll(async () => {
    await phone?.close()
  })

  it('opens a record at its top, and back returns to where the list was left', async () => {
    await page.goto(at('/visits'))
    await page.locator('.visit-item').nth(40).waitFor()
    await page.evaluate(() => window.scrollTo(0, 1500))
    expect(await scrollY(page)).toBe(1500)

    // The row in the middle of the window: the one a thumb would tap.
    const middle = await page.evaluate(() =>
      [...document.querySelectorAll('.visit-item')].findIndex((row) => row.getBoundingClientRect().top > window.innerHeight / 2),
    )
    await page.locator('.visit-item').nth(middle).click()
    await page.waitForURL(/\/visits\/[0-9a-f-]{36}$/)
    await page.getByRole('button', { name: '修改' }).first().waitFor()
    expect(await scrollY(page)).toBe(0)

    await page.goBack()
    await page.waitForURL((url) => url.pathname === '/visits')
    // Within a few pixels: when something above the rows settles after the restore (the count line, under
    // load), Chromium's scroll anchoring moves the window with it, so that the same rows stay in view.
    await expect.poll(async () => Math.abs((await scrollY(page)) - 1500)).toBeLessThanOrEqual(16)
  })

  it('brings every visit as the leader scrolls, without a tap, down to an end marker with the count', async () => {
    await page.goto(at('/visits'))
    await page.getByText('共 120 条').waitFor()
    for (let i = 0; i < 20 && !(await page.getByText('已经到底了，共 120 条').isVisible()); i++) {
      await page.mouse.wheel(0, 4000)
      await page.waitForTimeout(200)
    }
    expect(await page.locator('.visit-item').count()).toBe(120)
    expect(await page.getByText('已经到底了，共 120 条').isVisible()).toBe(true)
  })

  it('returns to a place deep in a long list after a record was opened from there', async () => {
    await page.goto(at('/visits'))
    await page.locator('.visit-item').nth(49).waitFor()
    for (let i = 0; i < 20 && (await page.locator('.visit-item').count()) < 100; i++) {
      await page.mouse.wheel(0, 4000)
      await page.waitForTimeout(200)
    }
    await page.locator('.visit-item').nth(90).evaluate((row) => row.scrollIntoView({ block: 'center' }))
    // Where the list is left, read once the page has settled: on a loaded machine something above the row
    // (42 px) was still growing after it was scrolled to, and the browser moved the window with it.
    await page.waitForTimeout(300)
    const deep = await scrollY(page)
    await page.locator('.visit-item').nth(90).click()
    await page.waitForURL(/\/visits\/[0-9a-f-]{36}$/)
    await page.getByRole('button', { name: '修改' }).first().waitFor()

    await page.goBack()
    await page.waitForURL((url) => url.pathname === '/visits')
    await expect.poll(() => scrollY(page)).toBe(deep)
  })

  it('shows a tab’s first action at once, however far the previous screen was scrolled', async () => {
    await page.goto(at('/visits'))
    await page.locator('.visit-item').nth(40).waitFor()
    await page.evaluate(() => window.scrollTo(0, 1800))
    await page.getByRole('link', { name: '诉求', exact: true }).click()
    await page.waitForURL((url) => url.pathname === '/issues')
    await page.getByRole('button', { name: '报诉求' }).waitFor()
    expect(await scrollY(page)).toBe(0)
    expect(await inView(page, '报诉求')).toBe(true)
  })
})
