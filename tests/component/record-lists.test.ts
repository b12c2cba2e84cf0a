import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { VueWrapper } from '@vue/test-utils'
import { uuidv7, type RecordMeta } from '@/domain'
import { db } from '@/app/db/database'
import { queries } from '@/app/db/read'
import { seedDemoIfEmpty } from '@/app/db/seed'
import InspectionList from '@/app/features/inspections/InspectionList.vue'
import IssueList from '@/app/features/issues/IssueList.vue'
import VisitList from '@/app/features/visits/VisitList.vue'
import { inspectionFields, issueFields, visitFields } from '../fixtures'
import { SCREENFUL } from '@/app/ui/useScreenfulFirst'
import { choose } from './fields'
import { mountWithApp } from './setup'

/** The n-th of a long run of records, a minute apart: stored as sync or a long spell of work leaves them. */
function meta(n: number): RecordMeta & { at: string } {
  const at = new Date(Date.parse('2026-10-01T01:00:00.000Z') + n * 60_000).toISOString()
  return { id: uuidv7(Date.parse(at)), at, createdAt: at, updatedAt: at, createdBy: 'leader-1', deviceId: 'device-1', rev: null, deletedAt: null, conflicts: [] }
}
const range = (count: number) => Array.from({ length: count }, (_, n) => n)

beforeEach(async () => {
  await seedDemoIfEmpty(db)
})

/** Taps the list's foot until it says the end is reached; answers how many taps that took. */
async function scrollToEnd(wrapper: VueWrapper, rows: () => number, total: number) {
  let pages = 1
  while (rows() < total) {
    const shown = rows()
    await wrapper.find('.list-end__more').trigger('click')
    await vi.waitFor(() => expect(rows()).toBeGreaterThan(shown))
    pages++
  }
  await vi.waitFor(() => expect(wrapper.find('.list-end').text()).toBe(`已经到底了，共 ${total} 条`))
  return pages
}

/** 130 visits, every other one in household 101 of `other`: 65 there, 65 in visitFields' own household. */
const other = 'b-qiaohu-32'
async function addVisitsInTwoBuildings() {
  await db.visits.bulkAdd(
    range(130).map((n) => {
      const household = n % 2 ? { buildingId: other, householdId: 'b-qiaohu-32-101' } : {}
      return { ...meta(n), ...visitFields({ visitedAt: meta(n).at, ...household }) }
    }),
  )
}

