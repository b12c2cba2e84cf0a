import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Page } from 'playwright-core'
import { SHELL_SCRIPT_HASH, startStaticServer, type StaticServer } from '@/server/static'
import { precompressFiles } from '../../scripts/vite-compress'
import { browserUnavailable, launchPhone, type Phone } from './browser'

const skipReason = browserUnavailable()
if (skipReason) console.warn(skipReason)

const DRAFT_START = '二楼楼梯扶手松了'
const DRAFT_END = '，老人上下楼要扶着墙'
const UPGRADE_DRAFT = '一楼信报箱的锁被撬了'

/** The natural size of each image as the page loads it, or 'missing'. */
function imageSizes(page: Page, urls: string[]) {
  return page.evaluate(
    (sources) =>
      Promise.all(
        sources.map(
          (src) =>
            new Promise<string>((resolve) => {
              const image = new Image()
              image.onload = () => resolve(`${image.naturalWidth}x${image.naturalHeight}`)
              image.onerror = () => resolve('missing')
              image.src = src
            }),
        ),
      ),
    urls,
  )
}

/**
 * A new version of the shell, deployed the way a release lands: index.html changes, and so does its
 * revision in the worker's precache list, which is what makes the browser see a new worker; and the build's
 * compressed copies of both with them, which the server sends in their place.
 */
async function deployNewShell(dir: string) {
  const html = await readFile(join(dir, 'index.html'), 'utf8')
  await writeFile(join(dir, 'index.html'), html.replace('<head>', '<head><meta name="doorstep-build" content="2">'))
  const worker = await readFile(join(dir, 'sw.js'), 'utf8')
  const entry = /\{"revision":"[0-9a-f]+","url":"index\.html"\}/
  expect(worker, 'the precache list names index.html with its revision').toMatch(entry)
  await writeFile(join(dir, 'sw.js'), worker.replace(entry, '{"revision":"0000000000000000000000000000000b","url":"index.html"}'))
  await precompressFiles(dir)
}

/**
 * The app as it is installed: served from its own copy of the build on its own origin (so that deploying
 * a new version here changes nothing for other browser tests), opened once online so that the worker
 * installs, then reloaded so that the worker controls the page.
 */
