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
    await seedRecords(page, { visits: visits(120), issues: issues(80) })
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
    await expect.poll(() => scrollY(page)).toBe(1500)
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

  // Judged by what the leader sees, the tapped row's place in the window, as well as by the window's offset: rows
  // that grew after the restore (a sync badge read after the rows) once brought the list back 42 px off.
  it.each([
    { list: '/visits', row: '.visit-item', record: '.visit-detail__group', deep: 90 },
    { list: '/issues', row: '.issue-list__row', record: '.issue-detail__fields', deep: 70 },
  ])('returns to a place deep in a long list after a record was opened from there: $list', async ({ list, row, record, deep }) => {
    await page.goto(at(list))
    const rows = page.locator(row)
    await rows.nth(30).waitFor()
    // Past the first page: back must read as many pages again, or the place would not exist to return to.
    for (let i = 0; i < 20 && (await rows.count()) <= deep + 5; i++) {
      await page.mouse.wheel(0, 4000)
      await page.waitForTimeout(200)
    }
    await rows.nth(deep).evaluate((el) => el.scrollIntoView({ block: 'center' }))
    const rowTop = () => rows.nth(deep).evaluate((el) => Math.round(el.getBoundingClientRect().top))
    const left = { y: await scrollY(page), top: await rowTop() }
    await rows.nth(deep).click()
    await page.locator(record).first().waitFor()

    await page.goBack()
    await page.waitForURL((url) => url.pathname === list)
    await expect.poll(async () => ({ y: await scrollY(page), top: await rowTop() })).toEqual(left)
    // And it stays there once everything on the screen has been read.
    await page.waitForTimeout(500)
    expect({ y: await scrollY(page), top: await rowTop() }).toEqual(left)
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
