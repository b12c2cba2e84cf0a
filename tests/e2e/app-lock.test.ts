import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { Page } from 'playwright-core'
import type { Resident } from '@/domain'
import { demoHouseholds } from '@/domain/demo'
import { browserUnavailable, launchPhone, type Phone } from './browser'
import { DEMO_PASSWORD, startFieldServer, type FieldServer } from './field-server'
import { openUnderWorker, readStore, recordVisit, signIn, typePin, unlock, watchProblems } from './pages'

const skipReason = browserUnavailable()
if (skipReason) console.warn(skipReason)

/*
 * Issue 10's proof, in real Chromium with its profile on disk: a leader signs in, chooses a PIN, syncs and
 * writes and searches; locked, no byte of a resident's name, number or a visit's note is anywhere in the profile's
 * files (History and Sessions, where Chromium keeps every address, included);
 * unlocked, everything is there; signed out, IndexedDB holds no resident and no record.
 */

const PIN = '270419'
const BUILDING = '南门路115号之二'
const household = demoHouseholds.find((h) => h.buildingId === 'b-nanmen-115-2')!
/** Seeded for this test on the server: found anywhere in the profile, it was stored in the clear. */
const canary: Resident = {
  id: 'r-canary',
  householdId: household.id,
  name: '甄可鉴',
  phone: '13912345678',
  birthYear: 1936,
  careTags: ['elderly_alone', 'disabled'],
  movedOutAt: null,
}
const NOTE = '甄伯说三楼楼道灯坏了三个月，晚上不敢下楼'

/** Every file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true })
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name))
}

/**
 * The files of the profile that hold `text`, as UTF-8 or as UTF-16 (V8 writes strings with characters beyond
 * Latin-1 into IndexedDB as UTF-16), or percent-encoded as in an address (History keeps 甄 as %E7%94%84).
 */
async function filesHolding(dir: string, text: string): Promise<string[]> {
  const needles = [Buffer.from(text, 'utf8'), Buffer.from(text, 'utf16le'), Buffer.from(encodeURIComponent(text), 'utf8')]
  const found: string[] = []
  for (const file of await filesUnder(dir)) {
    const bytes = await readFile(file).catch(() => Buffer.alloc(0))
    if (needles.some((needle) => bytes.includes(needle))) found.push(file.slice(dir.length + 1))
  }
  return found
}

