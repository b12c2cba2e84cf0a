import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Page } from 'playwright-core'
import { browserUnavailable, launchPhone, type Phone } from './browser'
import { cameraPhoto, closeMidFormAndReopen, finishInspection, inspect, openUnderWorker, recordVisit, reportIssue, watchProblems } from './pages'

const skipReason = browserUnavailable()
if (skipReason) console.warn(skipReason)

/** What the leader types; distinctive, so that finding it in a list proves it was saved. */
const VISIT_NEEDS = '王阿姨想学粤省事上的养老金年审'
const ISSUE_LOCATION = '3楼楼道窗户（东侧）'
const INSPECTION_NOTE = '5楼楼梯口堆了纸箱和旧沙发'
const DRAFT_TEXT = '楼道灯坏了一个星期，晚上看不清台阶'

/**
 * Each test continues the day where the previous one left off, as a leader would: the records made
 * offline in the first tests are the ones looked for after the reload.
 */
describe.skipIf(skipReason)('a day of work with no network', () => {
  const appUrl = inject('appUrl')
  const at = (path: string) => new URL(path, appUrl).href
  let phone: Phone
  let page: Page
  let visitPath = ''
  /** Content-security-policy violations and uncaught errors, from every page of the day. */
  const problems: string[] = []

  beforeAll(async () => {
    phone = await launchPhone()
    page = phone.context.pages()[0] ?? (await phone.context.newPage())
    watchProblems(page, problems)
    await openUnderWorker(page, appUrl)
    await phone.setOffline(true)
  })

  afterAll(async () => {
    await phone?.close()
  })

  it('has really lost the network', async () => {
    await expect.poll(() => page.evaluate(() => navigator.onLine)).toBe(false)
    const probe = await page.evaluate(() =>
      fetch(`/network-probe-${Date.now()}.txt`, { cache: 'no-store' }).then(
        (response) => `answered ${response.status}`,
        () => 'failed',
      ),
    )
    expect(probe).toBe('failed')
  })

  it('records a door-to-door visit', async () => {
    const id = await recordVisit(page, {
      building: '南门路115号之二',
      purpose: '政策宣讲',
      topic: '粤省事养老金年审',
      needs: VISIT_NEEDS,
      outcome: '当场教会了，下周再去看看',
    })
    visitPath = `/visits/${id}`
  })

  it('reports an issue with a photo from the gallery', async () => {
    await reportIssue(page, {
      building: '南门路115号之二',
      category: '维修',
      location: ISSUE_LOCATION,
      description: '窗户玻璃裂了，风大怕掉下去砸到人',
      urgent: true,
      photos: [await cameraPhoto(page)],
    })
    await page.getByRole('img', { name: '第 1 张照片' }).waitFor()
  })

  it('runs a safety inspection with one failed item and finishes it', async () => {
    await inspect(page, { building: '南门路115号之二', template: '楼道消防安全', failNote: INSPECTION_NOTE })
    await finishInspection(page)
    await page.getByText('有问题').first().waitFor()
    await page.getByText(INSPECTION_NOTE).waitFor()
  })

  it('finds the visit, the issue and the inspection in their lists after a reload with no network', async () => {
    await page.goto(at('/visits'))
    await page.reload()
    await expect.poll(() => page.evaluate(() => navigator.onLine)).toBe(false)
    await page.locator(`a[href="${visitPath}"]`).getByText('政策宣讲').waitFor()

    await page.getByRole('link', { name: '诉求', exact: true }).click()
    await page.getByText(`维修 · ${ISSUE_LOCATION}`).waitFor()

    await page.getByRole('link', { name: '巡查', exact: true }).click()
    // Vant cells with a route are buttons, not links.
    const inspection = page.getByRole('button').filter({ hasText: '楼道消防安全' })
    await inspection.first().getByText('有问题').waitFor()
  })

  it('keeps the photo on the phone under its SHA-256, compressed to at most 1600 px', async () => {
    const stored = await page.evaluate(async (location) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const request = indexedDB.open('doorstep')
        request.onsuccess = () => resolve(request.result)
        request.onerror = () => reject(request.error)
      })
      const all = <T,>(store: string) =>
        new Promise<T[]>((resolve, reject) => {
          const request = db.transaction(store).objectStore(store).getAll()
          request.onsuccess = () => resolve(request.result as T[])
          request.onerror = () => reject(request.error)
        })
      const issue = (await all<{ location: string; photos: string[] }>('issues')).find((i) => i.location === location)
      const photos = await all<{ sha256: string; type: string; data: ArrayBuffer; width: number; height: number }>('attachments')
      db.close()
      return Promise.all(
        photos.map(async (photo) => {
          const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', photo.data))
          const bitmap = await createImageBitmap(new Blob([photo.data], { type: photo.type }))
          return {
            key: photo.sha256,
            sha256: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join(''),
            bytes: photo.data.byteLength,
            decoded: { width: bitmap.width, height: bitmap.height },
            recorded: { width: photo.width, height: photo.height },
            onIssue: issue?.photos.includes(photo.sha256) ?? false,
          }
        }),
      )
    }, ISSUE_LOCATION)

    const photo = stored.find((p) => p.onIssue)
    expect(photo, 'the issue names a stored photo').toBeDefined()
    expect(photo!.sha256).toBe(photo!.key)
    // 4000×3000 scaled to fit 1600: the long side is exactly the limit and the shape is kept.
    expect(photo!.decoded).toEqual({ width: 1600, height: 1200 })
    expect(photo!.recorded).toEqual(photo!.decoded)
    expect(photo!.bytes).toBeLessThan(400 * 1024)
  })

  it('brings back what was typed after the page is closed in the middle of a form', async () => {
    page = await closeMidFormAndReopen(page, at('/issues/new'), DRAFT_TEXT, problems)
    await expect.poll(() => page.getByLabel('情况说明').inputValue()).toBe(DRAFT_TEXT)
  })

  it('ran the whole day under the content security policy without a violation or a page error', () => {
    expect(problems).toEqual([])
  })
})
