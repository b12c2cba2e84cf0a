import assert from 'node:assert/strict'
import type { Locator, Page } from 'playwright-core'

/*
 * What a leader does in the app, step by step through the screens as they see them (labels in zh-CN), shared
 * by the browser suites and the screenshot script (hence node:assert, not vitest's expect). Each flow
 * waits until the app has really saved.
 */

/** Records content-security-policy violations and uncaught errors of `page` into `problems`. */
export function watchProblems(page: Page, problems: string[]): void {
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) problems.push(message.text())
  })
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
}

/**
 * Opens the app once online, as at the community office: the service worker installs and precaches the
 * app. The first load is not controlled by the worker (no clientsClaim), so the page is reloaded.
 */
export async function openUnderWorker(page: Page, url: string): Promise<void> {
  await page.goto(url)
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready
  })
  await page.reload()
  assert.equal(await page.evaluate(() => navigator.serviceWorker.controller?.state), 'activated', 'the worker controls the page')
}

/**
 * A photo as a phone camera takes it (4000×3000 JPEG by default), drawn by the browser itself so that no
 * image library or fixture file is needed. `variant` changes the picture, and so its SHA-256.
 */
export async function cameraPhoto(page: Page, { variant = 0, width = 4000, height = 3000 } = {}): Promise<Buffer> {
  const base64 = await page.evaluate(
    ({ variant, width, height }) => {
      const canvas = Object.assign(document.createElement('canvas'), { width, height })
      const context = canvas.getContext('2d')!
      const sky = context.createLinearGradient(0, 0, width, height)
      sky.addColorStop(0, `hsl(${(210 + variant * 47) % 360} 60% 70%)`)
      sky.addColorStop(1, '#2d4f1e')
      context.fillStyle = sky
      context.fillRect(0, 0, width, height)
      // A window frame with a crack: what leaders photograph most.
      context.fillStyle = '#c33'
      context.fillRect(width * 0.3, height * 0.27, width * 0.4, height * 0.46)
      context.strokeStyle = '#f5f5f5'
      context.lineWidth = width / 100
      context.strokeRect(width * 0.3, height * 0.27, width * 0.4, height * 0.46)
      context.beginPath()
      context.moveTo(width * 0.35, height * 0.3)
      context.lineTo(width * (0.45 + variant * 0.02), height * 0.5)
      context.lineTo(width * 0.62, height * 0.7)
      context.stroke()
      return canvas.toDataURL('image/jpeg', 0.92).split(',')[1]!
    },
    { variant, width, height },
  )
  return Buffer.from(base64, 'base64')
}

/** Adds photos from the gallery and waits until each is compressed and stored (only then is it shown). */
async function addPhotos(page: Page, photos: Buffer[]): Promise<void> {
  if (!photos.length) return
  const files = photos.map((buffer, i) => ({ name: `IMG_20261120_0930${String(i).padStart(2, '0')}.jpg`, mimeType: 'image/jpeg', buffer }))
  await page.getByLabel('从相册选').setInputFiles(files)
  await page.getByRole('img', { name: `第 ${photos.length} 张照片` }).waitFor({ timeout: 30_000 })
}

/** The record id at the end of the page's address. */
const idIn = (page: Page) => new URL(page.url()).pathname.split('/')[2]!

/**
 * Signs in on the sign-in screen; waits until the app has left it (leaders go home, the office to its board).
 * Then the app lock's setup: the PIN `pin` typed twice, or, without one, 暂不设置 (the field server's office
 * allows it unless a suite asks otherwise).
 */
export async function signIn(page: Page, username: string, password: string, { pin }: { pin?: string } = {}): Promise<void> {
  await page.goto(new URL('/signin', page.url()).href)
  await page.getByLabel('用户名').fill(username)
  await page.getByLabel('密码').fill(password)
  await page.getByRole('button', { name: '登录', exact: true }).click()
  await page.waitForURL((url) => url.pathname !== '/signin')
  await page.getByRole('heading', { name: '设置锁屏密码' }).waitFor()
  if (pin) {
    await typePin(page, pin)
    await page.getByText('再输一次', { exact: true }).waitFor()
    await typePin(page, pin)
  } else await page.getByRole('button', { name: '暂不设置' }).click()
  // The screen leaves once the choice is stored: a reload before then would ask again.
  await page.getByRole('heading', { name: '设置锁屏密码' }).waitFor({ state: 'detached' })
}