describe('long lists', () => {
  it('show every visit page by page, with the count of all of them and an end marker', async () => {
    await db.visits.bulkAdd(range(120).map((n) => ({ ...meta(n), ...visitFields({ visitedAt: meta(n).at, needs: `第${n}户` }) })))
    const { wrapper } = await mountWithApp(VisitList, { route: '/visits' })
    const rows = () => wrapper.findAll('.visit-item').length

    await vi.waitFor(() => expect(rows()).toBe(50))
    // The count is read once the first rows are in.
    await vi.waitFor(() => expect(wrapper.find('.list-count').text()).toBe('共 120 条'))
    expect(wrapper.find('.list-end__more').text()).toBe('还有 70 条，点这里看')
    expect(await scrollToEnd(wrapper, rows, 120)).toBe(3)
    expect(wrapper.findAll('.visit-item time').at(-1)?.attributes('datetime')).toBe(meta(0).at)
  })

  it('count the visits the building filter in the address lets through, and start again from one page', async () => {
    await addVisitsInTwoBuildings()
    const { wrapper, router } = await mountWithApp(VisitList, { route: '/visits' })
    const rows = () => wrapper.findAll('.visit-item').length
    await vi.waitFor(() => expect(rows()).toBe(50))
    await vi.waitFor(() => expect(wrapper.find('.list-end__more').exists()).toBe(true))
    await wrapper.find('.list-end__more').trigger('click')
    await vi.waitFor(() => expect(rows()).toBe(100))

    await choose(wrapper, '楼栋', other)

    await vi.waitFor(() => expect(router.currentRoute.value.query).toEqual({ building: other }))
    await vi.waitFor(() => expect(wrapper.find('.list-count').text()).toBe('共 65 条'))
    expect(rows()).toBe(50)
    expect(await scrollToEnd(wrapper, rows, 65)).toBe(2)
  })

  it('never show a filter\'s count beside the rows of the filter before it', async () => {
    await addVisitsInTwoBuildings()
    const { wrapper } = await mountWithApp(VisitList, { route: '/visits' })
    await vi.waitFor(() => expect(wrapper.find('.list-count').text()).toBe('共 130 条'))
    // The building's rows are slow to come; its count comes first.
    let read!: () => void
    const reading = new Promise<void>((resolve) => (read = resolve))
    const visits = queries.visits
    const rowsHeld = vi.spyOn(queries, 'visits').mockImplementation((filter, limit) => reading.then(() => visits(filter, limit)))
    const count = queries.visitCount
    const counts: number[] = []
    const counted = vi.spyOn(queries, 'visitCount').mockImplementation(async (filter) => {
      const n = await count(filter)
      counts.push(n)
      return n
    })
    try {
      await choose(wrapper, '楼栋', other)
      await vi.waitFor(() => expect(counts).toContain(65))
      await new Promise((resolve) => setTimeout(resolve, 50))
      expect(wrapper.find('.list-count').text()).toBe('')
      read()
      await vi.waitFor(() => expect(wrapper.find('.list-count').text()).toBe('共 65 条'))
      expect(wrapper.findAll('.visit-item')).toHaveLength(50)
    } finally {
      rowsHeld.mockRestore()
      counted.mockRestore()
    }
  })

  // IndexedDB counts by walking every record (tens of ms for 10,000 visits): the rows do not wait for it.
  it('show the first visits before their count is in, on the count\'s line kept empty meanwhile', async () => {
    await db.visits.bulkAdd(range(60).map((n) => ({ ...meta(n), ...visitFields({ visitedAt: meta(n).at }) })))
    let counted!: () => void
    const counting = new Promise<void>((resolve) => (counted = resolve))
    const count = queries.visitCount
    const held = vi.spyOn(queries, 'visitCount').mockImplementation((filter) => counting.then(() => count(filter)))
    try {
      const { wrapper } = await mountWithApp(VisitList, { route: '/visits' })
      const rows = () => wrapper.findAll('.visit-item').length
      await vi.waitFor(() => expect(rows()).toBe(50))
      expect(wrapper.find('.list-count').exists()).toBe(true)
      expect(wrapper.find('.list-count').text()).toBe('')
      expect(wrapper.find('.list-end').exists()).toBe(false)
      counted()
      await vi.waitFor(() => expect(wrapper.find('.list-count').text()).toBe('共 60 条'))
      expect(wrapper.find('.list-end__more').text()).toBe('还有 10 条，点这里看')
    } finally {
      held.mockRestore()
    }
  })

  // On a cold start the rows in view do not wait for the render of the whole page.
  it('show a screenful of the first visits, then the rest of their page once that frame is painted', async () => {
    await db.visits.bulkAdd(range(60).map((n) => ({ ...meta(n), ...visitFields({ visitedAt: meta(n).at }) })))
    const frames: FrameRequestCallback[] = []
    const held = vi.spyOn(globalThis, 'requestAnimationFrame').mockImplementation((callback) => frames.push(callback))
    try {
      const { wrapper } = await mountWithApp(VisitList, { route: '/visits' })
      const rows = () => wrapper.findAll('.visit-item')
      await vi.waitFor(() => expect(rows()).toHaveLength(SCREENFUL))
      expect(rows()[0]!.find('time').attributes('datetime')).toBe(meta(59).at)
      // The count comes meanwhile; the list's foot waits for the rows above it, or it would sit in view.
      await vi.waitFor(() => expect(wrapper.find('.list-count').text()).toBe('共 60 条'))
      expect(wrapper.find('.list-end').exists()).toBe(false)
      expect(rows()).toHaveLength(SCREENFUL)
      held.mockRestore()
      for (const frame of frames.splice(0)) frame(performance.now())
      await vi.waitFor(() => expect(rows()).toHaveLength(50))
      expect(wrapper.find('.list-end__more').text()).toBe('还有 10 条，点这里看')
    } finally {
      held.mockRestore()
    }
  })

  it('show every issue report and every inspection, with their counts', async () => {
    await db.issues.bulkAdd(range(75).map((n) => ({ ...meta(n), ...issueFields(), status: 'submitted' as const, assignee: null, events: [] })))
    await db.inspections.bulkAdd(range(55).map((n) => ({ ...meta(n), ...inspectionFields({ startedAt: meta(n).at }) })))

    const issues = (await mountWithApp(IssueList, { route: '/issues' })).wrapper
    const issueRows = () => issues.findAll('.issue-list__row').length
    await vi.waitFor(() => expect(issueRows()).toBe(50))
    expect(issues.find('.list-count').text()).toBe('共 75 条')
    await scrollToEnd(issues, issueRows, 75)

    const inspections = (await mountWithApp(InspectionList, { route: '/inspections' })).wrapper
    const inspectionRows = () => inspections.findAll('.inspection-list__row').length
    await vi.waitFor(() => expect(inspectionRows()).toBe(50))
    expect(inspections.find('.list-count').text()).toBe('共 55 条')
    await scrollToEnd(inspections, inspectionRows, 55)
  })
})