describe.skipIf(skipReason)('the app lock keeps residents’ data sealed on the phone', () => {
  const appDir = inject('appDir')
  const problems: string[] = []
  let server: FieldServer
  let phone: Phone
  let page: Page
  let visitId: string
  const at = (path: string) => new URL(path, server.url).href

  beforeAll(async () => {
    server = await startFieldServer(appDir, { appLock: 'required' })
    await server.putResidents([canary])
    phone = await launchPhone()
    page = phone.context.pages()[0] ?? (await phone.context.newPage())
    watchProblems(page, problems)
  })

  afterAll(async () => {
    await phone?.close()
    await server?.close()
  })

  it('1. signed in with a PIN, synced and written on, then locked: nothing of it in the profile’s files', { timeout: 180_000 }, async () => {
    await openUnderWorker(page, server.url)
    await signIn(page, 'leader1', DEMO_PASSWORD, { pin: PIN })
    await page.getByText(/^上次同步：/).waitFor({ timeout: 30_000 })
    visitId = await recordVisit(page, { building: BUILDING, purpose: '政策宣讲', needs: NOTE, outcome: '已报物业' })
    await expect.poll(async () => (await readStore(page, 'outbox')).length, { timeout: 20_000 }).toBe(0)
    expect((await readStore<{ id: string }>(page, 'residents')).map((r) => r.id)).toContain(canary.id)

    // Searched on 楼栋 by the whole number and the name: a search kept in the address would be in History.
    await page.getByRole('link', { name: '首页', exact: true }).click()
    await page.getByRole('link', { name: '楼栋', exact: true }).click()
    await page.waitForURL((url) => url.pathname === '/buildings')
    for (const words of [canary.phone!, canary.name]) {
      await page.getByRole('searchbox', { name: '搜房号、地址、姓名或电话' }).fill(words)
      await page.keyboard.press('Enter')
      await page.getByLabel('搜索结果', { exact: true }).getByText(canary.name).waitFor()
    }

    // A reload is the app starting again: it asks for the PIN and shows nothing else.
    await page.goto(at(`/households/${household.id}`))
    await page.getByText('输入锁屏密码').waitFor()
    expect(await page.getByText(canary.name).count()).toBe(0)

    await phone.kill()
    // The scan can see what IndexedDB holds in the clear: the building's address is not sealed.
    expect((await filesHolding(phone.userDataDir, BUILDING)).some((file) => file.includes('IndexedDB'))).toBe(true)
    for (const secret of [canary.name, canary.phone!, NOTE]) expect(await filesHolding(phone.userDataDir, secret), secret).toEqual([])
  })

  it('2. unlocked with the PIN, everything is there', { timeout: 120_000 }, async () => {
    phone = await launchPhone({ userDataDir: phone.userDataDir })
    page = phone.context.pages()[0] ?? (await phone.context.newPage())
    watchProblems(page, problems)
    await page.goto(at(`/visits/${visitId}`))
    await unlock(page, PIN)
    await page.getByText(NOTE).first().waitFor()
    // Every start asks again.
    await page.goto(at(`/households/${household.id}`))
    await unlock(page, PIN)
    await page.getByText(canary.name).first().waitFor()
    await page.getByText('独居老人').first().waitFor()
  })

  it('3. signed out, IndexedDB holds no resident and no record, and no key', { timeout: 120_000 }, async () => {
    await page.getByRole('link', { name: '我的', exact: true }).click()
    await page.getByRole('button', { name: '退出登录' }).click()
    await page.getByText('还没登录，记录只存在手机上').first().waitFor()
    for (const store of ['residents', 'households', 'visits', 'issues', 'inspections', 'outbox', 'drafts', 'rejections', 'held']) {
      expect(await readStore(page, store), store).toEqual([])
    }
    const meta = (await readStore<{ key: string }>(page, 'meta')).map((entry) => entry.key)
    expect(meta).not.toContain('keyring')
    expect(problems).toEqual([])
  })

  it('4. signed in again: the first pages come while the PIN is chosen, and none lands before it, nor unsealed after', { timeout: 120_000 }, async () => {
    const pulled = page.waitForResponse((response) => new URL(response.url()).pathname.endsWith('/sync/pull'))
    // Pull requests from no cursor: the first page, asked once if the run writes what was fetched before the PIN.
    const fromStart: string[] = []
    page.on('request', (request) => {
      const url = new URL(request.url())
      if (url.pathname.endsWith('/sync/pull') && !url.searchParams.has('cursor')) fromStart.push(url.search)
    })
    await page.goto(at('/signin'))
    await page.getByLabel('用户名').fill('leader1')
    await page.getByLabel('密码').fill(DEMO_PASSWORD)
    await page.getByRole('button', { name: '登录', exact: true }).click()
    await page.getByRole('heading', { name: '设置锁屏密码' }).waitFor()
    await pulled
    // Fetched into memory: nothing of the server's is written while the phone has no PIN to seal it with.
    expect((await readStore<{ id: string }>(page, 'residents')).map((r) => r.id)).not.toContain(canary.id)
    expect((await readStore<{ key: string }>(page, 'meta')).map((entry) => entry.key)).not.toContain('cursor')
    await typePin(page, PIN)
    await page.getByText('再输一次', { exact: true }).waitFor()
    await typePin(page, PIN)
    await expect.poll(async () => (await readStore<{ id: string }>(page, 'residents')).map((r) => r.id), { timeout: 30_000 }).toContain(canary.id)
    expect(fromStart).toHaveLength(1)
    await phone.kill()
    for (const secret of [canary.name, canary.phone!]) expect(await filesHolding(phone.userDataDir, secret), secret).toEqual([])
  })
})
