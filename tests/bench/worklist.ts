import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { startStaticServer, type StaticServer } from '../../src/server/static'
import { launchPhone, type Phone } from '../e2e/browser'
import { buildApp } from './first-screen'
import { count, median, ms, ratio, target, type Table } from './report'
import { install, rowsShown, tapFromHome, watchRows } from './watch'

/*
 * l) The leader's worklist (issue 8): 2,000 households and 20,000 visits on the phone, to its rows on screen
 * at 1× CPU, the app started at /worklist and, in the running app, from a tap on home's link. The baseline, in the same page and run, is the bare getAll of
 * the very rows the worklist reads (communities, buildings, households, residents, visits) in one
 * IndexedDB transaction: the floor of reading them at all.
 */

const BUILDINGS = 20
const HOUSEHOLDS = 2_000
const VISITS = 20_000
const RUNS = 7
const TARGET_MS = 100
/** A household row of 该走访了: on screen once the worklist's live query has answered and the list is drawn. */
const ROWS = 'section[aria-labelledby="worklist-households"] a.worklist-row'
const STORES = ['communities', 'buildings', 'households', 'residents', 'visits'] as const

/**
 * Replaces the demo community's buildings, households, residents and visits with a leader's big patch: 20
 * buildings of 100 flats, one or two residents each (one in seven with a care tag), two years of visits
 * (newest last, as UUIDv7 ids sort), one in forty asking for a follow-up two weeks later.
 */
async function seed(page: Page): Promise<void> {
  await page.evaluate(
    async ({ buildings, households, visits, stores }) => {
      const request = indexedDB.open('doorstep')
      const idb = await new Promise<IDBDatabase>((resolve, reject) => {
        request.onsuccess = () => resolve(request.result)
        request.onerror = () => reject(request.error)
      })
      const tx = idb.transaction([...stores], 'readwrite')
      for (const store of stores) if (store !== 'communities') tx.objectStore(store).clear()
      const community = 'c-nanmen'
      const tags = [['elderly_alone'], ['disabled'], ['low_income'], ['elderly'], ['tenant'], ['minor'], ['disabled', 'elderly']]
      const perBuilding = households / buildings
      for (let b = 0; b < buildings; b++) {
        tx.objectStore('buildings').put({ id: `b-${b}`, gridId: 'g-nanmen-1', communityId: community, address: `基准路${b + 1}号`, name: '', floors: 10 })
      }
      for (let h = 0; h < households; h++) {
        const floor = 1 + Math.floor((h % perBuilding) / 10)
        const id = `h-${h}`
        tx.objectStore('households').put({ id, buildingId: `b-${Math.floor(h / perBuilding)}`, entrance: '', unit: `${floor}${String(h % 10).padStart(2, '0')}`, floor, area: null, occupancy: null })
        for (let r = 0; r < 1 + (h % 2); r++) {
          tx.objectStore('residents').put({
            id: `${id}-r${r}`,
            householdId: id,
            name: `居民${h}-${r}`,
            phone: null,
            birthYear: 1950,
            careTags: r === 0 && h % 7 === 0 ? tags[(h / 7) % tags.length] : [],
            movedOutAt: null,
          })
        }
      }
      const purposes = ['policy_promotion', 'community_counselling', 'opinion_collection', 'dispute_mediation', 'property_assistance']
      const now = Date.now()
      const span = 730 * 86_400_000
      for (let i = 0; i < visits; i++) {
        const at = new Date(now - span + (i * span) / visits)
        const iso = at.toISOString()
        const h = (i * 7919) % households
        const follow = i % 40 === 0 ? new Date(at.getTime() + 14 * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10) : null
        tx.objectStore('visits').put({
          id: `${at.getTime().toString(16).padStart(12, '0')}-bench-${String(i).padStart(6, '0')}`,
          createdAt: iso,
          updatedAt: iso,
          createdBy: 'bench',
          deviceId: 'bench',
          rev: 1,
          deletedAt: null,
          conflicts: [],
          buildingId: `b-${Math.floor(h / perBuilding)}`,
          householdId: `h-${h}`,
          visitedAt: iso,
          purpose: purposes[i % purposes.length],
          topics: ['pension_review'],
          residentIds: [],
          othersMet: '',
          needs: '想了解养老金年审怎么在手机上办，家里只有老人，手机用不熟。',
          outcome: '已教会用粤省事做年审，下周再来看看。',
          followUpOn: follow,
          followsVisitId: null,
          photos: [],
        })
      }
      await new Promise<void>((resolve, reject) => {
        tx.oncomplete = () => resolve()
        tx.onerror = () => reject(tx.error)
      })
      idb.close()
    },
    { buildings: BUILDINGS, households: HOUSEHOLDS, visits: VISITS, stores: STORES },
  )
}

