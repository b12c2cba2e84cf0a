import { afterEach, expect, it, vi } from 'vitest'
import { effectScope, type EffectScope } from 'vue'
import { db } from '@/app/db/database'
import { useSettledLiveQuery } from '@/app/db/live'
import { visitFields } from '../fixtures'

/*
 * useSettledLiveQuery (src/app/db/live.ts): a heavy read over whole tables runs again once its tables stop
 * changing, not once per write — as when a sync writes page after page — and still now and then while they
 * keep changing.
 */

let scope: EffectScope | undefined
afterEach(() => scope?.stop())

const at = '2026-11-20T02:30:00.000Z'
const visit = (i: number) => ({ ...visitFields(), id: `v-${String(i).padStart(3, '0')}`, createdAt: at, updatedAt: at, createdBy: 'u-1', deviceId: 'd-1', rev: 1, deletedAt: null, conflicts: [] })

/** The number of visits, read as the worklist reads them, counting how often the read runs. */
function watchVisits(options: { quietMs: number; maxWaitMs: number }) {
  let runs = 0
  scope = effectScope()
  const count = scope.run(() =>
    useSettledLiveQuery(db, ['visits'], async () => {
      runs++
      return (await db.visits.toArray()).length
    }, [], options),
  )!
  return { count, runs: () => runs }
}

it('runs once after a burst of writes, not once per write, and ignores tables it does not read', async () => {
  const { count, runs } = watchVisits({ quietMs: 200, maxWaitMs: 5000 })
  await vi.waitFor(() => expect(count.value).toBe(0))
  for (let i = 0; i < 20; i++) await db.visits.put(visit(i) as never)
  await vi.waitFor(() => expect(count.value).toBe(20))
  // The first read, and one (rarely two, on a busy machine) after the burst.
  expect(runs()).toBeLessThanOrEqual(3)
  const settled = runs()

  await db.meta.put({ key: 'lastSuccessAt', value: at })
  await new Promise((resolve) => setTimeout(resolve, 400))
  expect(runs()).toBe(settled)
})

it('still runs while the writes go on longer than its longest wait', async () => {
  const { count, runs } = watchVisits({ quietMs: 100, maxWaitMs: 150 })
  await vi.waitFor(() => expect(count.value).toBe(0))
  const until = Date.now() + 1000
  let written = 0
  const seen: number[] = []
  while (Date.now() < until) {
    await db.visits.put(visit(written++) as never)
    seen.push(count.value ?? -1)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  // Between the first and the last write, the count moved on screen at least twice.
  expect(new Set(seen.filter((n) => n > 0)).size).toBeGreaterThanOrEqual(2)
  await vi.waitFor(() => expect(count.value).toBe(written))
  expect(runs()).toBeLessThan(written / 2)
})
