import { beforeEach, describe, expect, it, vi } from 'vitest'
import { RouterView } from 'vue-router'
import { db } from '@/app/db/database'
import { useSync } from '@/app/stores/sync'
import { DOUBLE_USER } from '@/app/sync/transport-double'
import BuildingList from '@/app/features/households/BuildingList.vue'
import type { Household, Resident } from '@/domain'
import { mountWithApp } from './setup'

const household = (id: string, unit: string, floor: number): Household => ({ id, buildingId: 'b-1', entrance: '', unit, floor, area: null, occupancy: null })
const resident = (id: string, householdId: string, name: string, phone: string | null, movedOutAt: string | null = null): Resident => ({
  id,
  householdId,
  name,
  phone,
  birthYear: null,
  careTags: [],
  movedOutAt,
})

beforeEach(async () => {
  await db.buildings.put({ id: 'b-1', gridId: 'g-1', communityId: 'c-1', address: '南门路115号之二', name: '', floors: 7 })
  await db.households.bulkPut([household('h-302', '302', 3), household('h-501', '501', 5)])
  await db.residents.bulkPut([
    resident('r-1', 'h-302', '李秀英', '138-0013-8000'),
    resident('r-2', 'h-501', '陈伯', '13912345678'),
    resident('r-3', 'h-501', '张伟', '13700001111', '2026-10-01T00:00:00.000Z'),
  ])
})

describe('the household search above the buildings', () => {
  it('finds households by a resident’s phone digits or name, or by room, never puts the search in the address, and keeps it back from a household', async () => {
    // The router's view, so that back from a household mounts the list anew, as in the app.
    const { wrapper, router } = await mountWithApp(RouterView, { route: '/buildings' })
    const input = () => wrapper.get('input[type="search"]')
    await vi.waitFor(() => expect(input().attributes('aria-label')).toBe('搜房号、地址、姓名或电话'))
    await vi.waitFor(() => expect(wrapper.text()).toContain('南门路115号之二'))
    const rows = () => wrapper.findAll('.van-cell').map((r) => r.text())

    await input().setValue('13800138000')
    await vi.waitFor(() => expect(rows()).toEqual([expect.stringContaining('南门路115号之二 302')]))
    // Chromium keeps every address in the profile's history, in clear: a resident's number must not be there.
    expect(router.currentRoute.value.fullPath).toBe('/buildings')
    // Found by the stored number, shown masked as in every list.
    expect(rows()[0]).toContain('李秀英 138-****-8000')
    expect(rows()[0]).not.toContain('0013')
    await wrapper.get('.van-cell').trigger('click')
    await vi.waitFor(() => expect(router.currentRoute.value.fullPath).toBe('/households/h-302'))
    await router.back()
    await vi.waitFor(() => expect(rows()).toEqual([expect.stringContaining('李秀英 138-****-8000')]))
    expect((input().element as HTMLInputElement).value).toBe('13800138000')
    expect(router.currentRoute.value.fullPath).toBe('/buildings')

    await input().setValue('0013')
    await vi.waitFor(() => expect(rows()).toEqual([expect.stringContaining('李秀英 138-****-8000')]))

    await input().setValue('陈')
    await vi.waitFor(() => expect(rows()).toEqual([expect.stringContaining('501')]))

    await input().setValue('501')
    await vi.waitFor(() => expect(rows()).toEqual([expect.stringContaining('南门路115号之二 501')]))
    expect(router.currentRoute.value.query).toEqual({})
  })

  it('forgets the search at sign-out, so that whoever signs in next does not find it', async () => {
    await db.meta.put({ key: 'user', value: JSON.stringify(DOUBLE_USER) })
    const { wrapper } = await mountWithApp(BuildingList, { route: '/buildings' })
    const results = () => wrapper.find('[aria-label="搜索结果"]').exists()
    await vi.waitFor(() => expect(useSync().signedIn).toBe(true))

    await wrapper.get('input[type="search"]').setValue('陈')
    await vi.waitFor(() => expect(results()).toBe(true))
    await db.meta.delete('user')
    await vi.waitFor(() => expect(results()).toBe(false))
    expect(wrapper.text()).toContain('南门路115号之二')
  })

  it('never finds a resident who has moved out, and says when nothing matches', async () => {
    const { wrapper } = await mountWithApp(BuildingList, { route: '/buildings' })

    await wrapper.get('input[type="search"]').setValue('张伟')
    await vi.waitFor(() => expect(wrapper.text()).toContain('没找到，换个字试试'))
    expect(wrapper.findAll('.van-cell')).toHaveLength(0)
  })
})
