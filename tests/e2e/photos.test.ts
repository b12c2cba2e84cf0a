import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Page } from 'playwright-core'
import { browserUnavailable, launchPhone, type Phone } from './browser'
import { DEMO_PASSWORD, startFieldServer, type FieldServer } from './field-server'
import { cameraPhoto, openUnderWorker, readStore, reportIssue, signIn, watchProblems } from './pages'

const skipReason = browserUnavailable()
if (skipReason) console.warn(skipReason)

const BUILDING = '南门路115号之二'
const LOCATION = '3单元门口的雨棚'

/** The natural size of the images the page shows under `selector`, once each has loaded. */
const naturalSizes = (page: Page, selector: string) =>
  page.locator(selector).evaluateAll((images: HTMLImageElement[]) => images.filter((i) => i.complete && i.naturalWidth).map((i) => [i.naturalWidth, i.naturalHeight]))

/**
 * A photo reaches another phone: leader1 reports an issue with a photo, which sync uploads; the office,
 * signed in on its own phone, opens the report, sees the thumbnail the server made, then the photo itself
 * full-screen, and still sees both with no network. Real Chromium, the real server (SQLite).
 */
describe.skipIf(skipReason)('photos on another phone', () => {
  const appDir = inject('appDir')
  let server: FieldServer
  let leader: Phone
  let office: Phone
  const problems: string[] = []

  beforeAll(async () => {
    server = await startFieldServer(appDir)
    ;[leader, office] = await Promise.all([launchPhone(), launchPhone()])
  })
  afterAll(async () => {
    await Promise.all([leader?.close(), office?.close()])
    await server?.close()
  })

  it("shows a leader's photo on the office's phone: the thumbnail when the report opens, the full photo on a tap, both offline afterwards", async () => {
    const page = leader.context.pages()[0] ?? (await leader.context.newPage())
    watchProblems(page, problems)
    await page.goto(server.url)
    await signIn(page, 'leader1', DEMO_PASSWORD)
    const id = await reportIssue(page, { building: BUILDING, category: '维修', location: LOCATION, description: '雨棚裂了一道缝，下雨漏水', photos: [await cameraPhoto(page)] })
    const [issue] = (await readStore<{ id: string; photos: string[] }>(page, 'issues')).filter((i) => i.id === id)
    const [sha256] = issue!.photos
    // Sync runs by itself shortly after the save, and uploads the photo before the report.
    await expect.poll(async () => (await readStore(page, 'outbox')).length, { timeout: 20_000 }).toBe(0)

    const desk = office.context.pages()[0] ?? (await office.context.newPage())
    watchProblems(desk, problems)
    const photoRequests: string[] = []
    desk.on('request', (request) => {
      if (request.url().includes('/api/v1/attachments/')) photoRequests.push(new URL(request.url()).search)
    })
    // Opened once online, so that the service worker can start the app again with no network.
    await openUnderWorker(desk, server.url)
    await signIn(desk, 'office1', DEMO_PASSWORD)
    await expect.poll(async () => (await readStore<{ id: string }>(desk, 'issues')).some((i) => i.id === id), { timeout: 20_000 }).toBe(true)

    await desk.goto(new URL(`/issues/${id}`, server.url).href)
    const thumb = desk.getByRole('img', { name: '第 1 张照片' })
    await thumb.waitFor({ timeout: 20_000 })
    await expect.poll(() => naturalSizes(desk, `img[data-sha256="${sha256}"]`)).toEqual([[320, 240]])
    // Unmetered (Chromium here says 4g, not cellular): the full photo follows the thumbnail.
    await expect.poll(() => photoRequests).toEqual(['?size=thumb', '?size=full'])

    await desk.getByRole('button', { name: '看第 1 张大图' }).click()
    await expect.poll(() => naturalSizes(desk, '.van-image-preview img'), { timeout: 20_000 }).toEqual([[1600, 1200]])
    await desk.locator('.van-image-preview').tap()
    await desk.locator('.van-image-preview').waitFor({ state: 'hidden' })

    await office.setOffline(true)
    await desk.reload()
    await expect.poll(() => naturalSizes(desk, `img[data-sha256="${sha256}"]`), { timeout: 20_000 }).toEqual([[320, 240]])
    await desk.getByRole('button', { name: '看第 1 张大图' }).click()
    await expect.poll(() => naturalSizes(desk, '.van-image-preview img')).toEqual([[1600, 1200]])
    expect(photoRequests).toHaveLength(2)
    expect(problems).toEqual([])
  })
})
