import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { BuildingSummary, type User } from '@/domain'
import { db } from '@/app/db/database'
import { createOfficeApi, setOfficeApi } from '@/app/features/office/api'
import OfficeLayout from '@/app/features/office/OfficeLayout.vue'
import OfficeResidents from '@/app/features/office/OfficeResidents.vue'
import { useOfficeCommunity } from '@/app/features/office/useOfficeCommunity'
import { mountWithApp } from './setup'

/*
 * An admin belongs to no community: its sync brings only the list of communities, and the server refuses its
 * template changes. The workspace shows it the pages that work online, and lands it on one of them.
 */

const SLOW = { timeout: 8000 }
const SERVER = 'https://doorstep.example'
const admin: User = { id: 'u-chief', username: 'chief', displayName: '街道管理员', role: 'admin', communityId: null, buildingIds: [] }

const buildings = [
  BuildingSummary.parse({ id: 'b-nanmen-115-2', gridId: 'g-1', address: '南门路115号之二', name: '', households: 12, residents: 30, leaders: [] }),
  BuildingSummary.parse({ id: 'b-qiaohu-32', gridId: 'g-1', address: '桥湖街32号', name: '老楼', households: 8, residents: 20, leaders: [] }),
]

/** The server's buildings route for 南门社区, and an empty answer to anything else the pages ask. */
function serverDouble() {
  const paths: string[] = []
  const fetch = vi.fn(async (input: RequestInfo | URL) => {
    const path = new URL(String(input)).pathname.replace(/^\/api\/v1/, '')
    paths.push(path)
    return new Response(JSON.stringify(path === '/communities/c-nanmen/buildings' ? buildings : []), { headers: { 'content-type': 'application/json' } })
  })
  setOfficeApi(createOfficeApi({ session: async () => ({ serverUrl: SERVER, token: 'admin-token' }), fetch }))
  return paths
}

beforeEach(async () => {
  await db.meta.bulkPut([
    { key: 'user', value: JSON.stringify(admin) },
    { key: 'userId', value: admin.id },
  ])
})
afterEach(() => {
  setOfficeApi(undefined)
  localStorage.clear()
})

describe('the workspace for an admin', { timeout: 30_000 }, () => {
  it('offers only 社区, 人员, 楼栋住户, 走访覆盖, 设备, 月报导出 and 审计记录, and lands on 社区 until a community is picked, then on 人员', async () => {
    serverDouble()
    const first = await mountWithApp(OfficeLayout, { route: '/office' })
    await vi.waitFor(() => expect(first.router.currentRoute.value.path).toBe('/office/communities'), SLOW)
    expect(first.wrapper.find('nav').findAll('.el-menu-item').map((item) => item.text())).toEqual(['社区', '人员', '楼栋住户', '走访覆盖', '设备', '月报导出', '审计记录'])
    first.wrapper.unmount()

    useOfficeCommunity().pick({ id: 'c-nanmen', name: '南门社区' })
    const second = await mountWithApp(OfficeLayout, { route: '/office/templates' })
    await vi.waitFor(() => expect(second.router.currentRoute.value.path).toBe('/office/people'), SLOW)
  })

  it('shows the buildings as the server counts them and the roster import, and says who handles residents', async () => {
    const paths = serverDouble()
    useOfficeCommunity().pick({ id: 'c-nanmen', name: '南门社区' })
    const { wrapper } = await mountWithApp(OfficeResidents, { route: '/office/residents' })

    const rows = () => wrapper.findAll('.office-residents__table tbody tr').map((tr) => tr.findAll('td').map((td) => td.text()))
    await vi.waitFor(() => expect(rows()).toEqual([['南门路115号之二', '12', '30'], ['桥湖街32号 · 老楼', '8', '20']]), SLOW)
    expect(paths).toContain('/communities/c-nanmen/buildings')
    expect(wrapper.findAll('.el-tabs__item').map((tab) => tab.text())).toEqual(['楼栋', '导入花名册'])
    expect(wrapper.text()).toContain('诉求和居民名单由社区办公室的账号管理')
  })
})
