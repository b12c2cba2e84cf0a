import { beforeEach, describe, expect, it, vi } from 'vitest'
import { repos } from '@/app/db'
import { db } from '@/app/db/database'
import { seedDemoIfEmpty } from '@/app/db/seed'
import InspectionSummary from '@/app/features/inspections/InspectionSummary.vue'
import { author, inspectionFields, issueFields } from '../fixtures'
import { buttonNamed } from './fields'
import { mountWithApp } from './setup'

beforeEach(async () => {
  await seedDemoIfEmpty(db)
})

const failed = (note: string) => ({ result: 'fail' as const, note, photos: [] })
const passed = { result: 'pass' as const, note: '', photos: [] }

describe('the inspection summary', () => {
  it('counts the results and shows which failed items already became a report', async () => {
    const inspection = await repos.inspections.create(
      inspectionFields({
        completedAt: '2026-11-20T03:30:00.000Z',
        answers: { 'exit-clear': failed('楼梯口堆了纸箱'), window: failed('二楼窗玻璃裂了'), hydrant: passed },
      }),
      author,
    )
    await repos.issues.create(issueFields({ source: { inspectionId: inspection.id, itemId: 'window' } }), author)

    const { wrapper, router } = await mountWithApp(InspectionSummary, {
      props: { id: inspection.id },
      route: `/inspections/${inspection.id}/summary`,
    })

    await vi.waitFor(() => expect(wrapper.findAll('[data-item-id]')).toHaveLength(2))
    expect(wrapper.find('.inspection-summary__head').text()).toContain('有问题')
    expect(wrapper.find('[data-count="fail"]').text()).toBe('2不合格')
    expect(wrapper.find('[data-count="pass"]').text()).toBe('1合格')
    expect(wrapper.find('[data-count="open"]').text()).toBe('3未查')
    const windowItem = wrapper.find('[data-item-id="window"]')
    await vi.waitFor(() => expect(windowItem.text()).toContain('已报诉求：已上报'))
    expect(windowItem.findAll('button')).toHaveLength(0)
    const exitItem = wrapper.find('[data-item-id="exit-clear"]')
    expect(exitItem.text()).toContain('楼梯口堆了纸箱')

    await buttonNamed(exitItem, '转为诉求').trigger('click')

    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('issue-new'))
    expect(router.currentRoute.value.query).toEqual({ inspectionId: inspection.id, itemId: 'exit-clear' })
  })
})
