import type { VueWrapper } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DEFAULT_COMMUNITY_SETTINGS, type CareTag } from '@/domain'
import { demoResidents } from '@/domain/demo'
import { repos } from '@/app/db'
import { db } from '@/app/db/database'
import { seedDemoIfEmpty } from '@/app/db/seed'
import { readWorklist } from '@/app/db/worklist'
import HomeView from '@/app/features/home/HomeView.vue'
import VisitDetail from '@/app/features/visits/VisitDetail.vue'
import VisitEdit from '@/app/features/visits/VisitEdit.vue'
import WorklistView from '@/app/features/worklist/WorklistView.vue'
import { author, visitFields } from '../fixtures'
import { valueOf } from './fields'
import { mountWithApp } from './setup'

/*
 * The leader's worklist on the demo community (about thirty households, none visited yet), on 7 December
 * 2026 in Beijing. Only Date is faked: IndexedDB's own timers run as usual.
 */

const TODAY = '2026-12-07'
const BUILDING = 'b-nanmen-115-2'
const H1 = 'b-nanmen-115-2-101'
const H2 = 'b-nanmen-115-2-102'
const CARE: CareTag[] = ['elderly_alone', 'disabled', 'low_income']
const careHouseholds = new Set(demoResidents.filter((r) => r.careTags.some((tag) => CARE.includes(tag))).map((r) => r.householdId))

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['Date'] })
  vi.setSystemTime(new Date(`${TODAY}T04:00:00.000Z`))
  await seedDemoIfEmpty(db)
})
afterEach(() => {
  vi.useRealTimers()
})

const at = (day: string) => `${day}T02:00:00.000Z`
const section = (wrapper: VueWrapper, id: string) => wrapper.find(`section[aria-labelledby="${id}"]`)
const links = (wrapper: VueWrapper, id: string) => section(wrapper, id).findAll('a').map((a) => a.attributes('href'))

describe('the worklist page', () => {
  it('lists the follow-ups due and the households not visited within the interval, care households first, each one tap from the visit form', async () => {
    const overdue = await repos.visits.create(visitFields({ buildingId: BUILDING, householdId: H1, visitedAt: at('2026-11-20'), followUpOn: '2026-12-05' }), author)
    await repos.visits.create(visitFields({ buildingId: BUILDING, householdId: H2, visitedAt: at('2026-12-01'), followUpOn: '2026-12-20' }), author)
    const { wrapper } = await mountWithApp(WorklistView, { route: '/worklist' })

    await vi.waitFor(() => expect(links(wrapper, 'worklist-follow-ups')).toEqual([`/visits/new?follows=${overdue.id}`]))
    const followUp = section(wrapper, 'worklist-follow-ups').find('a')
    expect(followUp.text()).toContain('南门路115号之二 101')
    expect(followUp.text()).toContain('已过期')

    const due = links(wrapper, 'worklist-households')
    // Every household but the two visited within 30 days (neither has a shorter care interval); never-visited care households lead the list.
    expect(due).not.toContain(`/visits/new?householdId=${H1}`)
    expect(due).not.toContain(`/visits/new?householdId=${H2}`)
    expect(due).toHaveLength((await db.households.count()) - 2)
    const ids = due.map((href) => new URLSearchParams(href!.split('?')[1]).get('householdId')!)
    const firstPlain = ids.findIndex((id) => !careHouseholds.has(id))
    expect(firstPlain).toBeGreaterThan(0)
    expect(ids.slice(firstPlain).some((id) => careHouseholds.has(id))).toBe(false)
    const firstRow = section(wrapper, 'worklist-households').find('a')
    expect(firstRow.find('.worklist-row__tag').exists()).toBe(true)
    expect(firstRow.text()).toContain('还没走访过')
  })

  it('follows the community’s interval as the office changes it', async () => {
    await repos.visits.create(visitFields({ buildingId: BUILDING, householdId: H2, visitedAt: at('2026-12-01') }), author)
    const { wrapper } = await mountWithApp(WorklistView, { route: '/worklist' })
    await vi.waitFor(() => expect(links(wrapper, 'worklist-households').length).toBeGreaterThan(0))
    expect(links(wrapper, 'worklist-households')).not.toContain(`/visits/new?householdId=${H2}`)

    await db.communities.update('c-nanmen', { settings: { ...DEFAULT_COMMUNITY_SETTINGS, visitIntervalDays: 5 } })

    await vi.waitFor(() => expect(links(wrapper, 'worklist-households')).toContain(`/visits/new?householdId=${H2}`))
    const row = section(wrapper, 'worklist-households').findAll('a').find((a) => a.attributes('href')!.endsWith(H2))!
    expect(row.text()).toContain('过期 1 天')
    expect(row.text()).toContain('每 5 天走访一次')
  })

  it('shows a long list a page at a time and says how many remain', async () => {
    await db.households.bulkAdd(
      Array.from({ length: 60 }, (_, i) => ({ id: `extra-${i}`, buildingId: 'b-huanbei-8', entrance: '', unit: `${900 + i}`, floor: 9, area: null, occupancy: null })),
    )
    const total = await db.households.count()
    const { wrapper } = await mountWithApp(WorklistView, { route: '/worklist' })

    await vi.waitFor(() => expect(links(wrapper, 'worklist-households')).toHaveLength(50))
    const more = section(wrapper, 'worklist-households').find('button')
    expect(more.text()).toBe(`还有 ${total - 50} 条，点这里看`)
    await more.trigger('click')
    await vi.waitFor(() => expect(links(wrapper, 'worklist-households')).toHaveLength(total))
    expect(section(wrapper, 'worklist-households').text()).toContain('该走访了 ' + total)
  })
})

