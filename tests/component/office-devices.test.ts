import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DeviceStanding, type User } from '@/domain'
import { db } from '@/app/db/database'
import { createOfficeApi, setOfficeApi } from '@/app/features/office/api'
import OfficeDevices from '@/app/features/office/devices/OfficeDevices.vue'
import { mountWithApp } from './setup'

/*
 * 设备: the community's phones as the server last heard from them, the ones worth a call first and marked,
 * with what waits on each phone and since when.
 */

const SLOW = { timeout: 8000 }
const office: User = { id: 'u-office1', username: 'office1', displayName: '社区小李', role: 'office', communityId: 'c-nanmen', buildingIds: [] }
const HOUR = 60 * 60_000
const ago = (ms: number) => new Date(Date.now() - ms).toISOString()

function standing(fields: Partial<DeviceStanding> & Pick<DeviceStanding, 'deviceId' | 'displayName'>): DeviceStanding {
  return DeviceStanding.parse({
    name: '手机',
    userId: `u-${fields.deviceId}`,
    role: 'leader',
    phone: null,
    createdAt: ago(30 * 24 * HOUR),
    lastSeenAt: ago(HOUR),
    revokedAt: null,
    health: null,
    flags: [],
    ...fields,
  })
}
const health = (fields: Partial<NonNullable<DeviceStanding['health']>> = {}) => ({
  appVersion: '1.4.0',
  outboxSize: 0,
  oldestUnsentAt: null,
  storagePersisted: true,
  storageUsedBytes: 12 * 1024 * 1024,
  lastFullSyncAt: ago(HOUR),
  reportedAt: ago(HOUR),
  ...fields,
})

const DEVICES = [
  standing({ deviceId: 'fine', displayName: '陈伯', health: health() }),
  standing({ deviceId: 'silent', displayName: '黄姨', lastSeenAt: ago(5 * 24 * HOUR), health: health({ lastFullSyncAt: ago(5 * 24 * HOUR) }), flags: ['silent'] }),
  standing({
    deviceId: 'holding',
    displayName: '李叔',
    phone: '13800138000',
    health: health({ outboxSize: 7, oldestUnsentAt: ago(3 * 24 * HOUR + HOUR), storagePersisted: false, lastFullSyncAt: ago(4 * 24 * HOUR) }),
    flags: ['holding'],
  }),
  standing({ deviceId: 'old-app', displayName: '周姐', name: '旧手机', lastSeenAt: ago(2 * HOUR) }),
  standing({ deviceId: 'gone', displayName: '陈伯', name: '丢了的手机', lastSeenAt: ago(40 * 24 * HOUR), revokedAt: ago(39 * 24 * HOUR) }),
]

function serverDouble(answer: () => Response) {
  const paths: string[] = []
  const fetch = vi.fn(async (input: RequestInfo | URL) => {
    paths.push(new URL(String(input)).pathname.replace(/^\/api\/v1/, ''))
    return answer()
  })
  setOfficeApi(createOfficeApi({ session: async () => ({ serverUrl: 'https://doorstep.example', token: 'office-token' }), fetch }))
  return paths
}
const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

beforeEach(async () => {
  await db.meta.bulkPut([
    { key: 'user', value: JSON.stringify(office) },
    { key: 'userId', value: office.id },
  ])
})
afterEach(() => setOfficeApi(undefined))

describe('the devices page', { timeout: 30_000 }, () => {
  it('lists the phones worth a call first, marked, with what waits on them; signed-out phones only when asked', async () => {
    const paths = serverDouble(() => json(DEVICES))
    const { wrapper } = await mountWithApp(OfficeDevices, { route: '/office/devices' })
    const rows = () => wrapper.findAll('.office-devices__table tbody tr')
    const names = () => rows().map((tr) => tr.find('.office-devices__name').text())

    // Holding changes before silent; the rest by the longest since last contact (周姐 two hours, 陈伯 one).
    await vi.waitFor(() => expect(names()).toEqual(['李叔', '黄姨', '周姐', '陈伯']), SLOW)
    expect(paths).toEqual(['/communities/c-nanmen/devices'])
    expect(rows().map((tr) => tr.classes('office-devices__row--flagged'))).toEqual([true, true, false, false])

    const cells = (i: number) => rows()[i]!.findAll('td').map((td) => td.text().replace(/\s+/g, ' '))
    const holding = cells(0)
    // The leader to call, with the number the office entered on 人员 (none entered: no link).
    expect(rows()[0]!.find('a[href="tel:13800138000"]').text()).toBe('13800138000')
    expect(rows()[1]!.find('a[href^="tel:"]').exists()).toBe(false)
    expect(holding[2]).toBe('有记录没传上去')
    expect(holding[5]).toBe('7 条 最早的 3天前')
    expect(holding[6]).toBe('1.4.0')
    expect(holding[7]).toBe('12 MB · 可能被浏览器清理')
    expect(cells(1)[2]).toBe('长时间没同步')
    expect(cells(3)[5]).toBe('没有')
    expect(cells(3)[7]).toBe('12 MB · 已锁定')
    // An older app never reports: the page says so rather than showing blanks as if all were well.
    expect(cells(2)[3]).toBe('旧版本，没上报')

    await wrapper.find('.office-devices__revoked input').setValue(true)
    await vi.waitFor(() => expect(names()).toEqual(['李叔', '黄姨', '周姐', '陈伯', '陈伯']))
    expect(cells(4)[1]).toBe('丢了的手机')
    expect(cells(4)[2]).toBe('已退出')
  })

  it('sorts by a column when its header is clicked', async () => {
    serverDouble(() => json(DEVICES))
    const { wrapper } = await mountWithApp(OfficeDevices, { route: '/office/devices' })
    const names = () => wrapper.findAll('.office-devices__table tbody tr').map((tr) => tr.find('.office-devices__name').text())
    await vi.waitFor(() => expect(names()).toHaveLength(4), SLOW)

    const header = wrapper.findAll('.office-devices__table thead th').find((th) => th.text().includes('最近联系'))!
    await header.find('.caret-wrapper .ascending').trigger('click')
    await vi.waitFor(() => expect(names()).toEqual(['黄姨', '周姐', '陈伯', '李叔']))
  })

  it('says why the list could not be read', async () => {
    serverDouble(() => json({ error: 'forbidden', message: 'Only office staff set a community up.' }, 403))
    const { wrapper } = await mountWithApp(OfficeDevices, { route: '/office/devices' })
    await vi.waitFor(() => expect(wrapper.find('[role="alert"]').exists()).toBe(true), SLOW)
    expect(wrapper.find('[role="alert"]').text()).not.toBe('')
  })
})