/** Taps a PIN on the pad's keys. */
export async function typePin(page: Page, pin: string): Promise<void> {
  for (const digit of pin) await page.getByRole('button', { name: digit, exact: true }).click()
}

/** Unlocks the app at its lock screen. */
export async function unlock(page: Page, pin: string): Promise<void> {
  await page.getByText('输入锁屏密码').waitFor()
  await typePin(page, pin)
  await page.getByText('输入锁屏密码').waitFor({ state: 'detached' })
}

export interface VisitInput {
  building: string
  /** Which of the building's households, in the picker's order. */
  household?: number
  purpose: string
  topic?: string
  needs: string
  outcome: string
  /** YYYY-MM-DD */
  followUpOn?: string
  photos?: Buffer[]
}

/** Records a door-to-door visit from the visits tab; answers the new visit's id. */
export async function recordVisit(page: Page, visit: VisitInput): Promise<string> {
  await page.getByRole('link', { name: '走访', exact: true }).click()
  await page.getByRole('button', { name: '新增走访' }).click()
  await page.waitForURL((url) => url.pathname === '/visits/new')
  await page.getByLabel('楼栋', { exact: true }).selectOption({ label: visit.building })
  await page.getByLabel('住户', { exact: true }).selectOption({ index: visit.household ?? 1 })
  await page.getByRole('radio', { name: visit.purpose }).click()
  if (visit.topic) await page.getByRole('checkbox', { name: visit.topic }).click()
  await page.getByLabel('发现的需求').fill(visit.needs)
  await page.getByLabel('处理结果').fill(visit.outcome)
  if (visit.followUpOn) await page.getByLabel('回访日期').fill(visit.followUpOn)
  await addPhotos(page, visit.photos ?? [])
  await page.getByRole('button', { name: '保存', exact: true }).click()
  await page.waitForURL(/\/visits\/[0-9a-f-]{36}$/)
  await page.getByText(visit.needs).waitFor()
  return idIn(page)
}

export interface IssueInput {
  building: string
  category: string
  location: string
  description: string
  urgent?: boolean
  photos?: Buffer[]
}

/** Reports a resident's issue from the issues tab; answers the new report's id. */
export async function reportIssue(page: Page, issue: IssueInput): Promise<string> {
  await page.getByRole('link', { name: '诉求', exact: true }).click()
  await page.getByRole('button', { name: '报诉求' }).click()
  await page.waitForURL((url) => url.pathname === '/issues/new')
  await page.getByLabel('楼栋', { exact: true }).selectOption({ label: issue.building })
  await page.getByRole('button', { name: issue.category, exact: true }).click()
  await page.getByLabel('具体位置').fill(issue.location)
  await page.getByLabel('情况说明').fill(issue.description)
  if (issue.urgent) await page.getByRole('button', { name: '紧急', exact: true }).click()
  await addPhotos(page, issue.photos ?? [])
  await page.getByRole('button', { name: '提交诉求' }).click()
  await page.waitForURL(/\/issues\/[0-9a-f-]{36}$/)
  await page.getByText(issue.location).first().waitFor()
  return idIn(page)
}

/** The checklist's items: list items that hold a group of result buttons. */
export const checklistItems = (page: Page) => page.getByRole('listitem').filter({ has: page.getByRole('group') })

/**
 * Starts an inspection from the inspections tab and answers every item: the first fails (with `failNote`),
 * the rest pass. Leaves the checklist open, not finished; answers the inspection's id and its item count.
 */
export async function inspect(page: Page, { building, template, failNote }: { building: string; template: string; failNote: string }) {
  await page.getByRole('link', { name: '巡查', exact: true }).click()
  await page.getByRole('button', { name: '开始巡查' }).click()
  await page.waitForURL((url) => url.pathname === '/inspections/new')
  await page.getByLabel('巡查楼栋').selectOption({ label: building })
  await page.getByLabel('巡查表').selectOption({ label: template })
  await page.getByRole('button', { name: '开始巡查' }).click()
  await page.waitForURL(/\/inspections\/[0-9a-f-]{36}$/)
  const id = idIn(page)

  await page.getByText(/^已查 0\/\d+$/).waitFor()
  const items = checklistItems(page)
  const count = await items.count()
  assert.ok(count > 1, `a checklist has several items, not ${count}`)
  for (let i = 0; i < count; i++) {
    await items.nth(i).getByRole('button', { name: i === 0 ? '不合格' : '合格', exact: true }).click()
  }
  await items.first().getByLabel('备注').fill(failNote)
  await page.getByText(`已查 ${count}/${count}`).waitFor()
  return { id, count }
}