/** Opening the database and reading every row the worklist reads, with getAll in one transaction. */
async function bareRead(page: Page): Promise<{ ms: number; rows: number }> {
  return page.evaluate(async (stores) => {
    const start = performance.now()
    const request = indexedDB.open('doorstep')
    const idb = await new Promise<IDBDatabase>((resolve) => (request.onsuccess = () => resolve(request.result)))
    const tx = idb.transaction([...stores])
    const all = await Promise.all(
      stores.map((store) => new Promise<unknown[]>((resolve) => {
        const get = tx.objectStore(store).getAll()
        get.onsuccess = () => resolve(get.result)
      })),
    )
    const elapsed = performance.now() - start
    idb.close()
    return { ms: elapsed, rows: all.reduce((sum, rows) => sum + rows.length, 0) }
  }, STORES)
}

export async function worklistBenchmarks(report: (table: Table) => void): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'doorstep-worklist-bench-'))
  let server: StaticServer | undefined
  let phone: Phone | undefined
  try {
    console.log('building the app…')
    await buildApp(join(work, 'app'))
    server = await startStaticServer({ root: join(work, 'app'), port: 0 })
    phone = await launchPhone()
    // See main.ts: functions sent to the page call tsx's `__name` helper.
    await phone.context.addInitScript('globalThis.__name = (fn) => fn')
    const page = await phone.context.newPage()
    const controlled = await install(page, server.url)
    await seed(page)
    await watchRows(page, ROWS)

    const shown: number[] = []
    const tapped: number[] = []
    const bare: number[] = []
    let rows = 0
    let listed = { followUps: '', households: '' }
    for (let i = 0; i < RUNS + 1; i++) {
      await page.goto(`${server.url}worklist`, { waitUntil: 'commit' })
      const at = await rowsShown(page)
      // In the app: home showing the worklist's top, then a tap on its link to the whole list.
      const tapAt = await tapFromHome(page, server.url, '#app a[href="/worklist"]')
      const tapShownAt = await rowsShown(page)
      const read = await bareRead(page)
      if (i === 0) continue // warms the caches
      shown.push(at)
      tapped.push(tapShownAt - tapAt)
      bare.push(read.ms)
      rows = read.rows
      listed = await page.evaluate(() => {
        const total = (id: string) => document.querySelector(`section[aria-labelledby="${id}"] .worklist-section__count`)?.textContent ?? '?'
        return { followUps: total('worklist-follow-ups'), households: total('worklist-households') }
      })
    }
    const app = median(shown)
    const tap = median(tapped)
    const floor = median(bare)
    report({
      title: `l) The leader's worklist with ${count(HOUSEHOLDS)} households and ${count(VISITS)} visits (issue 8)`,
      about: `The built app served by src/server (static.ts), in Chromium with a profile on disk, the service worker ${controlled ? 'installed and controlling the page' : 'NOT controlling the page'}, 1× CPU. The phone holds ${count(BUILDINGS)} buildings, ${count(HOUSEHOLDS)} households (one in seven with a care tag), ${count(HOUSEHOLDS * 1.5)} residents and ${count(VISITS)} visits over two years, one in forty with a follow-up. The app is started at /worklist, or is on home and the link 看全部清单 is tapped; "rows on screen" is the frame after the first row of 该走访了 is rendered with a size (the worklist: ${listed.followUps} follow-ups and ${listed.households} households due, the first 50 of each drawn). Median of ${RUNS} runs after one warm-up. Baseline: opening the database and a bare getAll of every row the worklist reads (${count(rows)} rows of communities, buildings, households, residents and visits) in one IndexedDB transaction, in the same page right after.`,
      head: ['', 'median', '÷ bare getAll'],
      rows: [
        ['**app started at /worklist, to its rows on screen**', `**${ms(app)}**`, ratio(app / floor)],
        ['看全部清单 tapped on home, to the rows on screen', ms(tap), ratio(tap / floor)],
        [`bare getAll of the ${count(rows)} rows (baseline)`, ms(floor), ratio(1)],
      ],
      notes: [
        target(app <= TARGET_MS, `app started at /worklist, rows on screen within ${TARGET_MS} ms at 1× CPU (${ms(app)})`),
        target(tap <= TARGET_MS, `tapped on home, rows on screen within ${TARGET_MS} ms at 1× CPU (${ms(tap)})`),
      ],
    })
  } finally {
    await phone?.close()
    await server?.close()
    await rm(work, { recursive: true, force: true })
  }
}
