import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildServer } from '@/server/app'
import { describeEngines, startApi, type TestApi } from './api'

describeEngines('sign-in, tokens and devices', (engine) => {
  let api: TestApi
  let now = Date.parse('2026-11-27T08:00:00.000Z')
  // One minute's wait after 3 failures of an account at an address, or 8 of an address; every test starts
  // past the last one's failures (forgotten after 100 s and 60 s).
  const limits = {
    loginPerAccountAddress: { free: 3, firstDelayMs: 60_000, maxDelayMs: 60_000, forgetAfterMs: 100_000 },
    loginPerAddress: { free: 8, firstDelayMs: 60_000, maxDelayMs: 60_000, forgetAfterMs: 60_000 },
  }
  beforeAll(async () => {
    api = await startApi(engine, { clock: () => new Date(now), limits })
  })
  afterAll(() => api.close())

  const login = (username: string, password: string) =>
    api.call('POST', '/api/v1/auth/login', { json: { username, password, deviceName: 'test phone' } })

  it('answers health without a token', async () => {
    const answer = await api.call('GET', '/api/v1/health')
    expect(answer.status).toBe(200)
    expect(answer.json).toEqual({ status: 'ok', protocol: 3 })
  })

  it('signs in with the demo password and returns an opaque token, the device id and the user with their scope', async () => {
    const answer = await login('leader1', 'doorstep-demo')
    expect(answer.status).toBe(200)
    const body = answer.json as { token: string; deviceId: string; user: Record<string, unknown> }
    expect(body.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(body.user).toEqual({
      id: 'u-leader1',
      username: 'leader1',
      displayName: '演示楼长',
      role: 'leader',
      communityId: 'c-nanmen',
      buildingIds: ['b-nanmen-115-2', 'b-nanmen-117'],
    })
    // The server keeps only the token's hash.
    const devices = await api.storage.listDevices('u-leader1')
    expect(devices.map((d) => d.id)).toContain(body.deviceId)
    expect(JSON.stringify(devices)).not.toContain(body.token)
  })

  it('answers a wrong password, an unknown user and a disabled account with the same 401', async () => {
    await api.storage.updateUser('u-admin1', { disabled: true })
    const wrong = await login('leader2', 'not-the-password')
    const unknown = await login('nobody-here', 'doorstep-demo')
    const disabled = await login('admin1', 'doorstep-demo')
    await api.storage.updateUser('u-admin1', { disabled: false })
    for (const answer of [wrong, unknown, disabled]) {
      expect(answer.status).toBe(401)
      expect(answer.body).toBe(wrong.body)
    }
    expect(wrong.json).toEqual({ error: 'unauthorized', message: expect.any(String) })
  })

  it('throttles an account at an address after repeated failures with 429 and Retry-After, even with the right password, until the wait is over', async () => {
    for (let i = 0; i < 3; i++) expect((await login('office2', 'guess-' + i)).status).toBe(401)
    const throttled = await login('office2', 'doorstep-demo')
    expect(throttled.status).toBe(429)
    expect(throttled.json).toEqual({ error: 'too_many_requests', message: expect.any(String) })
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0)
    expect(Number(throttled.headers['retry-after'])).toBeLessThanOrEqual(60)
    // Another account from the same address is still served: the limit is per account and address.
    expect((await login('leader1', 'doorstep-demo')).status).toBe(200)
    now += 61_000
    expect((await login('office2', 'doorstep-demo')).status).toBe(200)
  })

  it('throttles an address that tries many accounts', async () => {
    now += 120_000
    const statuses: number[] = []
    for (let i = 0; i < 9; i++) statuses.push((await login(`spray-${i}`, 'doorstep-demo')).status)
    expect(statuses.slice(0, 8)).toEqual(Array(8).fill(401))
    expect(statuses[8]).toBe(429)
    // Throttled before the password is even checked: the right one does not get through either.
    expect((await login('leader2', 'doorstep-demo')).status).toBe(429)
    now += 61_000
  })

  it('keeps the counts in the database, so that a second server on it refuses an account the first one throttled', async () => {
    now += 120_000
    for (let i = 0; i < 3; i++) expect((await login('leader2', 'guess-' + i)).status).toBe(401)
    const second = buildServer({ storage: api.storage, clock: () => new Date(now), limits })
    try {
      const answer = await second.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ username: 'leader2', password: 'doorstep-demo', deviceName: 'another phone' }),
      })
      expect(answer.statusCode).toBe(429)
      expect(answer.json()).toEqual({ error: 'too_many_requests', message: expect.any(String) })
      expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0)
    } finally {
      await second.close()
    }
    now += 61_000
  })

  it('does not count a successful sign-in: a whole office signs in from one address, and a leader who typed wrong twice gets in', async () => {
    now += 120_000
    for (let i = 0; i < 12; i++) expect((await login(i % 2 ? 'office1' : 'leader1', 'doorstep-demo')).status).toBe(200)
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 2; i++) expect((await login('leader2', 'typo-' + i)).status).toBe(401)
      expect((await login('leader2', 'doorstep-demo')).status).toBe(200)
    }
    now += 61_000
  })

  it("counts a wrong current password against the account's sign-in limit at that address; a right one clears the count", async () => {
    now += 120_000
    const { token } = await api.login('office2')
    const change = (currentPassword: string) =>
      api.call('POST', '/api/v1/auth/password', { token, json: { currentPassword, newPassword: 'short' } })
    for (let i = 0; i < 3; i++) expect((await change('guess-' + i)).status).toBe(403)
    const throttled = await change('doorstep-demo')
    expect(throttled.status).toBe(429)
    expect(throttled.json).toEqual({ error: 'too_many_requests', message: expect.any(String) })
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0)
    expect((await login('office2', 'doorstep-demo')).status).toBe(429)
    // After the wait the failures are not forgotten yet: one more makes the next attempt wait again.
    now += 61_000
    expect((await change('guess-3')).status).toBe(403)
    expect((await change('doorstep-demo')).status).toBe(429)
    now += 61_000
    expect((await change('doorstep-demo')).json).toMatchObject({ error: 'weak_password' })
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 2; i++) expect((await change('typo-' + i)).status).toBe(403)
      // Right, so checked on: the new password is too weak.
      expect((await change('doorstep-demo')).json).toMatchObject({ error: 'weak_password' })
    }
    now += 61_000
  })

  it('refuses requests without a token, with a malformed one and with an unknown one', async () => {
    for (const authorization of [undefined, 'Bearer', 'Basic abc', `Bearer ${'x'.repeat(43)}`, `Bearer ${'y'.repeat(5000)}`]) {
      const answer = await api.call('GET', '/api/v1/sync/pull', { headers: authorization ? { authorization } : {} })
      expect(answer.status, authorization).toBe(401)
      expect(answer.headers['www-authenticate']).toBe('Bearer')
    }
  })

  it('revokes the calling device on logout, and only that one', async () => {
    const phone = await api.login('leader1')
    const tablet = await api.login('leader1')
    expect((await api.call('GET', '/api/v1/sync/pull?limit=1', { token: phone.token })).status).toBe(200)
    expect((await api.call('POST', '/api/v1/auth/logout', { token: phone.token })).status).toBe(204)
    expect((await api.call('GET', '/api/v1/sync/pull?limit=1', { token: phone.token })).status).toBe(401)
    expect((await api.call('POST', '/api/v1/auth/logout', { token: phone.token })).status).toBe(401)
    expect((await api.call('GET', '/api/v1/sync/pull?limit=1', { token: tablet.token })).status).toBe(200)
  })

  it("refuses a disabled user's existing tokens at once, and lets them in again when enabled", async () => {
    const { token } = await api.login('leader2')
    await api.storage.updateUser('u-leader2', { disabled: true })
    expect((await api.call('GET', '/api/v1/sync/pull?limit=1', { token })).status).toBe(401)
    await api.storage.updateUser('u-leader2', { disabled: false })
    expect((await api.call('GET', '/api/v1/sync/pull?limit=1', { token })).status).toBe(200)
  })

  it('records when a device was last seen', async () => {
    const { token, deviceId } = await api.login('leader2')
    now += 5 * 60_000
    await api.call('GET', '/api/v1/sync/pull?limit=1', { token })
    const device = (await api.storage.listDevices('u-leader2')).find((d) => d.id === deviceId)
    expect(device?.lastSeenAt).toBe(new Date(now).toISOString())
  })

  describe('devices', () => {
    it("lets the office list a leader's devices and revoke a lost phone", async () => {
      const lost = await api.login('leader2')
      const office = await api.login('office1')
      const list = await api.call('GET', '/api/v1/users/u-leader2/devices', { token: office.token })
      expect(list.status).toBe(200)
      const devices = list.json as Array<Record<string, unknown>>
      expect(devices.find((d) => d.id === lost.deviceId)).toMatchObject({ userId: 'u-leader2', name: "leader2's phone", revokedAt: null })
      expect(JSON.stringify(devices)).not.toMatch(/token/i)

      const revoke = await api.call('DELETE', `/api/v1/users/u-leader2/devices/${lost.deviceId}`, { token: office.token })
      expect(revoke.status).toBe(204)
      expect((await api.call('GET', '/api/v1/sync/pull?limit=1', { token: lost.token })).status).toBe(401)
    })

    it('lets a leader list and revoke their own devices, and no one else’s', async () => {
      const mine = await api.login('leader1')
      const other = await api.login('leader1')
      expect((await api.call('GET', '/api/v1/users/u-leader1/devices', { token: mine.token })).status).toBe(200)
      expect((await api.call('GET', '/api/v1/users/u-leader2/devices', { token: mine.token })).status).toBe(403)
      expect((await api.call('GET', '/api/v1/users/u-office1/devices', { token: mine.token })).status).toBe(403)
      expect((await api.call('DELETE', `/api/v1/users/u-leader1/devices/${other.deviceId}`, { token: mine.token })).status).toBe(204)
      expect((await api.call('GET', '/api/v1/sync/pull?limit=1', { token: other.token })).status).toBe(401)
    })

    it('keeps other communities and unknown devices out of reach', async () => {
      const stranger = await api.login('office2')
      const leader = await api.login('leader1')
      expect((await api.call('GET', '/api/v1/users/u-leader1/devices', { token: stranger.token })).status).toBe(404)
      expect((await api.call('DELETE', `/api/v1/users/u-leader1/devices/${leader.deviceId}`, { token: stranger.token })).status).toBe(404)
      const office = await api.login('office1')
      // A device id of another user, under this user's path, is not found: the path cannot be used to reach it.
      expect((await api.call('DELETE', `/api/v1/users/u-leader2/devices/${leader.deviceId}`, { token: office.token })).status).toBe(404)
      expect((await api.call('GET', '/api/v1/sync/pull?limit=1', { token: leader.token })).status).toBe(200)
      // Office staff do not manage an admin's devices; an admin manages everyone's in the community.
      expect((await api.call('GET', '/api/v1/users/u-admin1/devices', { token: office.token })).status).toBe(403)
      const admin = await api.login('admin1')
      expect((await api.call('GET', '/api/v1/users/u-office1/devices', { token: admin.token })).status).toBe(200)
    })
  })
})
