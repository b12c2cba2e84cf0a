import type { DOMWrapper } from '@vue/test-utils'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { repos } from '@/app/db'
import { db } from '@/app/db/database'
import { LOCAL_USER } from '@/app/db/device'
import { seedDemoIfEmpty } from '@/app/db/seed'
import BuildingDetail from '@/app/features/households/BuildingDetail.vue'
import MediationStart from '@/app/features/mediation/MediationStart.vue'
import MediationView from '@/app/features/mediation/MediationView.vue'
import { author } from '../fixtures'
import { mediationFields, mediationSession } from '../fixtures/mediation'
import { choiceButton, choiceGroup, errorOf, fieldLabelled } from './fields'
import { mountWithApp } from './setup'

/** The leader's mediation screens, offline: the building's cases, a new case, sessions, the outcome, 转为诉求. */

const BUILDING = 'b-nanmen-115-2'
const flat = (unit: string) => `${BUILDING}-${unit}`
/** This phone's leader (the session's author in tests). */
const me = { ...author, userId: LOCAL_USER }

beforeEach(async () => {
  await seedDemoIfEmpty(db)
})

describe('the building screen', () => {
  it('lists the building’s cases, open ones first, with their state', async () => {
    const settled = await repos.mediations.create(mediationFields({ buildingId: BUILDING, description: '楼道堆放杂物', kind: 'obstruction', outcome: 'settled', outcomeAt: '2026-11-21T02:00:00.000Z' }), me, new Date('2026-11-22T00:00:00.000Z'))
    await repos.mediations.create(mediationFields({ buildingId: BUILDING, description: '楼上漏水到楼下', kind: 'leak' }), me, new Date('2026-11-20T00:00:00.000Z'))
    const { wrapper } = await mountWithApp(BuildingDetail, { props: { buildingId: BUILDING }, route: `/buildings/${BUILDING}` })
    const items = () => wrapper.findAll('.mediation-entry .building-section__item')
    await vi.waitFor(() => expect(items()).toHaveLength(2))
    const lines = (item: DOMWrapper<Element>) => ['title', 'meta', 'state'].map((part) => item.find(`.building-section__${part}`).text())
    expect(items().map(lines)).toEqual([
      ['楼上漏水到楼下', '漏水', '调解中'],
      ['楼道堆放杂物', '占道/堆物', '调解成功'],
    ])
    expect(items()[1]!.attributes('href')).toBe(`/mediations/${settled.id}`)
  })
})

describe('a new case', () => {
  it('asks for two parties and what happened, in Chinese next to the fields, and keeps what was typed', async () => {
    const { wrapper, router } = await mountWithApp(MediationStart, { route: `/mediations/new?buildingId=${BUILDING}` })
    await vi.waitFor(() => expect(wrapper.find('.mediation-start__flat').exists()).toBe(true))
    await wrapper.findAll('.mediation-start__flat').find((b) => b.text() === '301')!.trigger('click')
    await wrapper.find('form').trigger('submit')
    await vi.waitFor(() => expect(wrapper.find('.mediation-start__parties .field-error').text()).toBe('至少要有两方当事人'))
    expect(errorOf(wrapper, '事情经过').text()).toBe('这一项要填')
    expect(wrapper.find('.choice-buttons').text()).toContain('请从列表里选一项')

    await choiceButton(choiceGroup(wrapper, '纠纷类型'), '噪音').trigger('click')
    await fieldLabelled(wrapper, '当事人姓名').find('input').setValue('隔壁单元王阿姨')
    await fieldLabelled(wrapper, '事情经过').find('textarea').setValue('楼上夜里跳绳，楼下睡不着')
    // What was typed is a draft until the case is saved.
    await vi.waitFor(async () => expect((await repos.drafts.load(`mediation:new:${BUILDING}`))?.data).toMatchObject({ description: '楼上夜里跳绳，楼下睡不着' }))
    await wrapper.find('form').trigger('submit')
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('mediation'))
    const saved = await db.mediations.get(String(router.currentRoute.value.params.id))
    expect(saved).toMatchObject({
      buildingId: BUILDING,
      kind: 'noise',
      parties: [{ householdId: flat('301'), name: '' }, { householdId: null, name: '隔壁单元王阿姨' }],
      sessions: [],
      outcome: null,
    })
    expect(await repos.drafts.load(`mediation:new:${BUILDING}`)).toBeUndefined()
  })
})

