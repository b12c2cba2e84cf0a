import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Page } from 'playwright-core'
import { browserUnavailable, launchPhone, type Phone } from './browser'
import { DEMO_PASSWORD, startFieldServer, type FieldServer } from './field-server'
import { cameraPhoto, openUnderWorker, readStore, recordVisit, reportIssue, signIn, unlock, watchProblems } from './pages'

const skipReason = browserUnavailable()
if (skipReason) console.warn(skipReason)

/*
 * A leader's phone that cannot reach the server hands its unsent work to the office as a rescue file, in real
 * Chromium: exported with no network (zip.js comes from the precache), imported once in the workspace,
 * and a second import or the phone's own sync later adds nothing twice.
 */

const BUILDING = '南门路115号之二'
const NEEDS = '救援文件：李伯想申请长者饭堂送餐'
const LOCATION = '救援文件：5楼楼梯扶手松了'
const PASSWORD = '南门楼长2026'

const PIN = '604218'

describe.skipIf(skipReason)('a rescue file made offline', () => {
  const appDir = inject('appDir')
  const problems: string[] = []
  let server: FieldServer
  let phone: Phone
  let page: Page
  let file = ''
  const at = (path: string) => new URL(path, server.url).href

  beforeAll(async () => {
    // With the app lock on (the default an office gets): the outbox the file is made of is sealed on the phone.
    server = await startFieldServer(appDir, { appLock: 'required' })
    phone = await launchPhone()
    page = phone.context.pages()[0] ?? (await phone.context.newPage())
    watchProblems(page, problems)
  })

  afterAll(async () => {
    await phone?.close()
    await server?.close()
  })

  it('1. is exported on 我的 with no network, the changes kept on the phone', { timeout: 120_000 }, async () => {
    await openUnderWorker(page, server.url)
    await signIn(page, 'leader1', DEMO_PASSWORD, { pin: PIN })
    await page.getByText(/^上次同步：/).waitFor()

    server.setReachable(false)
    await phone.setOffline(true)
    await recordVisit(page, { building: BUILDING, purpose: '政策宣讲', needs: NEEDS, outcome: '已登记' })
    await reportIssue(page, { building: BUILDING, category: '维修', location: LOCATION, description: '扶手晃得厉害，老人下楼危险', photos: [await cameraPhoto(page)] })
    expect((await readStore(page, 'outbox')).length).toBe(2)

    await page.getByRole('link', { name: '我的', exact: true }).click()
    await page.getByText('手机上有 2 条记录还没交到社区').waitFor()
    await page.getByRole('button', { name: '导出没同步的记录' }).click()
    await page.getByLabel('文件密码').fill(PASSWORD)
    await page.getByLabel('再输一遍').fill(PASSWORD)
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '导出文件' }).click()])
    expect(download.suggestedFilename()).toMatch(/^楼长助手-没同步的记录-\d{4}-\d{2}-\d{2}\.zip$/)
    file = (await download.path())!
    expect((await readFile(file)).subarray(0, 2).toString('latin1')).toBe('PK')
    await page.getByText(`已导出：${download.suggestedFilename()}`).waitFor()
    expect((await readStore(page, 'outbox')).length).toBe(2)
  })

  it('2. is imported once in the workspace; a second import and the phone’s own sync add nothing twice', { timeout: 180_000 }, async () => {
    server.setReachable(true)
    const desk = await launchPhone({ viewport: { width: 1366, height: 768 }, isMobile: false, hasTouch: false })
    try {
      const workspace = desk.context.pages()[0] ?? (await desk.context.newPage())
      watchProblems(workspace, problems)
      await workspace.goto(server.url)
      await signIn(workspace, 'office1', DEMO_PASSWORD, { pin: PIN })
      await workspace.goto(at('/office/devices'))
      await unlock(workspace, PIN)
      const importOnce = async () => {
        await workspace.getByRole('button', { name: '导入救援文件' }).click()
        await workspace.locator('[data-testid="rescue-file"]').setInputFiles(file)
        await workspace.locator('.office-rescue input[name="rescue-password"]').fill(PASSWORD)
        await workspace.locator('.office-rescue__import').click()
      }
      await importOnce()
      await workspace.getByText('导入好了：新交上来 2 条，之前已经收到过 0 条。').waitFor()
      await workspace.getByText('收到照片 1 张').waitFor()
      await workspace.getByRole('button', { name: '关闭' }).first().click()
      await importOnce()
      await workspace.getByText('导入好了：新交上来 0 条，之前已经收到过 2 条。').waitFor()
    } finally {
      await desk.close()
    }
    const office = await server.api.login('office1')
    const changes = await server.api.pullAll(office)
    expect(changes.filter((c) => c.record.needs === NEEDS)).toHaveLength(1)
    const issue = changes.find((c) => c.record.location === LOCATION)!
    expect((await server.api.attachment(office, (issue.record.photos as string[])[0]!)).length).toBeGreaterThan(0)

    // Back in signal, the phone sends what the office already has: answered as duplicates, nothing refused.
    await phone.setOffline(false)
    await expect.poll(async () => (await readStore(page, 'outbox')).length, { timeout: 30_000 }).toBe(0)
    expect(await readStore(page, 'rejections')).toEqual([])
    expect((await server.api.pullAll(office)).filter((c) => c.record.needs === NEEDS)).toHaveLength(1)
    expect(problems).toEqual([])
  })
})