/** Finishes the open checklist and waits for its summary. */
export async function finishInspection(page: Page): Promise<void> {
  await page.getByRole('button', { name: '完成巡查' }).click()
  await page.waitForURL(/\/inspections\/[0-9a-f-]{36}\/summary$/)
}

/**
 * Waits until the app has filled an empty phone with the demo buildings on its first start. It asks the
 * browser first whether the app's database exists, as opening it from here would make an empty one: the app's
 * script starts only after the shell's first paint, which may be after the page's load.
 */
export async function demoSeeded(page: Page): Promise<void> {
  // page.evaluate, not waitForFunction: the answer is a promise, which waitForFunction would take for true.
  const seeded = () => page.evaluate(async () => {
    if (!(await indexedDB.databases()).some((info) => info.name === 'doorstep')) return false
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('doorstep')
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
    try {
      if (!db.objectStoreNames.contains('buildings')) return false
      const count = await new Promise<number>((resolve, reject) => {
        const request = db.transaction('buildings').objectStore('buildings').count()
        request.onsuccess = () => resolve(request.result)
        request.onerror = () => reject(request.error)
      })
      return count > 0
    } finally {
      db.close()
    }
  })
  for (const until = Date.now() + 10_000; !(await seeded()); await page.waitForTimeout(100)) {
    if (Date.now() > until) throw new Error('the app has not put its demo buildings on the phone')
  }
}

/**
 * Every row of one object store of the app's IndexedDB database, read without the app's code. Bytes
 * (ArrayBuffer fields: a photo's `data` and `thumb`) come as base64 text: page.evaluate answers in JSON.
 */
export function readStore<T>(page: Page, store: string): Promise<T[]> {
  return page.evaluate(async (name) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('doorstep')
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
    try {
      const rows = await new Promise<Array<Record<string, unknown>>>((resolve, reject) => {
        const request = db.transaction(name).objectStore(name).getAll()
        request.onsuccess = () => resolve(request.result)
        request.onerror = () => reject(request.error)
      })
      // No named helpers in here: tsx (the screenshot script) would wrap them in a `__name` call the page lacks.
      return rows.map((row) =>
        Object.fromEntries(
          Object.entries(row).map(([key, value]) => [
            key,
            value instanceof ArrayBuffer ? btoa(Array.from(new Uint8Array(value), (b) => String.fromCharCode(b)).join('')) : value,
          ]),
        ),
      ) as T[]
    } finally {
      db.close()
    }
  }, store)
}

/** The photos stored on the phone: their bytes by SHA-256. */
export async function storedPhotos(page: Page): Promise<Map<string, Buffer>> {
  const photos = await readStore<{ sha256: string; data: string }>(page, 'attachments')
  return new Map(photos.map((photo) => [photo.sha256, Buffer.from(photo.data, 'base64')]))
}

/**
 * Types `text` into a new issue report, closes the page in the middle of the form (with unload handlers run,
 * as when the leader swipes the app away, and waiting until it is really gone), then opens the same form in a
 * new page of the same profile and waits for the restored-draft notice. Answers the new page.
 */
export async function closeMidFormAndReopen(page: Page, url: string, text: string, problems: string[]): Promise<Page> {
  const later = await page.context().newPage()
  watchProblems(later, problems)
  await page.goto(url)
  await page.getByLabel('情况说明').fill(text)
  await Promise.all([page.waitForEvent('close'), page.close({ runBeforeUnload: true })])
  await later.goto(url)
  await later.getByText('上次没填完的内容已恢复').waitFor()
  return later
}

/** The flat's tile on a canvass's grid: its name says the flat (2单元 302, or 302 in a one-stairwell building) and its latest answer. */
export const canvassTile = (page: Page, flat: string) => page.getByRole('link', { name: new RegExp(`^${flat} `) })

