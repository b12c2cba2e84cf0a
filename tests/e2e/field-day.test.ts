import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import type { CDPSession, Page } from 'playwright-core'
import { InspectionFields, IssueFields, uuidv7, Visit, VisitFields, type Change } from '@/domain'
import { demoHouseholds } from '@/domain/demo'
import type { OutboxEntry } from '@/app/db/database'
import { visitFields } from '../fixtures'
import { browserUnavailable, launchPhone, type Phone } from './browser'
import { productionBuild } from './build'
import { DEMO_PASSWORD, startFieldServer, type FieldServer } from './field-server'
import {
  cameraPhoto,
  closeMidFormAndReopen,
  finishInspection,
  inspect,
  openUnderWorker,
  readStore,
  storedPhotos,
  recordVisit,
  reportIssue,
  signIn,
  watchProblems,
} from './pages'

const skipReason = browserUnavailable()
if (skipReason) console.warn(skipReason)

const BUILDING = '南门路115号之二'
/** What the leader types; distinctive, so that finding it proves it was saved (and sent). */
const VISIT_NEEDS = '李奶奶独居，想学粤省事上的养老金年审'
const ISSUE_LOCATION = '2楼楼道窗户（西侧）'
const INSPECTION_NOTE = '4楼楼梯口堆了纸箱和旧床垫'
const DRAFT_TEXT = '单元门禁坏了三天，外卖员随便进出'
const KILLED_NEEDS = '陈伯反映楼下有人在楼道里给电动车充电'
const OFFICE_NOTE = '已转物业，周五前派人来换玻璃'
const WEAK_COMMENT = '物业来看过了，说要等玻璃到货'

type SyncedRow = { id: string; createdBy: string; deletedAt: string | null } & Record<string, unknown>

/** What the leader owns of each record type: the fields their forms edit, which a put carries. */
const LEADER_FIELDS = {
  visits: Object.keys(VisitFields.shape),
  issues: Object.keys(IssueFields.shape),
  inspections: Object.keys(InspectionFields.shape),
} as const
type RecordTable = keyof typeof LEADER_FIELDS
const TABLES = Object.keys(LEADER_FIELDS) as RecordTable[]

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')
const pick = (record: Record<string, unknown>, keys: readonly string[]) => Object.fromEntries(keys.map((k) => [k, record[k]]))

/** The leader's records on the phone, per table, by id. */
async function phoneRecords(page: Page, userId: string) {
  const records = new Map<string, { table: RecordTable; record: SyncedRow }>()
  for (const table of TABLES) {
    for (const record of await readStore<SyncedRow>(page, table)) {
      if (record.createdBy === userId && !record.deletedAt) records.set(record.id, { table, record })
    }
  }
  return records
}

/**
 * The bulk of a long day's records, written the way the app's repositories write them
 * (src/app/db/records.ts): each record, validated with its domain schema, with its outbox entry (a put of
 * every field of a record the server has never seen), in one IndexedDB transaction. Typing 48 forms
 * would only make the suite slow; the page exposes no repository, and gets none for tests.
 */
async function storeVisitsLikeTheApp(page: Page, fields: VisitFields[]): Promise<string[]> {
  const meta = new Map((await readStore<{ key: string; value: string }>(page, 'meta')).map((m) => [m.key, m.value]))
  const author = { createdBy: meta.get('userId')!, deviceId: meta.get('deviceId')! }
  expect(author.deviceId, 'the app has made its device id').toBeTruthy()
  const rows = fields.map((f) => {
    const at = new Date().toISOString()
    const record = Visit.parse({ ...f, ...author, id: uuidv7(), createdAt: at, updatedAt: at, rev: null, deletedAt: null, conflicts: [] })
    const entry: OutboxEntry = {
      mutationId: uuidv7(),
      table: 'visits',
      recordId: record.id,
      baseRev: null,
      change: { kind: 'put', changed: Object.keys(record) },
      record,
      createdAt: at,
    }
    return { record, entry }
  })
  await page.evaluate(async (rows) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('doorstep')
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
    const tx = db.transaction(['visits', 'outbox'], 'readwrite')
    for (const { record, entry } of rows) {
      tx.objectStore('visits').put(record)
      tx.objectStore('outbox').add(entry)
    }
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve
      tx.onerror = () => reject(tx.error)
    })
    db.close()
  }, rows)
  return rows.map((r) => r.record.id)
}

