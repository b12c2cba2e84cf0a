import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type BrowserContextOptions } from 'playwright-core'

/** Debian's Chromium (`apt-get install chromium`); playwright-core downloads no browser of its own. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** Without the background-networking flags Chromium keeps calling hosts that this network refuses. */
const CHROMIUM_ARGS = [
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
  /** Closes the browser and deletes its profile. */
  close(): Promise<void>
}

/**
 * A fresh browser profile on disk: a persistent context keeps IndexedDB and the service worker's caches
 * on disk like a phone does (a plain `newContext()` holds them in memory).
 */
export async function launchPhone(options: BrowserContextOptions = {}): Promise<Phone> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'doorstep-e2e-'))
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    ...PHONE,
    ...options,
  })
  return {
    context,
    async close() {
      await context.close()
      await rm(userDataDir, { recursive: true, force: true })
    },
  }
}
