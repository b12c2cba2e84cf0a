import { liveQuery } from 'dexie'
import { expect, it, vi } from 'vitest'
import { holding } from '@/app/db/live'
import { INITIAL_BATCH } from '@/app/sync/engine'
import { readWorklist, type LeaderWorklist } from '@/app/db/worklist'
import { uuidv7 } from '@/domain'
import { demoBuildings, demoCommunity, demoGrids, demoHouseholds, demoResidents } from '@/domain/demo'
import { visitFields } from '../../fixtures'
import { device } from './harness'

/*
 * Issue 9 met home saying 今天没有要回访的住户 right after a first sync while 7 follow-ups were due: the list
 * was computed while the pull was still writing, and not again after. The worklist (which replaced it) is
 * watched live here while a first pull of many pages writes the community's households and visits.
 */

const today = '2026-11-20'

/** A device whose first pull brings the demo community and 600 visits in pages of 50; 7 follow-ups are due today. */
async function communityToPull() {
  const pulling = await device({ pullLimit: 50 })
  const { server } = pulling
  server.serverPut('communities', demoCommunity)
  for (const grid of demoGrids) server.serverPut('grids', grid)
  for (const building of demoBuildings) server.serverPut('buildings', building)
  for (const household of demoHouseholds) server.serverPut('households', household)
  for (const resident of demoResidents) server.serverPut('residents', resident)
  // 600 visits to the community's households over the autumn, each household's newest last; the newest visits
  // of 7 households ask to be followed up today or earlier (an earlier one is closed by the visit after it).
  const visits = 600
  const newestFrom = visits - demoHouseholds.length
  for (let i = 0; i < visits; i++) {
    const household = demoHouseholds[i % demoHouseholds.length]!
    const visitedAt = new Date(Date.parse('2026-09-01T02:00:00Z') + i * 3 * 3600_000).toISOString()
    const followUpOn = i >= newestFrom && i < newestFrom + 7 ? '2026-11-1' + (i % 10) : i % 40 === 0 ? '2026-10-01' : null
    server.serverPut('visits', {
      ...visitFields({ buildingId: household.buildingId, householdId: household.id, visitedAt, followUpOn, residentIds: [] }),
      id: uuidv7(Date.parse(visitedAt)),
      createdAt: visitedAt,
      updatedAt: visitedAt,
      createdBy: 'u-leader1',
      deviceId: 'd-other',
      deletedAt: null,
      conflicts: [],
    })
  }
  return pulling
}

const due = (list: LeaderWorklist | undefined) => list?.followUps.filter((row) => row.overdueDays >= 0).length

/** Home's worklist as the app watches it, held while a sync writes (`syncing`), counting its reads. */
async function watchHeld({ db, queries }: Pick<Awaited<ReturnType<typeof device>>, 'db' | 'queries'>) {
  const watch = { reads: 0, seen: [] as LeaderWorklist[] }
  const held = holding(() => {
    watch.reads++
    return readWorklist(db, today)
  }, queries.syncing)
  const subscription = liveQuery(held).subscribe((list) => watch.seen.push(list))
  await vi.waitFor(() => expect(watch.seen).toHaveLength(1))
  return Object.assign(watch, { stop: () => subscription.unsubscribe() })
}

it('shows every follow-up due once a first pull of many pages is written, with its live query running throughout', async () => {
  const { db, server, engine } = await communityToPull()
  const seen: LeaderWorklist[] = []
  const subscription = liveQuery(() => readWorklist(db, today)).subscribe((list) => seen.push(list))
  try {
    expect(await engine.sync()).toMatchObject({ status: 'done' })
    expect(server.calls.filter((call) => call.op === 'pull').length).toBeGreaterThan(10)
    await vi.waitFor(() => expect(due(seen.at(-1))).toBe(7))
    // And it stays so: no later emission from a page written earlier takes them away.
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(due(seen.at(-1))).toBe(7)
    expect(seen.at(-1)!.overdue + seen.at(-1)!.dueToday).toBe(7)
  } finally {
    subscription.unsubscribe()
  }
})

it('held while the pull writes, reads the visits once for the whole pull rather than once a transaction, and ends right', async () => {
  const phone = await communityToPull()
  const { db, engine } = phone
  const watch = await watchHeld(phone)
  try {
    const transactions = vi.spyOn(db.meta, 'put')
    expect(await engine.sync()).toMatchObject({ status: 'done' })
    await vi.waitFor(() => expect(due(watch.seen.at(-1))).toBe(7))
    const cursors = transactions.mock.calls.filter(([entry]) => entry.key === 'cursor').length
    // Without the hold it reads again after each of the pull's transactions (several, see engine.test.ts).
    expect(cursors).toBeGreaterThan(2)
    // The first read, maybe one as the pull's first transaction lands, and one when the run's end clears `syncing`.
    expect(watch.reads).toBeLessThanOrEqual(3)
    expect(await db.meta.get('syncing')).toBeUndefined()
  } finally {
    watch.stop()
  }
})

it('held while a pull of many pages writes, reads again only once the run has ended: old work’s removal waits for no read of every visit', async () => {
  const { db, engine, queries } = await communityToPull()
  // The run's end each read of the worklist finds ('' before the first).
  const ends: string[] = []
  const held = holding(async () => {
    ends.push((await db.meta.get('lastSuccessAt'))?.value ?? '')
    return readWorklist(db, today)
  }, queries.syncing)
  const seen: LeaderWorklist[] = []
  const subscription = liveQuery(held).subscribe((list) => seen.push(list))
  try {
    await vi.waitFor(() => expect(seen).toHaveLength(1))
    expect(await engine.sync()).toMatchObject({ status: 'done' })
    await vi.waitFor(() => expect(due(seen.at(-1))).toBe(7))
    // Read as the last page landed, the worklist would hold the run's retention (a write over the visits) behind it.
    expect(ends.slice(1)).not.toContain('')
  } finally {
    subscription.unsubscribe()
  }
})

it('held while a push of several batches settles, reads the visits once for the run rather than once a batch', async () => {
  const phone = await device()
  const { db, engine, repos, author, server } = phone
  expect(await engine.sync()).toMatchObject({ status: 'done' })
  for (let i = 0; i < INITIAL_BATCH.count * 3; i++) await repos.visits.create(visitFields({ outcome: `第${i}户` }), author)
  const watch = await watchHeld(phone)
  try {
    watch.reads = 0
    expect(await engine.sync()).toMatchObject({ status: 'done', pushed: INITIAL_BATCH.count * 3 })
    // Without the hold it reads again after each batch's answers are settled.
    expect(server.calls.filter((call) => call.op === 'push').length).toBeGreaterThan(1)
    await new Promise((resolve) => setTimeout(resolve, 100))
    // At most one as the first batch settles, and one when the run's end clears `syncing`.
    expect(watch.reads).toBeLessThanOrEqual(2)
    expect(await db.meta.get('syncing')).toBeUndefined()
  } finally {
    watch.stop()
  }
})
