import { afterEach, describe, expect, it, vi } from 'vitest'
import { CANVASS_RULES, uuidv7, type Canvass } from '@/domain'
import { demoBuildings, demoHouseholds } from '@/domain/demo'
import { db } from '@/app/db/database'
import CanvassLinkButton from '@/app/features/canvass-link/CanvassLinkButton.vue'
import { buttonNamed } from './fields'
import { mountWithApp } from './setup'

/*
 * The leader's link button against the real client and the phone's database; `fetch` answers as the server
 * would, and the browser's network state and clipboard are stand-ins.
 */

const building = demoBuildings[0]!
const household = demoHouseholds.find((h) => h.buildingId === building.id)!
const at = '2026-12-06T08:00:00.000Z'
const canvass: Canvass = {
  id: uuidv7(),
  createdAt: at,
  updatedAt: at,
  createdBy: 'u-leader1',
  deviceId: 'd-1',
  rev: 3,
  deletedAt: null,
  conflicts: [],
  buildingId: building.id,
  entrance: '',
  kind: 'vote',
  question: '是否同意加装电梯？',
  note: '',
  households: [{ householdId: household.id, area: 60 }],
  rule: CANVASS_RULES.civil_code_278,
  deadline: null,
  target: null,
  closedAt: null,
}
const URL_SENT = 'https://doorstep.example/answer/abc'

async function phone(online: boolean) {
  vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(online)
  await db.meta.bulkPut([
    { key: 'serverUrl', value: 'https://doorstep.example' },
    { key: 'token', value: 'device-token' },
    { key: 'syncDeviceId', value: 'd-1' },
  ])
  await db.buildings.put(building)
  await db.households.put(household)
  await db.canvasses.put(canvass)
}

afterEach(() => {
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
})

describe('the leader’s link button', () => {
  it('asks the server for a link with the device token, and copies a plain message for WeChat', async () => {
    await phone(true)
    const expiresAt = new Date(Date.now() + 7 * 24 * 60 * 60 * 1000).toISOString()
    const fetch = vi.fn(async () => new Response(JSON.stringify({ id: uuidv7(), url: URL_SENT, expiresAt }), { status: 201, headers: { 'content-type': 'application/json' } }))
    vi.stubGlobal('fetch', fetch)
    const writeText = vi.fn(async () => {})
    vi.spyOn(navigator, 'clipboard', 'get').mockReturnValue({ writeText } as unknown as Clipboard)

    const { wrapper } = await mountWithApp(CanvassLinkButton, { props: { canvassId: canvass.id, householdId: household.id } })
    await buttonNamed(wrapper, '发链接给外地业主').trigger('click')
    await vi.waitFor(() => expect(wrapper.text()).toContain(URL_SENT))

    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit]
    expect(url).toBe(`https://doorstep.example/api/v1/canvasses/${canvass.id}/links`)
    expect(init.method).toBe('POST')
    expect((init.headers as Record<string, string>).authorization).toBe('Bearer device-token')
    expect(JSON.parse(String(init.body))).toEqual({ householdId: household.id })

    const message = `您好！请您对“是否同意加装电梯？”进行表决（${building.address} ${household.unit}），请点链接填写并签名。链接 7 天内有效，只能使用一次：${URL_SENT}`
    await vi.waitFor(() => expect(wrapper.text()).toContain(message))
    await buttonNamed(wrapper, '复制链接').trigger('click')
    expect(writeText).toHaveBeenCalledWith(message)
  })

  it('says plainly, offline, that a link needs the network, and asks nothing', async () => {
    await phone(false)
    const fetch = vi.fn()
    vi.stubGlobal('fetch', fetch)
    const { wrapper } = await mountWithApp(CanvassLinkButton, { props: { canvassId: canvass.id, householdId: household.id } })
    expect(wrapper.text()).toContain('生成链接要联网，现在没有网络')
    expect(wrapper.findAll('button')).toHaveLength(0)
    expect(fetch).not.toHaveBeenCalled()
  })

  it('tells a canvass the server does not have yet to sync first', async () => {
    await phone(true)
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ error: 'not_found', message: 'No such canvass.' }), { status: 404 })))
    const { wrapper } = await mountWithApp(CanvassLinkButton, { props: { canvassId: canvass.id, householdId: household.id } })
    await buttonNamed(wrapper, '发链接给外地业主').trigger('click')
    await vi.waitFor(() => expect(wrapper.text()).toContain('这次表决还没同步到服务器，请先同步再发链接。'))
  })
})
