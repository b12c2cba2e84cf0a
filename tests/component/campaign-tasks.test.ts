import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Campaign } from '@/domain'
import { repos } from '@/app/db'
import { db } from '@/app/db/database'
import { seedDemoIfEmpty } from '@/app/db/seed'
import CampaignBanner from '@/app/features/campaigns/CampaignBanner.vue'
import CampaignTasks from '@/app/features/campaigns/CampaignTasks.vue'
import { author } from '../fixtures'
import { buttonNamed } from './fields'
import { mountWithApp } from './setup'

/** The office's campaigns on the leader's phone: home's banner and the task list, all from IndexedDB. */

const typhoon = (overrides: Partial<Campaign> = {}): Campaign =>
  Campaign.parse({
    id: 'cp-typhoon',
    communityId: 'c-nanmen',
    title: '台风前防台风检查',
    note: '周三登陆，24 小时内查完',
    templateId: 't-typhoon',
    templateVersion: 1,
    // b-beimen-1 is another community's: not on this phone, so never the leader's task.
    buildingIds: ['b-nanmen-115-2', 'b-nanmen-117', 'b-beimen-1'],
    deadline: '2099-11-21T01:00:00.000Z',
    launchedAt: '2026-11-20T01:00:00.000Z',
    launchedBy: 'u-office1',
    reminders: [
      { at: '2026-11-20T05:00:00.000Z', by: 'u-office1', text: '先查阳台花盆' },
      { at: '2026-11-20T09:00:00.000Z', by: 'u-office1', text: '今晚前查完' },
    ],
    ...overrides,
  })

let fetchSpy: ReturnType<typeof vi.spyOn>

beforeEach(async () => {
  await seedDemoIfEmpty(db)
  // Everything comes from IndexedDB: a phone offline shows and starts the tasks alike.
  fetchSpy = vi.spyOn(globalThis, 'fetch').mockRejectedValue(new TypeError('offline'))
})
afterEach(() => {
  expect(fetchSpy).not.toHaveBeenCalled()
  fetchSpy.mockRestore()
})

describe("home's campaign banner", () => {
  it('shows each open campaign on my buildings with its deadline, newest reminder and what is left', async () => {
    await db.campaigns.bulkPut([
      typhoon(),
      typhoon({ id: 'cp-closed', title: '上周的消防检查', closedAt: '2026-11-19T00:00:00.000Z' }),
      typhoon({ id: 'cp-elsewhere', title: '北门的检查', buildingIds: ['b-beimen-1'] }),
    ])
    const { wrapper } = await mountWithApp(CampaignBanner)
    await vi.waitFor(() => expect(wrapper.findAll('.campaign-banner__item')).toHaveLength(1))
    const banner = wrapper.find('.campaign-banner__item')
    expect(banner.text()).toContain('台风前防台风检查')
    expect(banner.text()).toMatch(/截止 (2099年)?11月21日 \d\d:00/)
    expect(banner.text()).toContain('今晚前查完')
    expect(banner.text()).not.toContain('先查阳台花盆')
    expect(banner.text()).toContain('还有 2 栋没查完')
    expect(banner.attributes('href')).toBe('/campaigns/cp-typhoon')

    // A campaign whose buildings are all done stays until the office closes it, and says so.
    const done = (buildingId: string) =>
      repos.inspections.create({ templateId: 't-typhoon', templateVersion: 1, buildingId, startedAt: '2026-11-20T10:00:00.000Z', completedAt: '2026-11-20T10:30:00.000Z', campaignId: 'cp-typhoon', answers: {} }, author)
    await done('b-nanmen-115-2')
    await vi.waitFor(() => expect(wrapper.text()).toContain('还有 1 栋没查完'))
    await done('b-nanmen-117')
    await vi.waitFor(() => expect(wrapper.text()).toContain('您的楼栋都查完了'))

    // Closed by the office (arriving with a pull): the banner goes.
    await db.campaigns.put(typhoon({ closedAt: '2026-11-21T00:00:00.000Z' }))
    await vi.waitFor(() => expect(wrapper.find('.campaign-banner').exists()).toBe(false))
  })

  it('says when the deadline has passed', async () => {
    await db.campaigns.put(typhoon({ deadline: '2026-01-01T01:00:00.000Z', reminders: [] }))
    const { wrapper } = await mountWithApp(CampaignBanner)
    await vi.waitFor(() => expect(wrapper.text()).toContain('已过截止时间'))
    expect(wrapper.find('.campaign-banner__overdue').exists()).toBe(true)
  })
})