/**
 * Opens a canvass (发起表决) from the building's screen: one stairwell (`entrance`, as its button says: 2单元)
 * or else the whole building, under 民法典第278条; `households`, when given, is how many the form must say are in
 * scope. Waits for the canvass screen; answers the canvass's id.
 */
export async function startCanvass(
  page: Page,
  { building, entrance, question, households }: { building: string; entrance?: string; question: string; households?: number },
): Promise<string> {
  await page.goto(new URL('/buildings', page.url()).href)
  await page.locator('.building-list').getByText(building, { exact: true }).click()
  await page.getByRole('link', { name: '发起表决' }).click()
  // A building of one stairwell has no 单元 to choose.
  if (entrance) await page.getByRole('group', { name: '单元' }).getByRole('button', { name: entrance, exact: true }).click()
  if (households !== undefined) await page.getByText(`参与的住户（${households} 户）`).waitFor()
  await page.getByLabel('表决事项').fill(question)
  await page.getByRole('radio', { name: /民法典第278条/ }).click()
  await page.getByRole('button', { name: '发起表决' }).click()
  await page.waitForURL(/\/canvasses\/[0-9a-f-]{36}$/)
  await page.getByRole('heading', { name: question }).waitFor()
  return idIn(page)
}

export interface CanvassAnswerInput {
  answer: '同意' | '反对' | '弃权' | '未表态' | '联系不上'
  /** Someone answering for the owner (代签), by name. */
  proxy?: string
  /** A signature drawn on the pad with the mouse; else 不签字. */
  signed: boolean
  /** Changes the drawn strokes. */
  variant?: number
}

/** A name written on the answer sheet's signature pad with the mouse: two wavy strokes across the box. */
async function drawSignature(page: Page, variant: number) {
  const pad = page.locator('canvas.canvass-signature__canvas')
  await pad.scrollIntoViewIfNeeded()
  const box = (await pad.boundingBox())!
  for (let stroke = 0; stroke < 2; stroke++) {
    const y = box.y + box.height * (0.35 + stroke * 0.3)
    await page.mouse.move(box.x + 20, y)
    await page.mouse.down()
    for (let step = 1; step <= 10; step++) await page.mouse.move(box.x + 20 + step * 22, y + ((step + variant) % 2 ? 18 : -18))
    await page.mouse.up()
  }
  // 重签 is enabled once the pad holds a stroke.
  await page.getByRole('button', { name: '重签' }).and(page.locator(':enabled')).waitFor()
}

/** From a canvass's screen: taps the flat on the grid, fills its answer sheet, saves, and waits until the grid shows the answer. */
export async function answerCanvass(page: Page, flat: string, { answer, proxy, signed, variant = 0 }: CanvassAnswerInput): Promise<void> {
  const grid = page.url()
  await canvassTile(page, flat).click()
  await page.getByRole('heading', { name: flat }).waitFor()
  await page.getByRole('group', { name: '意见' }).getByRole('button', { name: answer, exact: true }).click()
  if (proxy) {
    await page.getByRole('group', { name: '谁答的' }).getByRole('button', { name: '代签', exact: true }).click()
    await page.getByLabel('签字人姓名').fill(proxy)
  }
  if (signed) await drawSignature(page, variant)
  else await page.getByRole('group', { name: '签字方式' }).getByRole('button', { name: '不签字', exact: true }).click()
  await page.getByRole('button', { name: '保存', exact: true }).click()
  await page.waitForURL(grid)
  await page.getByRole('link', { name: `${flat} ${answer}`, exact: true }).waitFor()
}

/** Picks `option` in the Element Plus select within `within` (a popup list, not a native select). */
export async function pickOption(page: Page, within: Locator, option: string): Promise<void> {
  await within.locator('.el-select__wrapper').click()
  const choice = page.getByRole('option', { name: option, exact: true }).filter({ visible: true })
  await choice.click()
  // A single select closes its list; a multiple one stays open and is closed here, so that it covers nothing
  // behind it. Escape only then: with the list gone, it would close the dialog the select is in.
  await choice.waitFor({ state: 'hidden', timeout: 1000 }).catch(() => page.keyboard.press('Escape'))
}