describe.skipIf(skipReason)('the installable app', () => {
  const appDir = inject('appDir')
  let dir: string
  let server: StaticServer
  let phone: Phone
  let page: Page
  /** Content-security-policy violations and uncaught errors, from every page load. */
  const problems: string[] = []
  const at = (path: string) => new URL(path, server.url).href

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'doorstep-installable-'))
    await cp(appDir, dir, { recursive: true })
    server = await startStaticServer({ root: dir, port: 0 })
    phone = await launchPhone()
    page = phone.context.pages()[0] ?? (await phone.context.newPage())
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) problems.push(message.text())
    })
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
    await page.goto(server.url)
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready
    })
    await page.reload()
  })

  afterAll(async () => {
    await phone?.close()
    await server?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('is controlled by its service worker, whose scope is the app and nothing wider', async () => {
    const worker = await page.evaluate(async () => ({
      controller: navigator.serviceWorker.controller?.scriptURL,
      state: navigator.serviceWorker.controller?.state,
      scope: (await navigator.serviceWorker.getRegistration())?.scope,
    }))
    expect(worker).toEqual({ controller: at('/sw.js'), state: 'activated', scope: server.url })
  })

  it('sends the API’s requests straight to the network, never through its worker’s fetch handler', async () => {
    // Resource Timing names the static route a request matched ('' when the worker's fetch handler had it).
    const routes = await page.evaluate(async (paths) => {
      const matched: Record<string, string> = {}
      for (const path of paths) {
        const url = new URL(path, location.href).href
        await (await fetch(url, { cache: 'no-store' })).arrayBuffer()
        matched[path] = (performance.getEntriesByName(url).at(-1) as PerformanceResourceTiming & { workerMatchedSourceType: string }).workerMatchedSourceType
      }
      return matched
    }, ['/api/v1/sync/pull', '/manifest.webmanifest'])
    expect(routes).toEqual({ '/api/v1/sync/pull': 'network', '/manifest.webmanifest': '' })
  })

  it('meets Chromium’s install criteria, with a manifest that parses without an error', async () => {
    const cdp = await phone.context.newCDPSession(page)
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors')
    const { errors, url } = await cdp.send('Page.getAppManifest')
    await cdp.detach()
    expect(installabilityErrors).toEqual([])
    expect(url).toBe(at('/manifest.webmanifest'))
    expect(errors).toEqual([])
  })

  it('describes a standalone Chinese app with icons of the sizes it claims, a maskable one among them', async () => {
    const manifest = (await (await fetch(at('/manifest.webmanifest'))).json()) as {
      name: string
      lang: string
      display: string
      start_url: string
      scope: string
      icons: { src: string; sizes: string; purpose?: string }[]
      screenshots: { src: string; sizes: string }[]
    }
    expect(manifest).toMatchObject({ name: '楼长助手 · Doorstep', lang: 'zh-CN', display: 'standalone' })
    expect(new URL(manifest.start_url, at('/manifest.webmanifest')).href).toBe(server.url)
    expect(new URL(manifest.scope, at('/manifest.webmanifest')).href).toBe(server.url)
    expect(manifest.icons.map((icon) => [icon.sizes, icon.purpose])).toEqual([
      ['192x192', 'any'],
      ['512x512', 'any'],
      ['512x512', 'maskable'],
    ])
    const listed = [...manifest.icons, ...manifest.screenshots]
    expect(await imageSizes(page, listed.map((image) => at(image.src)))).toEqual(listed.map((image) => image.sizes))
  })

  it('gives iPhones a home-screen icon, title and full-screen start', async () => {
    const ios = await page.evaluate(() => ({
      touchIcon: document.querySelector<HTMLLinkElement>('link[rel="apple-touch-icon"]')?.href ?? '',
      capable: document.querySelector<HTMLMetaElement>('meta[name="apple-mobile-web-app-capable"]')?.content,
      title: document.querySelector<HTMLMetaElement>('meta[name="apple-mobile-web-app-title"]')?.content,
    }))
    expect(ios).toMatchObject({ capable: 'yes', title: '楼长助手' })
    expect(await imageSizes(page, [ios.touchIcon])).toEqual(['180x180'])
  })

  it("runs no inline script but the shell's, under a content security policy that allows that one by its hash", async () => {
    const response = await page.goto(at('/visits'))
    // Answered by the worker from its cache: the policy must come along with the cached shell.
    expect(response?.headers()['content-security-policy']).toContain(`script-src 'self' ${SHELL_SCRIPT_HASH}`)
    expect(await page.locator('script:not([src])').count()).toBe(1)
    // The shell's script ran (a blocked one would leave no hint): away from home, it paints no frame.
    expect(await page.evaluate(() => document.documentElement.dataset.shell)).toBe('off')
  })

  it('offers an install button in the settings, and shows how full the phone is', async () => {
    await page.getByRole('link', { name: '我的', exact: true }).click()
    await page.getByRole('button', { name: '装到桌面' }).waitFor()
    await page.getByText(/^已用 .+，还能用 .+$/).waitFor()
  })

  it('offers a new version without reloading by itself, and after consent runs it with the typed draft kept', async () => {
    // Page time under the test's control (it flows as usual until paused below).
    await page.clock.install()
    await page.goto(at('/issues/new'))
    await page.getByLabel('情况说明').fill(DRAFT_START)
    await page.evaluate(() => Object.assign(window, { sameDocument: true }))

    await deployNewShell(dir)
    // What the app does whenever it comes back to the screen: look for a new version.
    await page.evaluate(() => document.dispatchEvent(new Event('visibilitychange')))
    await page.getByText('有新版本了').waitFor({ timeout: 20_000 })

    // Left alone, the page stays as it is: the new version waits for consent.
    await page.waitForTimeout(1500)
    expect(await page.evaluate(() => 'sameDocument' in window)).toBe(true)
    expect(await page.locator('meta[name="doorstep-build"]').count()).toBe(0)

    // The page's timers stand still from here: the autosave due 300 ms after the last key never comes, so
    // the last words reach the draft only if accepting the update stores them before the reload.
    await page.clock.pauseAt(await page.evaluate(() => Date.now() + 1000))
    await page.getByLabel('情况说明').pressSequentially(DRAFT_END)
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: '现在更新' }).click()])
    await page.clock.resume()

    expect(await page.evaluate(() => 'sameDocument' in window)).toBe(false)
    expect(await page.locator('meta[name="doorstep-build"]').getAttribute('content')).toBe('2')
    await page.getByText('上次没填完的内容已恢复').waitFor()
    await expect.poll(() => page.getByLabel('情况说明').inputValue()).toBe(DRAFT_START + DRAFT_END)
    expect(await page.getByText('有新版本了').count()).toBe(0)
  })

  it('loaded every page without a content security policy violation or a page error', () => {
    expect(problems).toEqual([])
  })

  it('stores the open form, gives up its database when another tab upgrades it, and reloads with everything there', async () => {
    await page.goto(at('/issues/new'))
    await page.getByText('上次没填完的内容已恢复').waitFor()
    // As above: the autosave never comes, so only the flush before closing the database can keep this.
    await page.clock.pauseAt(await page.evaluate(() => Date.now() + 1000))
    await page.getByLabel('情况说明').fill(UPGRADE_DRAFT)

    // Stands in for a newer version in another tab: a second connection opens the database at a higher
    // version, which IndexedDB holds until the app's connection is closed.
    const upgraded = await page.evaluate(async () => {
      const open = (version?: number) =>
        new Promise<IDBDatabase>((resolve, reject) => {
          const request = indexedDB.open('doorstep', version)
          request.onsuccess = () => resolve(request.result)
          request.onerror = () => reject(request.error)
        })
      const current = await open()
      const next = current.version + 1
      current.close()
      const newer = await open(next)
      newer.close()
      return newer.version === next
    })
    expect(upgraded).toBe(true)

    await page.getByText('应用在另一个页面更新了，请刷新本页再用').waitFor()
    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: '刷新', exact: true }).click()])
    await page.clock.resume()
    await expect.poll(() => page.getByLabel('情况说明').inputValue()).toBe(UPGRADE_DRAFT)
    await page.goto(at('/buildings'))
    await page.getByText('南门路115号之二').waitFor()
  })
})