describe('the campaign task list', () => {
  it("starts a building's inspection with one tap, on the campaign's template version, and shows it in progress", async () => {
    // The office has moved the checklist on since launching: the campaign still asks for version 1.
    const typhoonV1 = (await db.templates.get(['t-typhoon', 1]))!
    await repos.templates.publish({ ...typhoonV1, version: 2, title: '防台风检查（新）', publishedAt: '2026-11-20T02:00:00.000Z' })
    await db.campaigns.put(typhoon())
    const { wrapper, router } = await mountWithApp(CampaignTasks, { props: { id: 'cp-typhoon' }, route: '/campaigns/cp-typhoon' })
    await vi.waitFor(() => expect(wrapper.findAll('.campaign-tasks__row')).toHaveLength(2))
    expect(wrapper.text()).toContain('周三登陆，24 小时内查完')
    expect(wrapper.findAll('.campaign-tasks__reminder').map((r) => r.text())).toEqual([expect.stringContaining('今晚前查完'), expect.stringContaining('先查阳台花盆')])
    const rows = () => wrapper.findAll('.campaign-tasks__row')
    expect(rows().map((r) => r.find('.campaign-tasks__building').text())).toEqual(['南门路115号之二', '南门路117号'])
    expect(rows().map((r) => r.find('.van-tag').text())).toEqual(['未开始', '未开始'])

    await buttonNamed(rows()[1]!, '开始检查').trigger('click')
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('inspection'))
    const started = await db.inspections.get(String(router.currentRoute.value.params.id))
    expect(started).toMatchObject({ buildingId: 'b-nanmen-117', templateId: 't-typhoon', templateVersion: 1, campaignId: 'cp-typhoon', completedAt: null })
    expect(await db.inspections.count()).toBe(1)

    await vi.waitFor(() => expect(rows().map((r) => r.find('.van-tag').text())).toEqual(['未开始', '检查中']))
    // Going on with it opens the same inspection; none is made twice.
    await router.push('/campaigns/cp-typhoon')
    await buttonNamed(rows()[1]!, '继续检查').trigger('click')
    await vi.waitFor(() => expect(router.currentRoute.value.params.id).toBe(started!.id))
    expect(await db.inspections.count()).toBe(1)

    await repos.inspections.update(started!.id, { completedAt: '2026-11-20T11:00:00.000Z' })
    await vi.waitFor(() => expect(rows().map((r) => r.find('.van-tag').text())).toEqual(['未开始', '已完成']))
    expect(buttonNamed(rows()[1]!, '查看').exists()).toBe(true)
  })

  it('says so when the checklist version has not reached the phone, and starts nothing', async () => {
    await db.campaigns.put(typhoon({ templateVersion: 7 }))
    const { wrapper, router } = await mountWithApp(CampaignTasks, { props: { id: 'cp-typhoon' }, route: '/campaigns/cp-typhoon' })
    await vi.waitFor(() => expect(wrapper.findAll('.campaign-tasks__row')).toHaveLength(2))
    await buttonNamed(wrapper.findAll('.campaign-tasks__row')[0]!, '开始检查').trigger('click')
    await vi.waitFor(() => expect(wrapper.find('[role="alert"]').text()).toBe('这份巡查表还没同步到手机，联网同步后再试。'))
    expect(router.currentRoute.value.name).toBe('campaign')
    expect(await db.inspections.count()).toBe(0)
  })

  it('tells the leader when the campaign is closed or unknown', async () => {
    await db.campaigns.put(typhoon({ closedAt: '2026-11-21T00:00:00.000Z' }))
    const { wrapper } = await mountWithApp(CampaignTasks, { props: { id: 'cp-typhoon' }, route: '/campaigns/cp-typhoon' })
    await vi.waitFor(() => expect(wrapper.text()).toContain('这次检查已经结束'))
    expect(wrapper.find('.campaign-tasks__row').exists()).toBe(false)
  })
})