/**
 * One leader's day in real Chromium against the real server (API and app in one process, SQLite in a temp
 * folder): installed online at the community office, a day with no network, a browser killed by the
 * system, sync when the network returns, the office's answer, a new release, and a weak network. Each
 * test continues where the previous one left off.
 */
describe.skipIf(skipReason)('a field day', () => {
  const appDir = inject('appDir')
  let server: FieldServer
  let leader: Phone
  let page: Page
  let officeToken: string
  /** Content-security-policy violations and uncaught errors, from every page of the day. */
  const problems: string[] = []
  const at = (path: string) => new URL(path, server.url).href
  const ids = { issue: '', inspection: '', inspectionIssue: '', killedVisit: '' }
  let photo = ''

  /** The server's copy of the leader's records, as the office's API client reads them. */
  async function serverRecords() {
    const changes: Change[] = await server.api.pullAll(officeToken)
    const keys = changes.map((c) => `${c.table}/${c.id}`)
    expect(new Set(keys).size, 'pull names each record once').toBe(keys.length)
    return new Map(
      changes
        .filter((c) => (TABLES as string[]).includes(c.table) && c.record.createdBy === 'u-leader1')
        .map((c) => [c.id, { table: c.table as RecordTable, record: c.record }]),
    )
  }

  /** Every record on the phone is on the server once, with the same fields, and the server has no others. */
  async function expectServerHoldsPhoneRecords() {
    const onPhone = await phoneRecords(page, 'u-leader1')
    const onServer = await serverRecords()
    expect([...onServer.keys()].sort()).toEqual([...onPhone.keys()].sort())
    for (const [id, { table, record }] of onPhone) {
      const stored = onServer.get(id)!
      expect(stored.table).toBe(table)
      expect(pick(stored.record, LEADER_FIELDS[table]), `${table}/${id}`).toEqual(pick(record, LEADER_FIELDS[table]))
    }
    return { onPhone, onServer }
  }

  /** Each photo the server holds under its SHA-256 hashes to that name, byte for byte as on the phone. */
  async function expectPhotosOnServer(hashes: string[]) {
    const onPhone = await storedPhotos(page)
    for (const hash of hashes) {
      const bytes = await server.api.attachment(officeToken, hash)
      expect(sha256(bytes)).toBe(hash)
      expect(bytes.equals(onPhone.get(hash)!), `${hash}: the same bytes as on the phone`).toBe(true)
    }
  }

  const outboxSize = async () => (await readStore(page, 'outbox')).length

  /** No network for anything on the phone: its pages (navigator.onLine, `online` events) and its service worker. */
  async function goOffline() {
    server.setReachable(false)
    await leader.setOffline(true)
  }

  beforeAll(async () => {
    server = await startFieldServer(appDir)
    officeToken = await server.api.login('office1')
    leader = await launchPhone()
    page = leader.context.pages()[0] ?? (await leader.context.newPage())
    watchProblems(page, problems)
  })

  afterAll(async () => {
    await leader?.close()
    await server?.close()
  })

  it('1. installs online: signs in as leader1, gets their buildings and no others, is installable and run by its worker', async () => {
    await openUnderWorker(page, server.url)
    // Before sign-in the phone shows the demo community: every building of it.
    await page.goto(at('/buildings'))
    await page.getByText('桥湖路32号').waitFor()

    await signIn(page, 'leader1', DEMO_PASSWORD)
    expect(new URL(page.url()).pathname).toBe('/')
    await page.getByText(/^上次同步：/).waitFor()
    await page.goto(at('/buildings'))
    await page.getByText(BUILDING).waitFor()
    await page.getByText('南门路117号').waitFor()
    // The server's reference data replaced the demo data: leader1 has two of the community's buildings.
    await expect.poll(() => page.getByText('桥湖路32号').count()).toBe(0)
    expect(await page.getByText('环北大道8号').count()).toBe(0)

    const cdp = await leader.context.newCDPSession(page)
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors')
    await cdp.detach()
    expect(installabilityErrors).toEqual([])
    expect(await page.evaluate(() => ({ state: navigator.serviceWorker.controller?.state, url: navigator.serviceWorker.controller?.scriptURL }))).toEqual({
      state: 'activated',
      url: at('/sw.js'),
    })
  })

  it('2. works with no network: starts from the worker, records a visit, an issue with a photo, an inspection whose failed item becomes a report, and keeps a half-typed form', async () => {
    await goOffline()
    await page.reload()
    await expect.poll(() => page.evaluate(() => navigator.onLine)).toBe(false)
    const probe = await page.evaluate(() => fetch(`/api/v1/health?${Date.now()}`, { cache: 'no-store' }).then((r) => `answered ${r.status}`, () => 'failed'))
    expect(probe).toBe('failed')
    await page.getByText(BUILDING).waitFor()

    await recordVisit(page, { building: BUILDING, purpose: '政策宣讲', topic: '粤省事养老金年审', needs: VISIT_NEEDS, outcome: '教了一遍，下周再去看看' })
    ids.issue = await reportIssue(page, {
      building: BUILDING,
      category: '维修',
      location: ISSUE_LOCATION,
      description: '窗户玻璃裂了，台风天怕掉下去砸到人',
      urgent: true,
      photos: [await cameraPhoto(page)],
    })
    const [issue] = (await readStore<{ id: string; photos: string[] }>(page, 'issues')).filter((i) => i.id === ids.issue)
    expect(issue!.photos).toHaveLength(1)
    photo = issue!.photos[0]!

    ids.inspection = (await inspect(page, { building: BUILDING, template: '楼道消防安全', failNote: INSPECTION_NOTE })).id
    const checklist = page.url()
    await page.getByRole('button', { name: '报诉求' }).click()
    await page.waitForURL(/\/issues\/new\?/)
    await page.getByText('这条诉求来自安全巡查').waitFor()
    await expect.poll(() => page.getByLabel('情况说明').inputValue()).toContain(INSPECTION_NOTE)
    // Where it is, the checklist cannot know: the leader types it, the cursor already there.
    await expect.poll(() => page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.value)).toBe('')
    await page.keyboard.type('三楼楼梯口')
    await expect.poll(() => page.getByLabel('具体位置').inputValue()).toBe('三楼楼梯口')
    await page.getByRole('button', { name: '提交诉求' }).click()
    await page.waitForURL(/\/issues\/[0-9a-f-]{36}$/)
    ids.inspectionIssue = new URL(page.url()).pathname.split('/')[2]!
    await page.goto(checklist)
    await page.getByText('已报诉求：已上报').waitFor()
    await finishInspection(page)
    await page.getByText('有问题').first().waitFor()

    // Closed in the middle of a form, then opened again: the draft is back.
    page = await closeMidFormAndReopen(page, at('/issues/new'), DRAFT_TEXT, problems)
    await expect.poll(() => page.getByLabel('情况说明').inputValue()).toBe(DRAFT_TEXT)
  })

  it('3. keeps a record saved right before the browser is killed, and opens again with no network', async () => {
    ids.killedVisit = await recordVisit(page, { building: BUILDING, household: 2, purpose: '物业协管', needs: KILLED_NEEDS, outcome: '当场劝他拔了插头' })
    // No waiting for anything else: the record is on screen, so the save's transaction has committed.
    await leader.kill()

    leader = await launchPhone({ userDataDir: leader.userDataDir, offline: true })
    page = leader.context.pages()[0] ?? (await leader.context.newPage())
    watchProblems(page, problems)
    await page.goto(at(`/visits/${ids.killedVisit}`))
    await page.getByText(KILLED_NEEDS).waitFor()
    await expect.poll(() => page.evaluate(() => navigator.onLine)).toBe(false)
    const records = await phoneRecords(page, 'u-leader1')
    expect([...records.values()].map((r) => r.table).sort()).toEqual(['inspections', 'issues', 'issues', 'visits', 'visits'])
  })

  it('4. sends everything when the network returns, without a tap: each record once on the server, the photo byte for byte', async () => {
    expect(await serverRecords(), 'nothing left the phone while it was offline').toEqual(new Map())
    expect(await outboxSize()).toBeGreaterThan(0)
    await page.goto(at('/'))
    await page.getByText('5 条记录待同步').waitFor()

    server.setReachable(true)
    await leader.setOffline(false)
    await page.getByText('记录都已同步').waitFor({ timeout: 30_000 })
    expect(await outboxSize()).toBe(0)
    const { onServer } = await expectServerHoldsPhoneRecords()
    expect(onServer.size).toBe(5)
    expect(onServer.get(ids.issue)!.record.photos).toEqual([photo])
    expect(onServer.get(ids.inspectionIssue)!.record.source).toEqual({ inspectionId: ids.inspection, itemId: expect.any(String) })
    await expectPhotosOnServer([photo])
  })

  it('5. the office moves the report to in progress with a note, and the leader sees it after the next sync', async () => {
    // The leader has the report open, as the office takes it on.
    await page.goto(at(`/issues/${ids.issue}`))
    await page.getByText('已上报').first().waitFor()

    // The office works at a PC: the workspace is laid out for 1366×768 and up.
    const office = await launchPhone({ viewport: { width: 1366, height: 768 }, isMobile: false, hasTouch: false })
    try {
      const desk = office.context.pages()[0] ?? (await office.context.newPage())
      watchProblems(desk, problems)
      await desk.goto(server.url)
      await signIn(desk, 'office1', DEMO_PASSWORD)
      expect(new URL(desk.url()).pathname).toBe('/office')
      await desk.locator(`a[data-id="${ids.issue}"]`).click()
      await desk.waitForURL(at(`/office/issues/${ids.issue}`))
      await desk.getByRole('button', { name: '受理', exact: true }).click()
      await desk.getByRole('button', { name: '确认受理' }).click()
      await desk.getByRole('button', { name: '开始办理', exact: true }).click()
      await desk.getByLabel('办理说明').fill(OFFICE_NOTE)
      await desk.getByRole('button', { name: '确认开始办理' }).click()
      // The office's browser sends its changes by itself, shortly after they are saved.
      await expect
        .poll(async () => (await serverRecords()).get(ids.issue)?.record.status, { timeout: 20_000 })
        .toBe('in_progress')
    } finally {
      await office.close()
    }

    // Until the leader's app syncs, it shows what the phone has (no reload from here: that would sync too).
    expect(await page.getByText(OFFICE_NOTE).count()).toBe(0)
    await page.getByRole('link', { name: '首页', exact: true }).click()
    await page.getByRole('button', { name: '立即同步' }).click()
    await expect.poll(async () => (await readStore<{ id: string; status: string }>(page, 'issues')).find((i) => i.id === ids.issue)?.status).toBe('in_progress')
    await page.goBack()
    await page.waitForURL(at(`/issues/${ids.issue}`))
    await page.getByText('办理中').first().waitFor()
    await page.getByText(OFFICE_NOTE).waitFor()
  })

  it('6. offers a release deployed while the app is open, and after consent runs it with every record there', async () => {
    const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
    const release = `${version}-field`
    const dir = await mkdtemp(join(tmpdir(), 'doorstep-release-'))
    try {
      await productionBuild(dir, { version: release })
      await page.goto(at('/settings'))
      await page.getByText(`版本 ${version}`).waitFor()
      await page.evaluate(() => Object.assign(window, { sameDocument: true }))
      await server.deploy(dir)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }

    // The app looks for a new version when the network comes back (and whenever it comes into view).
    await leader.setOffline(true)
    await leader.setOffline(false)
    await page.getByText('有新版本了').waitFor({ timeout: 20_000 })
    await page.waitForTimeout(1000)
    expect(await page.evaluate(() => 'sameDocument' in window), 'no reload without consent').toBe(true)
    expect(await page.getByText(`版本 ${version}`).count()).toBe(1)

    await Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: '现在更新' }).click()])
    expect(await page.evaluate(() => 'sameDocument' in window)).toBe(false)
    await page.getByText(`版本 ${release}`).waitFor()
    expect(await phoneRecords(page, 'u-leader1')).toHaveProperty('size', 5)
    await page.goto(at(`/visits/${ids.killedVisit}`))
    await page.getByText(KILLED_NEEDS).waitFor()
    await page.goto(at(`/issues/${ids.issue}`))
    await page.getByText(OFFICE_NOTE).waitFor()
    await page.getByRole('img', { name: '第 1 张照片' }).waitFor()
  })

  it('7. on a weak network that loses every third answer, 50 records and 5 photos arrive exactly once', async () => {
    // No signal in the stairwell while the leader works: the server cannot be reached (the page is left
    // online: this CDP session, not Playwright's offline switch, sets the network conditions below).
    server.setReachable(false)
    const photos = await Promise.all([1, 2, 3, 4, 5].map((variant) => cameraPhoto(page, { variant, width: 2000, height: 1500 })))
    const visit = await recordVisit(page, {
      building: BUILDING,
      purpose: '收集民意',
      needs: '加装电梯：3楼王家同意，5楼刘家还要商量',
      outcome: '约了周末再谈',
      photos: photos.slice(0, 2),
    })
    const issue = await reportIssue(page, { building: '南门路117号', category: '环境卫生', location: '1楼垃圾房', description: '垃圾房门坏了关不上，有老鼠', photos: photos.slice(2) })
    await page.getByLabel('留言').fill(WEAK_COMMENT)
    await page.getByRole('button', { name: '发送留言' }).click()
    await page.getByText(WEAK_COMMENT).waitFor()
    const leaderHouseholds = demoHouseholds.filter((h) => h.buildingId === 'b-nanmen-115-2' || h.buildingId === 'b-nanmen-117')
    const bulk = await storeVisitsLikeTheApp(
      page,
      Array.from({ length: 48 }, (_, i) => {
        const household = leaderHouseholds[i % leaderHouseholds.length]!
        return visitFields({
          buildingId: household.buildingId,
          householdId: household.id,
          residentIds: [],
          visitedAt: new Date(Date.now() - i * 60_000).toISOString(),
          needs: `第 ${i + 1} 户：收集对加装电梯的意见`,
        })
      }),
    )
    const batch = [visit, issue, ...bulk]
    expect(new Set(batch).size).toBe(50)
    const hashes = [...(await storedPhotos(page)).keys()].filter((h) => h !== photo)
    expect(hashes).toHaveLength(5)
    expect(await serverRecords()).toHaveProperty('size', 5)

    await page.goto(at('/'))
    // Then a weak signal: slow, and every third answer lost on the way back.
    const cdp: CDPSession = await leader.context.newCDPSession(page)
    try {
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 150,
        uploadThroughput: (750 * 1000) / 8,
        downloadThroughput: (1600 * 1000) / 8,
      })
      server.setReachable(true)
      const roundTrip = await page.evaluate(async () => {
        const start = performance.now()
        await fetch('/api/v1/health', { cache: 'no-store' })
        return performance.now() - start
      })
      expect(roundTrip, 'the network is as slow as asked').toBeGreaterThanOrEqual(150)
      server.loss.on = true
      // Automatic retries back off for longer than a test should wait: the leader taps "sync now" again
      // whenever a run has stopped, until nothing waits.
      const syncNow = page.getByRole('button', { name: '立即同步' })
      await expect
        .poll(
          async () => {
            if (await syncNow.isEnabled().catch(() => false)) await syncNow.click().catch(() => undefined)
            return outboxSize()
          },
          { timeout: 120_000, interval: 500 },
        )
        .toBe(0)
    } finally {
      server.loss.on = false
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, uploadThroughput: -1, downloadThroughput: -1 })
      await cdp.detach()
    }

    expect(server.loss.dropped, 'answers were lost on the way').toBeGreaterThan(2)
    expect(server.loss.duplicates, 'a push whose answer was lost went again, and was answered "duplicate"').toBeGreaterThan(0)
    expect(await readStore(page, 'rejections')).toEqual([])
    const { onServer } = await expectServerHoldsPhoneRecords()
    expect(onServer.size).toBe(55)
    for (const id of batch) expect(onServer.has(id), id).toBe(true)
    const events = onServer.get(issue)!.record.events as Array<{ id: string; type: string; text?: string }>
    expect(events.map((e) => [e.type, e.text])).toEqual([['comment', WEAK_COMMENT]])
    await expectPhotosOnServer(hashes)
  }, 150_000)

  it('ran the whole day under the content security policy without a violation or a page error', () => {
    expect(problems).toEqual([])
  })
})