describe('the worklist on home', () => {
  it('counts what is overdue and due today, shows the first rows and links to the whole list', async () => {
    const overdue = await repos.visits.create(visitFields({ buildingId: BUILDING, householdId: H1, visitedAt: at('2026-11-20'), followUpOn: '2026-12-01' }), author)
    await repos.visits.create(visitFields({ buildingId: BUILDING, householdId: H2, visitedAt: at('2026-11-20'), followUpOn: TODAY }), author)
    const { wrapper } = await mountWithApp(HomeView)
    const summary = () => section(wrapper, 'home-worklist')

    await vi.waitFor(() => expect(summary().find('dl').exists()).toBe(true))
    const counts = summary().findAll('dl > div').map((d) => [d.find('dt').text(), d.find('dd').text()])
    const households = await db.households.count()
    expect(counts).toEqual([
      ['过期没回访', '1'],
      ['今天回访', '1'],
      ['该走访了', String(households - 2)],
    ])
    const hrefs = summary().findAll('a').map((a) => a.attributes('href'))
    expect(hrefs).toHaveLength(4)
    expect(hrefs[0]).toBe(`/visits/new?follows=${overdue.id}`)
    expect(hrefs[2]).toMatch(/^\/visits\/new\?householdId=/)
    expect(summary().findAll('a').at(-1)!.text()).toBe('看全部清单')
    expect(hrefs.at(-1)).toBe('/worklist')
  })
})

describe('a follow-up visit', () => {
  it('carries the household and topics over, links back to the visit it follows and closes its follow-up', async () => {
    const origin = await repos.visits.create(
      visitFields({ buildingId: BUILDING, householdId: H1, visitedAt: at('2026-11-20'), topics: ['pension_review', '加装电梯意见'], followUpOn: '2026-12-05' }),
      author,
    )
    const detail = await mountWithApp(VisitDetail, { props: { id: origin.id }, route: `/visits/${origin.id}` })
    const recordFollowUp = (root: VueWrapper) => root.findAll('button').find((b) => b.text() === '记回访')
    await vi.waitFor(() => expect(recordFollowUp(detail.wrapper)).toBeDefined())
    expect(detail.wrapper.find('.follow-up-badge').text()).toBe('已过期')
    await recordFollowUp(detail.wrapper)!.trigger('click')
    await vi.waitFor(() => expect(detail.router.currentRoute.value.fullPath).toBe(`/visits/new?follows=${origin.id}`))
    detail.wrapper.unmount()

    const { wrapper, router } = await mountWithApp(VisitEdit, { route: `/visits/new?follows=${origin.id}` })
    await vi.waitFor(() => expect(valueOf(wrapper, '住户')).toBe(H1))
    expect(wrapper.find('h1').text()).toBe('记回访')
    expect(wrapper.find('.van-checkbox[aria-checked="true"]').text()).toBe('粤省事养老金年审')
    expect(wrapper.find('.visit-form__chip').text()).toContain('加装电梯意见')
    const follows = wrapper.findAll('.van-cell').find((c) => c.text().startsWith('回访自'))!
    await vi.waitFor(() => expect(follows.text()).toContain('政策宣讲'))

    await wrapper.findAll('.van-radio').find((r) => r.text() === '收集民意')!.trigger('click')
    await wrapper.find('form').trigger('submit')

    await vi.waitFor(async () => expect(await db.visits.count()).toBe(2))
    const saved = (await db.visits.toArray()).find((v) => v.id !== origin.id)!
    expect(saved).toMatchObject({ followsVisitId: origin.id, householdId: H1, buildingId: BUILDING, topics: ['pension_review', '加装电梯意见'] })
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe(`/visits/${saved.id}`))
    expect(await db.drafts.get(`visit:follows:${origin.id}`)).toBeUndefined()
    expect((await readWorklist(db, TODAY)).followUps).toEqual([])

    const after = await mountWithApp(VisitDetail, { props: { id: saved.id }, route: `/visits/${saved.id}` })
    const back = () => after.wrapper.findAll('.van-cell').find((c) => c.text().startsWith('回访自'))
    await vi.waitFor(() => expect(back()?.text()).toContain('政策宣讲'))
    await back()!.trigger('click')
    await vi.waitFor(() => expect(after.router.currentRoute.value.path).toBe(`/visits/${origin.id}`))
    after.wrapper.unmount()
    const before = await mountWithApp(VisitDetail, { props: { id: origin.id }, route: `/visits/${origin.id}` })
    await vi.waitFor(() => expect(before.wrapper.find('.visit-detail__group').exists()).toBe(true))
    expect(recordFollowUp(before.wrapper)).toBeUndefined()
    // Its follow-up is done: the day stays, no longer marked overdue.
    expect(before.wrapper.find('.follow-up-badge').exists()).toBe(false)
  })

  it('keeps no link to the visit it followed once the leader picks another household', async () => {
    const origin = await repos.visits.create(visitFields({ buildingId: BUILDING, householdId: H1, visitedAt: at('2026-11-20'), followUpOn: '2026-12-05' }), author)
    const { wrapper } = await mountWithApp(VisitEdit, { route: `/visits/new?follows=${origin.id}` })
    await vi.waitFor(() => expect(valueOf(wrapper, '住户')).toBe(H1))
    await vi.waitFor(() => expect(wrapper.text()).toContain('回访自'))

    const household = wrapper.findAll('.van-field').find((f) => f.find('.van-field__label').text().trim() === '住户')!.find('select')
    await household.setValue(H2)

    await vi.waitFor(() => expect(wrapper.text()).not.toContain('回访自'))
    await vi.waitFor(async () => expect((await db.drafts.get(`visit:follows:${origin.id}`))?.data).toMatchObject({ householdId: H2, followsVisitId: null }), {
      timeout: 2000,
    })
  })
})