describe('a case', () => {
  it('takes a session and then its outcome with the agreement photo', async () => {
    const kept = await repos.mediations.create(mediationFields({ buildingId: BUILDING }), me)
    const { wrapper } = await mountWithApp(MediationView, { props: { id: kept.id }, route: `/mediations/${kept.id}` })
    await vi.waitFor(() => expect(wrapper.find('.mediation-view__form').exists()).toBe(true))
    await wrapper.find('.mediation-view__form').trigger('submit')
    await vi.waitFor(() => expect(errorOf(wrapper, '调解情况').text()).toBe('这一项要填'))
    await fieldLabelled(wrapper, '到场的人').find('input').setValue('双方、楼长')
    await fieldLabelled(wrapper, '调解情况').find('textarea').setValue('约定晚上十点后不跳绳')
    await wrapper.find('.mediation-view__form').trigger('submit')
    await vi.waitFor(() => expect(wrapper.findAll('.mediation-view__session')).toHaveLength(1))
    expect(wrapper.find('.mediation-view__session').text()).toContain('约定晚上十点后不跳绳')
    expect((await db.mediations.get(kept.id))!.sessions).toMatchObject([{ attendees: '双方、楼长', notes: '约定晚上十点后不跳绳' }])
    // The form is empty again for the next session, with nothing to complain of.
    expect((fieldLabelled(wrapper, '调解情况').find('textarea').element as HTMLTextAreaElement).value).toBe('')
    expect(errorOf(wrapper, '调解情况').exists()).toBe(false)

    const outcome = wrapper.findAll('.mediation-view__form')[1]!
    await choiceButton(choiceGroup(outcome, '调解结果'), '调解成功').trigger('click')
    await outcome.trigger('submit')
    await vi.waitFor(() => expect(wrapper.find('.mediation-view__state').text()).toContain('调解成功'))
    expect(await db.mediations.get(kept.id)).toMatchObject({ outcome: 'settled', outcomeAt: expect.any(String) })
    // Settled: nothing more to record, nothing to report.
    expect(wrapper.find('.mediation-view__form').exists()).toBe(false)
    expect(wrapper.find('.mediation-view__issue').exists()).toBe(false)
  })

  it('not settled, becomes a dispute report in one tap, opened for the leader to check, and says so after', async () => {
    const kept = await repos.mediations.create(mediationFields({ buildingId: BUILDING, sessions: [mediationSession({ notes: '双方各执一词' })] }), me)
    const { wrapper, router } = await mountWithApp(MediationView, { props: { id: kept.id }, route: `/mediations/${kept.id}` })
    await vi.waitFor(() => expect(wrapper.find('.mediation-view__issue button').exists()).toBe(true))
    await wrapper.find('.mediation-view__issue button').trigger('click')
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('issue-edit'))
    const issue = await db.issues.get(String(router.currentRoute.value.params.id))
    expect(issue).toMatchObject({
      buildingId: BUILDING,
      category: 'dispute',
      status: 'submitted',
      description: '矛盾纠纷调解未成：楼上夜里装修，楼下睡不着\n调解经过：双方各执一词',
      source: { mediationId: kept.id },
    })
    expect(issue!.location).toContain('陈国强')
    const again = await mountWithApp(MediationView, { props: { id: kept.id }, route: `/mediations/${kept.id}` })
    await vi.waitFor(() => expect(again.wrapper.find('.mediation-view__issued').attributes('href')).toBe(`/issues/${issue!.id}`))
  })

  it('is read-only to a leader who did not record it', async () => {
    const kept = await repos.mediations.create(mediationFields({ buildingId: BUILDING }), { ...author, userId: 'someone-else' })
    const { wrapper } = await mountWithApp(MediationView, { props: { id: kept.id }, route: `/mediations/${kept.id}` })
    await vi.waitFor(() => expect(wrapper.find('.mediation-view__note').text()).toBe('这个案件是别的楼长记的，只有记录的人能修改。'))
    expect(wrapper.find('.mediation-view__form').exists()).toBe(false)
  })
})
