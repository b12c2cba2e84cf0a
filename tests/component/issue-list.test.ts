import { beforeEach, describe, expect, it, vi } from 'vitest'
import { repos } from '@/app/db'
import { db } from '@/app/db/database'
import { seedDemoIfEmpty } from '@/app/db/seed'
import IssueList from '@/app/features/issues/IssueList.vue'
import { author, issueFields } from '../fixtures'
import { choose } from './fields'
import { mountWithApp } from './setup'

beforeEach(async () => {
  await seedDemoIfEmpty(db)
})

describe('the issue report list', () => {
  it('lists newest first with a status each, and filters by the building in the address', async () => {
    await repos.issues.create(issueFields({ location: '1楼信报箱' }), author, new Date('2026-11-18T01:00:00Z'))
    await repos.issues.create(issueFields({ buildingId: 'b-qiaohu-32', location: '天台排水口' }), author, new Date('2026-11-19T01:00:00Z'))
    await repos.issues.create(issueFields({ location: '3楼楼道窗户' }), author, new Date('2026-11-20T01:00:00Z'))

    const { wrapper, router } = await mountWithApp(IssueList, { route: '/issues' })
    const rows = () => wrapper.findAll('.issue-list .van-cell').map((r) => r.text())

    await vi.waitFor(() => expect(rows()).toHaveLength(3))
    expect(rows().map((r) => r.match(/1楼信报箱|天台排水口|3楼楼道窗户/)?.[0])).toEqual(['3楼楼道窗户', '天台排水口', '1楼信报箱'])
    expect(rows().every((r) => r.includes('已上报'))).toBe(true)

    await choose(wrapper, '楼栋', 'b-qiaohu-32')

    await vi.waitFor(() => expect(router.currentRoute.value.query).toEqual({ building: 'b-qiaohu-32' }))
    await vi.waitFor(() => expect(rows()).toHaveLength(1))
    expect(rows()[0]).toContain('天台排水口')
  })

  it('shows only reports of the status named in the address', async () => {
    await repos.issues.create(issueFields({ location: '3楼楼道窗户' }), author)

    const { wrapper } = await mountWithApp(IssueList, { route: '/issues?status=resolved' })

    await vi.waitFor(() => expect(wrapper.text()).toContain('暂无记录'))
    expect((wrapper.find('select').element as HTMLSelectElement).value).toBe('resolved')
  })

  it('searches reports by words of their place or description, alongside the filters, and never puts the words in the address', async () => {
    await repos.issues.create(issueFields({ location: '1楼信报箱', description: '信报箱的锁被撬了' }), author, new Date('2026-11-18T01:00:00Z'))
    await repos.issues.create(issueFields({ location: '3楼楼道窗户', description: '玻璃裂了' }), author, new Date('2026-11-19T01:00:00Z'))
    await repos.issues.create(issueFields({ buildingId: 'b-qiaohu-32', location: '天台', description: '窗户漏雨' }), author, new Date('2026-11-20T01:00:00Z'))

    const { wrapper, router } = await mountWithApp(IssueList, { route: '/issues?building=b-nanmen-115-2' })
    const rows = () => wrapper.findAll('.issue-list .van-cell').map((r) => r.text())
    await vi.waitFor(() => expect(rows()).toHaveLength(2))
    const input = wrapper.get('input[type="search"]')
    expect(input.attributes('aria-label')).toBe('搜位置或说明里的字')

    await input.setValue('窗户')
    await vi.waitFor(() => expect(rows()).toEqual([expect.stringContaining('3楼楼道窗户')]))
    // A report's words may name a resident: Chromium would keep them in the profile's history.
    expect(router.currentRoute.value.query).toEqual({ building: 'b-nanmen-115-2' })

    await input.setValue('撬')
    await vi.waitFor(() => expect(rows()).toEqual([expect.stringContaining('1楼信报箱')]))

    await input.setValue('')
    await vi.waitFor(() => expect(rows()).toHaveLength(2))
  })
})
