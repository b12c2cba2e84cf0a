import { describe, expect, it, vi } from 'vitest'
import { db } from '@/app/db/database'
import SettingsRetention from '@/app/features/settings/SettingsRetention.vue'
import { newReportState, uuidv7, type User, type Visit } from '@/domain'
import { demoCommunity } from '@/domain/demo'
import { issueFields, visitFields } from '../fixtures'
import { mountWithApp } from './setup'

const leader: User = { id: 'u-leader1', username: 'leader1', displayName: '陈楼长', role: 'leader', communityId: demoCommunity.id, buildingIds: [] }
const meta = (i: number) => ({ id: uuidv7(Date.parse('2026-11-01T02:00:00.000Z') + i), createdAt: '2026-11-01T02:00:00.000Z', updatedAt: '2026-11-01T02:00:00.000Z', createdBy: leader.id, deviceId: 'd-1', rev: 1, deletedAt: null, conflicts: [] })

async function signedInAs(user: User) {
  await db.meta.bulkPut([
    { key: 'user', value: JSON.stringify(user) },
    { key: 'userId', value: user.id },
  ])
}

describe('what the phone keeps, on 我的', () => {
  it('says how many months the community keeps and how many visits and reports are on the phone', async () => {
    await signedInAs(leader)
    await db.communities.put({ ...demoCommunity, settings: { ...demoCommunity.settings, retentionMonths: 6 } })
    const visits: Visit[] = Array.from({ length: 1234 }, (_, i) => ({ ...visitFields(), ...meta(i) }))
    // A deletion waiting to be forgotten is not a record the leader has.
    visits[0] = { ...visits[0]!, deletedAt: '2026-11-02T02:00:00.000Z' }
    await db.visits.bulkPut(visits)
    await db.issues.put({ ...issueFields(), ...newReportState(), ...meta(5000) })

    const { wrapper } = await mountWithApp(SettingsRetention, { route: '/settings' })

    await vi.waitFor(() => expect(wrapper.text()).toContain('手机上保留最近 6 个月的走访和诉求，共 1,234 条'))
    expect(wrapper.find('h2').text()).toBe('手机上的记录')
  })

  it('takes twelve months before the community has come down, and says nothing on an office computer', async () => {
    await signedInAs(leader)
    const first = await mountWithApp(SettingsRetention, { route: '/settings' })
    await vi.waitFor(() => expect(first.wrapper.text()).toContain('手机上保留最近 12 个月的走访和诉求，共 0 条'))
    first.wrapper.unmount()

    await signedInAs({ ...leader, role: 'office' })
    const second = await mountWithApp(SettingsRetention, { route: '/settings' })
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(second.wrapper.text()).toBe('')
  })
})
