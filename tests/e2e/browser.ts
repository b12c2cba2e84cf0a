import { existsSync } from 'node:fs'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type BrowserContextOptions, type CDPSession, type Page } from 'playwright-core'

/** Debian's Chromium (`apt-get install chromium`); playwright-core downloads no browser of its own. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Without the background-networking flags Chromium keeps calling hosts that this network refuses. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** A mid-range Android phone, in Chinese, in the leaders' time zone. */
export const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 3,
  isMobile: true,
  hasTouch: true,
  locale: 'zh-CN',
  timezoneId: 'Asia/Shanghai',
}

/**
 * Why browser tests cannot run here, or null when they can. On CI a missing browser is an error, never
 * a silent skip; on a developer's machine the tests are skipped with this message.
 */
export function browserUnavailable(): string | null {
  if (existsSync(CHROMIUM_PATH)) return null
  const message = `Chromium not found at ${CHROMIUM_PATH}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH)`
  if (process.env.CI) throw new Error(message)
  return `${message}; browser tests skipped.`
}

export interface Phone {
  context: BrowserContext
  /** The profile on disk: launching again with it reopens the same phone, data and service worker included. */
  userDataDir: string
  /**
   * Cuts or restores the network for every page and the service worker. Use this, not the context's own
   * `setOffline`: it also keeps `navigator.onLine` and the `online`/`offline` events true in pages opened
   * or reloaded while offline (see `offlineEverywhere`).
   */
  setOffline(offline: boolean): Promise<void>
  /** Closes the browser and deletes its profile. */
  close(): Promise<void>
  /**
   * Ends the browser the hard way (SIGKILL), as the system does to an app in the background or a phone
   * whose battery dies: no unload handlers, no orderly shutdown. The profile stays, for a relaunch.
   */
  kill(): Promise<void>
}

export interface PhoneOptions extends BrowserContextOptions {
  /** A profile from an earlier launch (see `Phone.kill`); a fresh one by default. */
  userDataDir?: string
}

/**
 * The process id of the browser using `userDataDir`: Chromium's main process, the one started with that
 * profile and no `--type=` (its renderers, GPU and utility processes carry one). Playwright does not
 * give out the process of a persistent context, and the profile folder is unique to this launch.
 */
async function browserProcess(userDataDir: string): Promise<number> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const args = await readFile(`/proc/${entry}/cmdline`, 'utf8').then((text) => text.split('\0'), (): string[] => [])
    if (args.includes(`--user-data-dir=${userDataDir}`) && !args.some((arg) => arg.startsWith('--type='))) return Number(entry)
  }
  throw new Error(`no browser process uses ${userDataDir}`)
}

/**
 * Playwright's offline switch, plus the same switch sent again to each page after every navigation.
 * Chromium 150 cuts a page's network when it is reloaded or opened offline under a service worker, but
 * its `navigator.onLine` says true and no `online` event follows when the network comes back; emulating
 * the network conditions again on the page's own DevTools session puts that right.
 */
function offlineEverywhere(context: BrowserContext, initially: boolean) {
  let offline = initially
  const sessions = new Map<Page, Promise<CDPSession>>()
  const session = (page: Page) => {
    if (!sessions.has(page)) sessions.set(page, context.newCDPSession(page))
    return sessions.get(page)!
  }
  const emulate = async (page: Page) => {
    const cdp = await session(page)
    await cdp.send('Network.emulateNetworkConditions', { offline, latency: 0, downloadThroughput: -1, uploadThroughput: -1 })
  }
  const watch = (page: Page) => {
    page.on('framenavigated', (frame) => {
      if (offline && frame === page.mainFrame()) emulate(page).catch(() => {})
    })
    page.on('close', () => sessions.delete(page))
  }
  context.pages().forEach(watch)
  context.on('page', watch)
  return async (next: boolean) => {
    offline = next
    await context.setOffline(next)
    await Promise.all([...sessions.keys()].map((page) => emulate(page).catch(() => {})))
  }
}

/**
 * A browser profile on disk: a persistent context keeps IndexedDB and the service worker's caches on disk
 * like a phone does (a plain `newContext()` holds them in memory). Fresh, unless `userDataDir` names one.
 */
export async function launchPhone({ userDataDir: reopen, ...options }: PhoneOptions = {}): Promise<Phone> {
  const userDataDir = reopen ?? (await mkdtemp(join(tmpdir(), 'doorstep-e2e-')))
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    ...PHONE,
    ...options,
  })
  return {
    context,
    userDataDir,
    setOffline: offlineEverywhere(context, options.offline ?? false),
    async close() {
      await context.close()
      await rm(userDataDir, { recursive: true, force: true })
    },
    async kill() {
      const pid = await browserProcess(userDataDir)
      const closed = new Promise((resolve) => context.once('close', resolve))
      process.kill(pid, 'SIGKILL')
      await closed
    },
  }
}
