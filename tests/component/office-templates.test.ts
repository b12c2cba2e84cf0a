import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { VueWrapper } from '@vue/test-utils'
import { db } from '@/app/db/database'
import { seedDemoIfEmpty } from '@/app/db/seed'
import OfficeTemplates from '@/app/features/office/templates/OfficeTemplates.vue'
import { demoTemplates } from '@/domain/demo'
import { mountWithApp } from './setup'

const first = [...demoTemplates].sort((a, b) => a.title.localeCompare(b.title, 'zh-CN'))[0]!

beforeEach(async () => {
  await seedDemoIfEmpty(db)
})

const buttonNamed = (wrapper: VueWrapper, name: string) => wrapper.findAll('button').find((b) => b.text() === name)

describe('the office’s checklist templates', () => {
  it('publishes the edited template as the next version, written with its outbox entry', async () => {
    const { wrapper } = await mountWithApp(OfficeTemplates, { route: '/office' })
    await vi.waitFor(() => expect(wrapper.findAll('.office-templates__choice')).toHaveLength(demoTemplates.length))
    await vi.waitFor(() => expect(wrapper.find('.template-editor input').exists()).toBe(true))
    expect(buttonNamed(wrapper, `发布第 ${first.version + 1} 版`)?.attributes('disabled')).toBeDefined()

    await wrapper.find('.template-editor input').setValue('楼道消防（新版）')
    const items = wrapper.findAll('.template-editor__item')
    await items[1]!.findAll('button').find((b) => b.text() === '上移')!.trigger('click')
    await buttonNamed(wrapper, `发布第 ${first.version + 1} 版`)!.trigger('click')

    await vi.waitFor(async () => expect(await db.outbox.count()).toBe(1))
    const [entry] = await db.outbox.toArray()
    expect(entry).toMatchObject({ table: 'templates', change: { kind: 'template.publish', template: { id: first.id, version: first.version + 1, title: '楼道消防（新版）' } } })
    const sent = entry!.record as typeof first
    expect(sent.items.map((i) => i.id)).toEqual([first.items[1]!.id, first.items[0]!.id, ...first.items.slice(2).map((i) => i.id)])
    expect(await db.templates.get([first.id, first.version + 1])).toEqual(sent)
    await vi.waitFor(() => expect(wrapper.text()).toContain(`已发布第 ${first.version + 1} 版`))
    // The first mount in a file loads Element Plus's components, which is slow on a busy machine.
  }, 30_000)

  it('shows what is missing next to the field and writes nothing', async () => {
    const { wrapper } = await mountWithApp(OfficeTemplates, { route: '/office' })
    await vi.waitFor(() => expect(wrapper.find('.template-editor input').exists()).toBe(true))
    await buttonNamed(wrapper, '新建模板')!.trigger('click')
    await vi.waitFor(() => expect(buttonNamed(wrapper, '发布第 1 版')).toBeDefined())
    await buttonNamed(wrapper, '发布第 1 版')!.trigger('click')

    await vi.waitFor(() => expect(wrapper.findAll('.el-form-item__error').map((e) => e.text())).toEqual(['这一项要填', '这一项要填']))
    expect(await db.outbox.count()).toBe(0)
  })
})
