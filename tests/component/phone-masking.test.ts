import { beforeEach, describe, expect, it, vi } from 'vitest'
import { db } from '@/app/db/database'
import HouseholdDetail from '@/app/features/households/HouseholdDetail.vue'
import OfficeResidents from '@/app/features/office/OfficeResidents.vue'
import type { Resident, User } from '@/domain'
import { mountWithApp } from './setup'

/* Residents' phone numbers are masked wherever residents are listed, and whole only after a tap on one. */

// Element Plus tables render slowly in happy-dom on a machine shared with other runs.
const SLOW = { timeout: 8000 }

const resident = (id: string, name: string, phone: string | null): Resident => ({ id, householdId: 'h-302', name, phone, birthYear: null, careTags: [], movedOutAt: null })

beforeEach(async () => {
  await db.buildings.put({ id: 'b-1', gridId: 'g-1', communityId: 'c-1', address: '南门路115号之二', name: '', floors: 7 })
  await db.households.put({ id: 'h-302', buildingId: 'b-1', entrance: '', unit: '302', floor: 3, area: null, occupancy: null })
  await db.residents.bulkPut([resident('r-1', '谭锦成', '13810308841'), resident('r-2', '谭婆婆', '0750-5551234'), resident('r-3', '谭小明', null)])
})

describe('a household’s residents on the phone', () => {
  it('shows each number masked until it is tapped, then the whole number and 拨打 as a tel: link', async () => {
    const { wrapper } = await mountWithApp(HouseholdDetail, { props: { householdId: 'h-302' }, route: '/households/h-302' })
    await vi.waitFor(() => expect(wrapper.text()).toContain('谭锦成'))

    expect(wrapper.text()).toContain('138****8841')
    expect(wrapper.text()).toContain('075*-***1234')
    expect(wrapper.text()).not.toContain('13810308841')
    expect(wrapper.find('a[href^="tel:"]').exists()).toBe(false)
    // One button per resident with a number; none for the one without.
    const buttons = wrapper.findAll('button.household__reveal')
    expect(buttons.map((b) => b.attributes('aria-label'))).toEqual(['看谭锦成的电话号码', '看谭婆婆的电话号码'])

    await buttons[0]!.trigger('click')
    await vi.waitFor(() => expect(wrapper.text()).toContain('13810308841'))
    const call = wrapper.get('a[href^="tel:"]')
    expect(call.attributes('href')).toBe('tel:13810308841')
    expect(call.text()).toBe('拨打')
    expect(call.attributes('aria-label')).toBe('打电话给谭锦成：13810308841')
    expect(document.activeElement).toBe(call.element)
    // The other resident's number stays masked.
    expect(wrapper.text()).toContain('075*-***1234')
    expect(wrapper.findAll('a[href^="tel:"]')).toHaveLength(1)
  })
})

describe('the residents list in the office workspace', { timeout: 30_000 }, () => {
  const office: User = { id: 'u-office1', username: 'office1', displayName: '社区办公室', role: 'office', communityId: 'c-1', buildingIds: [] }
  beforeEach(async () => {
    await db.meta.bulkPut([
      { key: 'user', value: JSON.stringify(office) },
      { key: 'userId', value: office.id },
    ])
  })

  it('shows numbers masked, finds a resident by the digits it hides, and shows one number whole on a click', async () => {
    const { wrapper, router } = await mountWithApp(OfficeResidents, { route: '/office/residents?tab=residents' })
    const rows = () => wrapper.findAll('.office-residents__table tbody tr').map((tr) => tr.findAll('td').map((td) => td.text()))
    await vi.waitFor(() => expect(wrapper.find('.office-residents__search input').exists()).toBe(true), SLOW)
    await wrapper.get('.office-residents__search input').setValue('1030')

    await vi.waitFor(() => expect(rows()).toEqual([['谭锦成', '138****8841 显示', '南门路115号之二', '302']]), SLOW)
    expect(wrapper.text()).not.toContain('13810308841')
    // Never in the address, which Chromium keeps in the profile's history in clear.
    expect(router.currentRoute.value.query).toEqual({ tab: 'residents' })

    await wrapper.get('.office-residents__table tbody button').trigger('click')
    await vi.waitFor(() => expect(rows()).toEqual([['谭锦成', '13810308841', '南门路115号之二', '302']]), SLOW)
  })
})
