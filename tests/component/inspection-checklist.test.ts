import type { DOMWrapper, VueWrapper } from '@vue/test-utils'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { repos } from '@/app/db'
import { db } from '@/app/db/database'
import { seedDemoIfEmpty } from '@/app/db/seed'
import InspectionChecklist from '@/app/features/inspections/InspectionChecklist.vue'
import { author, inspectionFields, template } from '../fixtures'
import { buttonNamed, choiceButton, fieldLabelled } from './fields'
import { mountWithApp } from './setup'

beforeEach(async () => {
  await seedDemoIfEmpty(db)
})

async function openChecklist(fields = inspectionFields()) {
  const inspection = await repos.inspections.create(fields, author)
  const mounted = await mountWithApp(InspectionChecklist, { props: { id: inspection.id }, route: `/inspections/${inspection.id}` })
  await vi.waitFor(() => expect(mounted.wrapper.findAll('[data-item-id]')).toHaveLength(template.items.length))
  return { ...mounted, inspection }
}

const item = (wrapper: VueWrapper, id: string): DOMWrapper<Element> => wrapper.find(`[data-item-id="${id}"]`)
const answer = (wrapper: VueWrapper, id: string, result: '合格' | '不合格' | '不涉及') =>
  choiceButton(item(wrapper, id), result).trigger('click')
const progressText = (wrapper: VueWrapper) => wrapper.find('.checklist__progress').text()

describe('the inspection checklist', () => {
  it('counts each answered item in the progress', async () => {
    const { wrapper } = await openChecklist()
    expect(progressText(wrapper)).toBe('已查 0/6')

    await answer(wrapper, 'exit-clear', '合格')
    expect(progressText(wrapper)).toBe('已查 1/6')
    await answer(wrapper, 'window', '不合格')
    await answer(wrapper, 'hydrant', '不涉及')
    expect(progressText(wrapper)).toBe('已查 3/6')
    // Changing an answer does not count the item twice.
    await answer(wrapper, 'window', '合格')
    expect(progressText(wrapper)).toBe('已查 3/6')
    expect(choiceButton(item(wrapper, 'window'), '合格').attributes('aria-pressed')).toBe('true')
    expect(choiceButton(item(wrapper, 'window'), '不合格').attributes('aria-pressed')).toBe('false')
  })

  it('offers 报诉求 only on a failed item, and saves before opening the prefilled report form', async () => {
    const { wrapper, router, inspection } = await openChecklist()
    await answer(wrapper, 'exit-sign', '合格')
    expect(item(wrapper, 'exit-sign').text()).not.toContain('报诉求')

    await answer(wrapper, 'exit-clear', '不合格')
    await fieldLabelled(item(wrapper, 'exit-clear'), '备注').find('textarea').setValue('三楼楼梯口堆了纸箱')
    await buttonNamed(item(wrapper, 'exit-clear'), '报诉求').trigger('click')

    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('issue-new'))
    expect(router.currentRoute.value.query).toEqual({ inspectionId: inspection.id, itemId: 'exit-clear' })
    // The report form prefills from the stored inspection, so the answer must be there first.
    const stored = await db.inspections.get(inspection.id)
    expect(stored?.answers['exit-clear']).toEqual({ result: 'fail', note: '三楼楼梯口堆了纸箱', photos: [] })
  })

  it('saves the answers on 保存 and keeps the inspection open', async () => {
    const { wrapper, inspection } = await openChecklist()
    await answer(wrapper, 'exit-clear', '合格')
    await answer(wrapper, 'window', '不合格')
    await fieldLabelled(item(wrapper, 'window'), '备注').find('textarea').setValue('二楼窗玻璃裂了')

    await buttonNamed(wrapper, '保存').trigger('click')

    await vi.waitFor(() => expect(wrapper.text()).toContain('已保存在手机上'))
    const stored = await db.inspections.get(inspection.id)
    expect(stored?.answers['exit-clear']?.result).toBe('pass')
    expect(stored?.answers.window).toEqual({ result: 'fail', note: '二楼窗玻璃裂了', photos: [] })
    expect(stored?.completedAt).toBeNull()
    // One entry for the new inspection, one for the saved answers.
    expect(await db.outbox.where('recordId').equals(inspection.id).count()).toBe(2)
  })

  it('keeps drafting answers given after a save, so that they survive the app being killed', async () => {
    const { wrapper, inspection } = await openChecklist()
    await answer(wrapper, 'exit-clear', '合格')
    await buttonNamed(wrapper, '保存').trigger('click')
    await vi.waitFor(() => expect(wrapper.text()).toContain('已保存在手机上'))
    expect(await db.drafts.get(`inspection:${inspection.id}`)).toBeUndefined()

    await answer(wrapper, 'hydrant', '不合格')

    await vi.waitFor(
      async () => {
        const draft = await db.drafts.get(`inspection:${inspection.id}`)
        expect(draft?.data).toMatchObject({ answers: { hydrant: { result: 'fail' }, 'exit-clear': { result: 'pass' } } })
      },
      { timeout: 2000 },
    )
  })

  it('finishes only once every item has a result, then opens the summary', async () => {
    const { wrapper, router, inspection } = await openChecklist()
    for (const { id } of template.items.slice(1)) await answer(wrapper, id, '合格')

    await buttonNamed(wrapper, '完成巡查').trigger('click')
    await vi.waitFor(() => expect(wrapper.find('[role="alert"]').text()).toContain('还有 1 项没选结果'))
    expect((await db.inspections.get(inspection.id))?.completedAt).toBeNull()

    await answer(wrapper, template.items[0]!.id, '不涉及')
    await buttonNamed(wrapper, '完成巡查').trigger('click')

    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('inspection-summary'))
    expect((await db.inspections.get(inspection.id))?.completedAt).toEqual(expect.any(String))
  })
})
