import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { AuditPage, CommunitySummary, type User } from '@/domain'
import { db } from '@/app/db/database'
import { createOfficeApi, setOfficeApi } from '@/app/features/office/api'
import OfficeAudit from '@/app/features/office/audit/OfficeAudit.vue'
import { mountWithApp } from './setup'

/*
 * 审计记录: the admin reads who read, exported or imported residents' data, in words, filtered and paged by the
 * server; the filters live in the address.
 */

const SLOW = { timeout: 8000 }
const admin: User = { id: 'u-chief', username: 'chief', displayName: '街道管理员', role: 'admin', communityId: null, buildingIds: [] }
const COMMUNITIES = [CommunitySummary.parse({ id: 'c-nanmen', name: '南门社区', settings: {}, buildings: 3, households: 32, residents: 64, accounts: 4 })]
const PAGE = AuditPage.parse({
  total: 120,
  events: [
    {
      id: 'e-2',
      at: '2026-11-25T02:05:00.000Z',
      actorId: 'u-office1',
      actorName: '社区小李',
      actorRole: 'office',
      communityId: 'c-nanmen',
      action: 'export.visits',
      target: 'c-nanmen',
      targetName: '南门社区',
      rows: 37,
      detail: { format: 'xlsx', from: '2026-11-01', to: null, buildingId: null, status: null, category: null },
    },
    {
      id: 'e-1',
      at: '2026-11-25T02:00:00.000Z',
      actorId: 'u-office1',
      actorName: '社区小李',
      actorRole: 'office',
      communityId: 'c-nanmen',
      action: 'device.revoke',
      target: 'd-lost-phone',
      targetName: '陈伯 · 红米手机',
      rows: null,
      detail: { mode: 'wipe', account: 'u-leader1' },
    },
  ],
})

function serverDouble(audit: () => Response = () => json(PAGE)) {
  const asked: URL[] = []
  const fetch = vi.fn(async (input: RequestInfo | URL) => {
    const url = new URL(String(input))
    asked.push(url)
    return url.pathname.endsWith('/audit') ? audit() : json(COMMUNITIES)
  })
  setOfficeApi(createOfficeApi({ session: async () => ({ serverUrl: 'https://doorstep.example', token: 'admin-token' }), fetch }))
  /** The query of each audit request, in order. */
  return () => asked.filter((url) => url.pathname.endsWith('/audit')).map((url) => Object.fromEntries(url.searchParams))
}
const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

beforeEach(async () => {
  await db.meta.bulkPut([
    { key: 'user', value: JSON.stringify(admin) },
    { key: 'userId', value: admin.id },
  ])
})
afterEach(() => setOfficeApi(undefined))

describe('the audit page', { timeout: 30_000 }, () => {
  it('lists the events in words: who, what, which community, how many rows and the filters used', async () => {
    const audits = serverDouble()
    const { wrapper } = await mountWithApp(OfficeAudit, { route: '/office/audit' })
    const rows = () => wrapper.findAll('.office-audit__table tbody tr')
    await vi.waitFor(() => expect(rows()).toHaveLength(2), SLOW)
    expect(audits()).toEqual([{ page: '1', pageSize: '50' }])

    const cells = (row: number) => rows()[row]!.findAll('td').map((td) => td.text())
    expect(cells(0).slice(1)).toEqual(['社区小李社区工作人员', '导出走访记录', '南门社区', '南门社区', '37', '格式：xlsx；从：2026-11-01'])
    expect(cells(1).slice(1)).toEqual(['社区小李社区工作人员', '手机退出或清除', '南门社区', '陈伯 · 红米手机', '', '方式：清除数据；账号：u-leader1'])
    expect(wrapper.find('.office-audit__pages').text()).toContain('120')
  })

  it('asks the server with the filters of the address, narrows to a person on a click, and starts again from page 1', async () => {
    const audits = serverDouble()
    const { wrapper, router } = await mountWithApp(OfficeAudit, { route: '/office/audit?action=export.visits&from=2026-11-01&to=2026-11-30&community=c-nanmen&page=2' })
    await vi.waitFor(() => expect(wrapper.findAll('.office-audit__table tbody tr')).toHaveLength(2), SLOW)
    expect(audits()[0]).toEqual({ page: '2', pageSize: '50', action: 'export.visits', from: '2026-11-01', to: '2026-11-30', communityId: 'c-nanmen' })
    expect(wrapper.find('.office-audit__action').text()).toContain('导出走访记录')
    expect(wrapper.find('.office-audit__community').text()).toContain('南门社区')

    await wrapper.find('.office-audit__who').trigger('click')
    await vi.waitFor(() => expect(audits().at(-1)).toMatchObject({ page: '1', actorId: 'u-office1', action: 'export.visits' }), SLOW)
    expect(router.currentRoute.value.query).toMatchObject({ actor: 'u-office1' })
    expect(router.currentRoute.value.query.page).toBeUndefined()
    await vi.waitFor(() => expect(wrapper.find('.office-audit__actor').text()).toBe('只看 社区小李'), SLOW)

    await wrapper.find('.office-audit__actor .el-tag__close').trigger('click')
    await vi.waitFor(() => expect(audits().at(-1)!.actorId).toBeUndefined(), SLOW)
    expect(wrapper.find('.office-audit__actor').exists()).toBe(false)
  })

  it('leaves out a filter the address garbles, and says so when the server refuses', async () => {
    const audits = serverDouble(() => json({ error: 'forbidden', message: 'Only an admin reads the audit.' }, 403))
    const { wrapper } = await mountWithApp(OfficeAudit, { route: '/office/audit?action=residents.delete&from=yesterday' })
    await vi.waitFor(() => expect(wrapper.find('.office-page__alert').exists()).toBe(true), SLOW)
    expect(audits()[0]).toEqual({ page: '1', pageSize: '50' })
    expect(wrapper.find('.office-audit__table').text()).toContain('没有符合条件的记录')
  })
})
