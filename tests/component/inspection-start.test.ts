import { beforeEach, describe, expect, it, vi } from 'vitest'
import { repos } from '@/app/db'
import { db } from '@/app/db/database'
import { seedDemoIfEmpty } from '@/app/db/seed'
import InspectionStart from '@/app/features/inspections/InspectionStart.vue'
import { template } from '../fixtures'
import { buttonNamed, choose } from './fields'
import { mountWithApp } from './setup'

beforeEach(async () => {
  await seedDemoIfEmpty(db)
})

describe('starting an inspection', () => {
  it('follows the newest version of the checklist on the phone', async () => {
    const next = { ...template, version: template.version + 1, title: `${template.title}（新版）`, publishedAt: '2026-12-03T08:00:00.000Z' }
    await repos.templates.publish(next)
    const { wrapper, router } = await mountWithApp(InspectionStart, { route: '/inspections/new' })
    await vi.waitFor(() => expect(wrapper.find('form').exists()).toBe(true))
    await choose(wrapper, '巡查楼栋', 'b-nanmen-115-2')
    await choose(wrapper, '巡查表', template.id)
    await buttonNamed(wrapper, '开始巡查').trigger('click')

    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('inspection'))
    const started = await db.inspections.get(String(router.currentRoute.value.params.id))
    expect(started).toMatchObject({ templateId: template.id, templateVersion: next.version })
  })
})
