import { afterEach, describe, expect, it, vi } from 'vitest'
import { db } from '@/app/db/database'
import MyPoints from '@/app/features/points/MyPoints.vue'
import { careHouseholds, DEFAULT_VISIT_INTERVALS, newReportState, uuidv7, type IssueReport, type PointAdjustment, type User, type Visit } from '@/domain'
import { demoCommunity, demoHouseholds, demoResidents } from '@/domain/demo'
import { issueFields, visitFields } from '../fixtures'
import { mountWithApp } from './setup'

/*
 * 我的积分 on the phone: counted from the records in IndexedDB for the signed-in leader (others' work and
 * adjustments left out), live as records are saved, with the office's adjustments and their reasons.
 */

const leader: User = { id: 'u-leader1', username: 'leader1', displayName: '陈楼长', role: 'leader', communityId: demoCommunity.id, buildingIds: [] }
const care = careHouseholds(demoResidents, DEFAULT_VISIT_INTERVALS)
const careHousehold = demoHouseholds.find((h) => care.has(h.id))!
const plainHousehold = demoHouseholds.find((h) => !care.has(h.id))!
let n = 0
const meta = (createdBy: string, at: string) => ({ id: uuidv7(Date.parse(at) + ++n), createdAt: at, updatedAt: at, createdBy, deviceId: 'd-1', rev: 1, deletedAt: null, conflicts: [] })
const visit = (createdBy: string, household: { id: string; buildingId: string }, visitedAt: string): Visit => ({
  ...visitFields({ householdId: household.id, buildingId: household.buildingId, visitedAt, residentIds: [] }),
  ...meta(createdBy, visitedAt),
})
const adjustment = (userId: string, month: string, points: number, reason: string): PointAdjustment => ({ id: uuidv7(), userId, month, points, reason, by: 'u-office1', at: '2026-11-18T02:00:00.000Z' })

afterEach(() => vi.useRealTimers())

describe('我的积分', () => {
  it('counts this month’s points of the signed-in leader by kind, the months before and the office’s adjustments, and counts a new visit at once', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-11-20T04:00:00Z') })
    await db.meta.bulkPut([
      { key: 'user', value: JSON.stringify(leader) },
      { key: 'userId', value: leader.id },
    ])
    await db.communities.put(demoCommunity)
    await db.residents.bulkPut(demoResidents)
    await db.visits.bulkPut([
      visit(leader.id, plainHousehold, '2026-11-03T02:00:00.000Z'),
      visit(leader.id, careHousehold, '2026-11-04T02:00:00.000Z'),
      // The last minute of October in Beijing.
      visit(leader.id, plainHousehold, '2026-10-31T15:59:00.000Z'),
      // Another leader's visit in the same building is not mine.
      visit('u-leader2', plainHousehold, '2026-11-05T02:00:00.000Z'),
    ])
    const report: IssueReport = { ...issueFields(), ...newReportState(), ...meta(leader.id, '2026-11-06T02:00:00.000Z') }
    await db.issues.put(report)
    await db.pointAdjustments.bulkPut([adjustment(leader.id, '2026-11', 5, '协助疫苗接种登记'), adjustment('u-leader2', '2026-11', 9, '别人的调整')])

    const { wrapper } = await mountWithApp(MyPoints, { route: '/settings' })
    const total = () => wrapper.find('[data-points="total"]').text()
    // A visit 1, a care visit 2, a report filed 1, the office's 5.
    await vi.waitFor(() => expect(total()).toBe('9 分'))
    expect(wrapper.findAll('.my-points__lines')[0]!.findAll('li').map((li) => li.text())).toEqual([
      '走访一户1 次 · 1 分',
      '走访关爱对象1 次 · 2 分',
      '上报诉求1 次 · 1 分',
      '社区调整1 次 · 5 分',
    ])
    expect(wrapper.find('[data-month="2026-10"]').text()).toBe('2026年10月1 分')
    expect(wrapper.findAll('[data-adjustment]').map((li) => li.text())).toEqual(['2026年11月：+5 分，协助疫苗接种登记'])
    expect(wrapper.text()).toContain('社区的排名只算已经同步到社区的记录')

    await db.visits.put(visit(leader.id, plainHousehold, '2026-11-20T03:00:00.000Z'))
    await vi.waitFor(() => expect(total()).toBe('10 分'))
  })

  it('says how to earn points when the month has none yet', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-11-20T04:00:00Z') })
    await db.meta.put({ key: 'userId', value: leader.id })
    const { wrapper } = await mountWithApp(MyPoints, { route: '/settings' })
    await vi.waitFor(() => expect(wrapper.find('[data-points="total"]').text()).toBe('0 分'))
    expect(wrapper.text()).toContain('这个月还没有积分')
    expect(wrapper.find('[data-adjustment]').exists()).toBe(false)
  })
})
