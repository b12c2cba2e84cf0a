import { beforeEach, describe, expect, it, vi } from 'vitest'
import { repos } from '@/app/db'
import { db } from '@/app/db/database'
import { seedDemoIfEmpty } from '@/app/db/seed'
import VisitEdit from '@/app/features/visits/VisitEdit.vue'
import { choose, errorOf, fieldLabelled, valueOf } from './fields'
import { mountWithApp } from './setup'

const BUILDING = 'b-nanmen-115-2'
const HOUSEHOLD = 'b-nanmen-115-2-101'

beforeEach(async () => {
  await seedDemoIfEmpty(db)
})

async function openNewVisit(route = '/visits/new') {
  const mounted = await mountWithApp(VisitEdit, { route })
  await vi.waitFor(() => expect(mounted.wrapper.find('form').exists()).toBe(true))
  return mounted
}

describe('the visit form', () => {
  it('shows Chinese messages beside the missing fields on an empty submit and writes nothing', async () => {
    const { wrapper } = await openNewVisit()

    await wrapper.find('form').trigger('submit')

    await vi.waitFor(() => expect(wrapper.find('[role="alert"]').text()).toBe('有几项没填好，请看红字提示。'))
    expect(errorOf(wrapper, '楼栋').text()).toBe('这一项要填')
    expect(errorOf(wrapper, '住户').text()).toBe('这一项要填')
    expect(errorOf(wrapper, '走访目的').text()).toBe('请从列表里选一项')
    // The time defaults to now, so it has nothing to complain about.
    expect(errorOf(wrapper, '走访时间').exists()).toBe(false)
    expect(await db.visits.count()).toBe(0)
    expect(await db.outbox.count()).toBe(0)
  })

  it('autosaves what is typed as a draft that comes back when the form is opened again', async () => {
    const first = await openNewVisit()
    await first.wrapper.find('textarea[name="needs"]').setValue('想办粤省事养老金年审')

    await vi.waitFor(async () => expect((await db.drafts.get('visit:new'))?.data).toMatchObject({ needs: '想办粤省事养老金年审' }), {
      timeout: 2000,
    })
    first.wrapper.unmount()

    const { wrapper } = await openNewVisit()
    await vi.waitFor(() => expect(valueOf(wrapper, '发现的需求')).toBe('想办粤省事养老金年审'))
    expect(wrapper.find('[role="status"]').text()).toContain('上次没填完的内容已恢复')
  })

  it('opened from a household, starts with its building and household chosen', async () => {
    const { wrapper } = await openNewVisit(`/visits/new?householdId=${HOUSEHOLD}`)

    await vi.waitFor(() => {
      expect(valueOf(wrapper, '楼栋')).toBe(BUILDING)
      expect(valueOf(wrapper, '住户')).toBe(HOUSEHOLD)
    })
  })

  it('saves a valid visit with one outbox entry, removes the draft and shows the visit', async () => {
    const { wrapper, router } = await openNewVisit()
    await choose(wrapper, '楼栋', BUILDING)
    await choose(wrapper, '住户', HOUSEHOLD)
    const met = fieldLabelled(wrapper, '见到谁')
    await vi.waitFor(() => expect(met.findAll('.van-checkbox').length).toBeGreaterThan(0))
    await met.find('.van-checkbox').trigger('click')
    const purpose = wrapper.findAll('.van-radio').find((r) => r.text() === '政策宣讲')!
    await purpose.trigger('click')
    await wrapper.find('textarea[name="needs"]').setValue('腿脚不方便，想上门办年审')
    await vi.waitFor(async () => expect(await db.drafts.get('visit:new')).toBeDefined(), { timeout: 2000 })

    await wrapper.find('form').trigger('submit')

    await vi.waitFor(async () => expect(await db.visits.count()).toBe(1))
    const [visit] = await db.visits.toArray()
    const resident = (await db.residents.where('householdId').equals(HOUSEHOLD).toArray()).map((r) => r.id)
    expect(visit).toMatchObject({
      buildingId: BUILDING,
      householdId: HOUSEHOLD,
      purpose: 'policy_promotion',
      needs: '腿脚不方便，想上门办年审',
      followUpOn: null,
    })
    expect(visit!.residentIds).toHaveLength(1)
    expect(resident).toContain(visit!.residentIds[0])
    const outbox = await db.outbox.toArray()
    expect(outbox).toHaveLength(1)
    expect(outbox[0]).toMatchObject({ table: 'visits', recordId: visit!.id, change: { kind: 'put' } })
    await vi.waitFor(async () => expect(await db.drafts.get('visit:new')).toBeUndefined())
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe(`/visits/${visit!.id}`))
  })
})

describe('editing a visit', () => {
  it('saves the change as a new outbox entry and keeps its draft under the visit id until then', async () => {
    const saved = await repos.visits.create(
      {
        buildingId: BUILDING,
        householdId: HOUSEHOLD,
        visitedAt: '2025-03-05T06:30:00.000Z',
        purpose: 'opinion_collection',
        topics: ['renovation'],
        residentIds: [],
        othersMet: '',
        needs: '',
        outcome: '',
        followUpOn: null,
        followsVisitId: null,
        photos: [],
      },
      { userId: 'u1', deviceId: 'd1' },
    )
    const { wrapper } = await mountWithApp(VisitEdit, { props: { id: saved.id }, route: `/visits/${saved.id}/edit` })
    await vi.waitFor(() => expect(wrapper.find('.van-radio[aria-checked="true"]').text()).toBe('收集民意'))

    await wrapper.find('textarea[name="outcome"]').setValue('已转告网格员')
    await vi.waitFor(async () => expect(await db.drafts.get(`visit:${saved.id}`)).toBeDefined(), { timeout: 2000 })
    await wrapper.find('form').trigger('submit')

    await vi.waitFor(async () => expect((await db.visits.get(saved.id))?.outcome).toBe('已转告网格员'))
    expect(await db.visits.count()).toBe(1)
    expect((await db.outbox.toArray()).map((e) => e.recordId)).toEqual([saved.id, saved.id])
    await vi.waitFor(async () => expect(await db.drafts.get(`visit:${saved.id}`)).toBeUndefined())
  })
})
