import { beforeAll, afterAll, expect, it } from 'vitest'
import type { DeviceHealth, DeviceStanding } from '@/domain'
import { demoCommunity } from '@/domain/demo'
import { describeEngines, startApi, type TestApi } from './api'

/**
 * Device health through the real server on both engines: a phone reports only for itself, bad reports are
 * refused with nothing stored, and the office of the community (or an admin) sees each device with the
 * reasons to call — silent for more than the community's days, holding a change for more than a day.
 */

const A = demoCommunity.id
type Session = { token: string; deviceId: string }

const report = (overrides: Partial<DeviceHealth> = {}): DeviceHealth => ({
  appVersion: '1.4.0',
  outboxSize: 3,
  oldestUnsentAt: '2026-11-20T01:00:00.000Z',
  storagePersisted: true,
  storageUsedBytes: 5_000_000_000,
  lastFullSyncAt: '2026-11-19T12:00:00.000Z',
  ...overrides,
})

describeEngines('device health', (engine) => {
  let api: TestApi
  const clock = { now: Date.parse('2026-11-20T03:00:00Z') }
  let office: Session
  let officeB: Session
  let admin: Session
  let leader: Session
  let leaderOld: Session
  let leader2: Session
  beforeAll(async () => {
    api = await startApi(engine, { clock: () => new Date(clock.now) })
    office = await api.login('office1')
    officeB = await api.login('office2')
    admin = await api.login('admin1')
    leaderOld = await api.login('leader1')
    leader = await api.login('leader1')
    leader2 = await api.login('leader2')
  })
  afterAll(() => api.close())

  const sendHealth = (who: Session, json: unknown) => api.call('POST', '/api/v1/sync/health', { token: who.token, json })
  const devices = (who: Session, community = A) => api.call('GET', `/api/v1/communities/${community}/devices`, { token: who.token })
  async function standings(who: Session = office): Promise<Map<string, DeviceStanding>> {
    const answer = await devices(who)
    expect(answer.status, answer.body).toBe(200)
    return new Map((answer.json as DeviceStanding[]).map((d) => [d.deviceId, d]))
  }

  it('keeps a phone’s report on its own device only, and the office sees it with when it came', async () => {
    const answer = await sendHealth(leader, report())
    expect(answer.status, answer.body).toBe(204)

    const list = await standings()
    expect(list.get(leader.deviceId)).toMatchObject({
      userId: 'u-leader1',
      displayName: expect.any(String),
      role: 'leader',
      health: { ...report(), reportedAt: '2026-11-20T03:00:00.000Z' },
    })
    // The same leader's other phone has not reported; a phone of another community is not listed.
    expect(list.get(leaderOld.deviceId)).toMatchObject({ userId: 'u-leader1', health: null })
    expect(list.has(officeB.deviceId)).toBe(false)
    expect(list.has(admin.deviceId)).toBe(false)
    expect(list.get(office.deviceId)).toMatchObject({ role: 'office' })
  })

  it("lists the number to call the device's leader on, once the office has entered one", async () => {
    expect((await standings()).get(leader.deviceId)?.phone).toBeNull()
    const entered = await api.call('PATCH', '/api/v1/accounts/u-leader1', { token: office.token, json: { phone: '13800138000' } })
    expect(entered.status, entered.body).toBe(200)
    const list = await standings()
    expect([leader, leaderOld].map((who) => list.get(who.deviceId)?.phone)).toEqual(['13800138000', '13800138000'])
    expect(list.get(leader2.deviceId)?.phone).toBeNull()
  })

  it('keeps the latest report whole, nulls included', async () => {
    clock.now += 60_000
    await sendHealth(leader2, report({ storagePersisted: false }))
    const later = report({ appVersion: '1.5.0', outboxSize: 0, oldestUnsentAt: null, storagePersisted: null, storageUsedBytes: null, lastFullSyncAt: null })
    expect((await sendHealth(leader2, later)).status).toBe(204)
    expect((await standings()).get(leader2.deviceId)?.health).toEqual({ ...later, reportedAt: new Date(clock.now).toISOString() })
  })

  it('refuses a bad report with 400 and keeps the last good one', async () => {
    const before = (await standings()).get(leader.deviceId)?.health
    const bad: unknown[] = [
      undefined,
      'not an object',
      {},
      { ...report(), outboxSize: -1 },
      { ...report(), outboxSize: 1.5 },
      { ...report(), outboxSize: 2 ** 31 },
      { ...report(), appVersion: '' },
      { ...report(), appVersion: 'x'.repeat(41) },
      { ...report(), oldestUnsentAt: 'yesterday' },
      { ...report(), storagePersisted: 'yes' },
      { ...report(), storageUsedBytes: -5 },
      { ...report(), lastFullSyncAt: undefined },
    ]
    for (const body of bad) {
      const answer = await sendHealth(leader, body)
      expect(answer.status, JSON.stringify(body)).toBe(400)
      expect(answer.json).toMatchObject({ error: 'bad_request' })
    }
    expect((await standings()).get(leader.deviceId)?.health).toEqual(before)
  })

  it('lets only the community’s office and admins list devices', async () => {
    expect((await api.call('POST', '/api/v1/sync/health', { json: report() })).status).toBe(401)
    expect((await api.call('GET', `/api/v1/communities/${A}/devices`)).status).toBe(401)
    expect(await devices(leader)).toMatchObject({ status: 403, json: { error: 'forbidden' } })
    expect(await devices(officeB)).toMatchObject({ status: 404, json: { error: 'not_found' } })
    expect(await devices(office, 'c-nowhere')).toMatchObject({ status: 404 })
    expect((await standings(admin)).has(leader.deviceId)).toBe(true)
  })

  it('flags a phone silent past the community’s days and one holding a change for more than a day, never a revoked one', async () => {
    await api.storage.putReference(A, 'communities', [{ ...demoCommunity, settings: { ...demoCommunity.settings, silentDeviceDays: 2 } }])
    clock.now = Date.parse('2026-11-21T02:00:00Z')
    // Seen now: the report is the request that touches it. Its change from 01:00 the day before is 25 hours old.
    await sendHealth(leader, report({ oldestUnsentAt: '2026-11-20T01:00:00.000Z' }))
    await sendHealth(leader2, report({ oldestUnsentAt: '2026-11-21T01:00:00.000Z' }))
    await api.call('DELETE', `/api/v1/users/u-leader1/devices/${leaderOld.deviceId}`, { token: office.token })

    clock.now = Date.parse('2026-11-21T03:00:00Z')
    let list = await standings()
    expect(list.get(leader.deviceId)?.flags).toEqual(['holding'])
    expect(list.get(leader2.deviceId)?.flags).toEqual([])
    expect(list.get(leaderOld.deviceId)).toMatchObject({ revokedAt: expect.any(String), flags: [] })

    // Two days and an hour without a word: silent, and still holding.
    clock.now = Date.parse('2026-11-23T03:00:00Z')
    list = await standings(admin)
    expect(list.get(leader.deviceId)?.flags).toEqual(['silent', 'holding'])
    // Two hours' holding was no reason to call; two days' is.
    expect(list.get(leader2.deviceId)?.flags).toEqual(['silent', 'holding'])
    // The office's own computer listed the devices at 03:00 two days ago, exactly: more than two days is silent.
    expect(list.get(office.deviceId)?.flags).toEqual([])
  })
})
