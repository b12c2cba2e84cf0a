import { afterAll, beforeAll, expect, it } from 'vitest'
import { LoginResponse, RecoveryKeyResponse, type IssuedPassword } from '@/domain'
import { DEMO_PASSWORD } from '@/server/seed'
import { describeEngines, expectSafeAnswer, startApi, type Answer, type TestApi } from './api'

/*
 * The recovery key of each device (issue 10): the sign-in answer carries it, with whether the community lets
 * the leader skip the app lock; the phone wraps its data key with it and never keeps it, and a forgotten PIN
 * gets it back from POST /auth/recovery-key with the device's token and the account's password.
 */
describeEngines('device recovery keys', (engine) => {
  let api: TestApi
  let office: { token: string }
  let now = Date.parse('2026-12-01T08:00:00.000Z')
  beforeAll(async () => {
    api = await startApi(engine, { clock: () => new Date(now) })
    office = await api.login('office1')
  })
  afterAll(() => api.close())

  async function signIn(username: string, password = DEMO_PASSWORD): Promise<LoginResponse> {
    const answer = await api.call('POST', '/api/v1/auth/login', { json: { username, password, deviceName: `${username}'s phone` } })
    expect(answer.status, answer.body).toBe(200)
    return LoginResponse.parse(answer.json)
  }
  const recover = (token: string, password: string) => api.call('POST', '/api/v1/auth/recovery-key', { token, json: { password } })
  const recovered = (answer: Answer) => {
    expect(answer.status, answer.body).toBe(200)
    return RecoveryKeyResponse.parse(answer.json).recoveryKey
  }
  const refusedWith = (answer: Answer) => [answer.status, (answer.json as { error: string }).error]
  const keyBytes = (key: string) => Buffer.from(key, 'base64url')
  // Not last_seen_at: every request with a token touches it (src/server/auth/authenticate.ts).
  const devices = () => api.tables().selectFrom('devices').select(['id', 'user_id', 'token_hash', 'revoked_at', 'revocation', 'recovery_key']).orderBy('id').execute()
  const auditOf = (deviceId: string) =>
    api.tables().selectFrom('audit_events').selectAll().where('action', '=', 'device.recovery_key').where('target', '=', deviceId).orderBy('at').execute()

  it('signs each device in with a recovery key of 32 bytes of its own, the one the server keeps', async () => {
    const first = await signIn('leader1')
    const second = await signIn('leader1')
    expect(keyBytes(first.recoveryKey)).toHaveLength(32)
    expect(keyBytes(second.recoveryKey)).toHaveLength(32)
    expect(second.recoveryKey).not.toBe(first.recoveryKey)
    const stored = new Map((await devices()).map((d) => [d.id, d.recovery_key]))
    expect([stored.get(first.deviceId), stored.get(second.deviceId)]).toEqual([first.recoveryKey, second.recoveryKey])
  })

  it("tells the phone its community's app lock, and an admin of no community that it is required", async () => {
    expect((await signIn('leader1')).appLock).toBe('required')
    expect((await signIn('office1')).appLock).toBe('required')
    expect((await signIn('admin1')).appLock).toBe('required')
  })

  it("gives each device back its own key for the account's password, never another's, and audits it without the key", async () => {
    const phone = await signIn('leader1')
    const other = await signIn('leader1')
    expect(recovered(await recover(phone.token, DEMO_PASSWORD))).toBe(phone.recoveryKey)
    expect(recovered(await recover(other.token, DEMO_PASSWORD))).toBe(other.recoveryKey)
    // Asked again, the same key: the phone's data key stays wrapped by it.
    expect(recovered(await recover(phone.token, DEMO_PASSWORD))).toBe(phone.recoveryKey)

    const events = await auditOf(phone.deviceId)
    expect(events).toHaveLength(2)
    expect(events[0]).toMatchObject({ actor_id: 'u-leader1', actor_role: 'leader', community_id: 'c-nanmen', action: 'device.recovery_key', target: phone.deviceId })
    expect(JSON.stringify(events)).not.toContain(phone.recoveryKey)
  })

  it('refuses a wrong password with 403 and changes nothing', async () => {
    const phone = await signIn('leader1')
    const before = await devices()
    for (const password of ['doorstep-demo ', 'DOORSTEP-DEMO']) expect(refusedWith(await recover(phone.token, password))).toEqual([403, 'forbidden'])
    expect(await devices()).toEqual(before)
    expect(await auditOf(phone.deviceId)).toEqual([])
    for (const body of [{}, { password: '' }, { password: 1 }, { password: 'x'.repeat(201) }]) {
      const answer = await api.call('POST', '/api/v1/auth/recovery-key', { token: phone.token, json: body })
      expect(refusedWith(answer), JSON.stringify(body)).toEqual([400, 'bad_request'])
    }
    // The password proven clears those failures, as a sign-in does.
    expect(recovered(await recover(phone.token, DEMO_PASSWORD))).toBe(phone.recoveryKey)
  })

  it('counts wrong passwords as sign-in guesses: after five, 429 with Retry-After, sign-in from there too, not from elsewhere', async () => {
    const phone = await signIn('leader2')
    const statuses: number[] = []
    for (let i = 0; i < 5; i++) statuses.push((await recover(phone.token, `guess-${i}`)).status)
    expect(statuses).toEqual([403, 403, 403, 403, 403])
    const blocked = await recover(phone.token, DEMO_PASSWORD)
    expect(refusedWith(blocked)).toEqual([429, 'too_many_requests'])
    expect(blocked.headers['retry-after']).toBe('60')
    const login = await api.call('POST', '/api/v1/auth/login', { json: { username: 'leader2', password: DEMO_PASSWORD, deviceName: 'x' } })
    expect(refusedWith(login)).toEqual([429, 'too_many_requests'])
    const elsewhere = await api.app.inject({
      method: 'POST',
      url: '/api/v1/auth/recovery-key',
      remoteAddress: '10.0.0.9',
      headers: { authorization: `Bearer ${phone.token}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ password: DEMO_PASSWORD }),
    })
    expectSafeAnswer({ status: elsewhere.statusCode, headers: elsewhere.headers, body: elsewhere.body, json: JSON.parse(elsewhere.body) }, 'recovery from elsewhere')
    expect(RecoveryKeyResponse.parse(JSON.parse(elsewhere.body)).recoveryKey).toBe(phone.recoveryKey)
    now += 60_000
    expect(recovered(await recover(phone.token, DEMO_PASSWORD))).toBe(phone.recoveryKey)
  })

  it('refuses a device signed out, signed out or wiped by the office, or of a disabled account, as every route does', async () => {
    const [own, signedOut, wiped] = [await signIn('leader1'), await signIn('leader1'), await signIn('leader1')]
    expect((await api.call('POST', '/api/v1/auth/logout', { token: own.token })).status).toBe(204)
    expect((await api.call('DELETE', `/api/v1/users/u-leader1/devices/${signedOut.deviceId}?mode=sign_out`, { token: office.token })).status).toBe(204)
    expect((await api.call('DELETE', `/api/v1/users/u-leader1/devices/${wiped.deviceId}?mode=wipe`, { token: office.token })).status).toBe(204)
    expect(refusedWith(await recover(own.token, DEMO_PASSWORD))).toEqual([401, 'unauthorized'])
    expect(refusedWith(await recover(signedOut.token, DEMO_PASSWORD))).toEqual([401, 'device_signed_out'])
    expect(refusedWith(await recover(wiped.token, DEMO_PASSWORD))).toEqual([401, 'device_wiped'])

    const disabled = await signIn('leader2')
    expect((await api.call('PATCH', '/api/v1/accounts/u-leader2', { token: office.token, json: { disabled: true } })).status).toBe(200)
    expect(refusedWith(await recover(disabled.token, DEMO_PASSWORD))).toEqual([401, 'unauthorized'])
    expect((await api.call('PATCH', '/api/v1/accounts/u-leader2', { token: office.token, json: { disabled: false } })).status).toBe(200)
    for (const phone of [own, signedOut, wiped]) expect(await auditOf(phone.deviceId)).toEqual([])
  })

  it('takes the app lock from the settings the office saves: sign-in and pull both carry it', async () => {
    const patch = (json: unknown) => api.call('PATCH', '/api/v1/communities/c-nanmen/settings', { token: office.token, json })
    for (const appLock of ['none', 'Required', true, null]) expect(refusedWith(await patch({ appLock })), String(appLock)).toEqual([400, 'bad_request'])
    expect((await signIn('leader1')).appLock).toBe('required')

    const saved = await patch({ appLock: 'optional' })
    expect(saved.status, saved.body).toBe(200)
    expect(saved.json).toMatchObject({ appLock: 'optional', retentionMonths: 12 })
    const leader = await signIn('leader1')
    expect(leader.appLock).toBe('optional')
    expect((await signIn('office1')).appLock).toBe('optional')
    // An admin belongs to no community: the lock stays required.
    expect((await signIn('admin1')).appLock).toBe('required')
    const pulled = (await api.pullAll(leader.token)).filter((c) => c.table === 'communities').at(-1)
    expect(pulled?.record).toMatchObject({ id: 'c-nanmen', settings: { appLock: 'optional' } })

    expect((await patch({ appLock: 'required' })).status).toBe(200)
    expect((await signIn('leader1')).appLock).toBe('required')
  })

  it('answers the one-time password the office just set, before it is changed: it is the account’s password', async () => {
    const phone = await signIn('leader2')
    const reset = await api.call('POST', '/api/v1/accounts/u-leader2/password', { token: office.token })
    expect(reset.status, reset.body).toBe(200)
    const { password } = reset.json as IssuedPassword
    expect(refusedWith(await recover(phone.token, DEMO_PASSWORD))).toEqual([403, 'forbidden'])
    expect(recovered(await recover(phone.token, password))).toBe(phone.recoveryKey)
  })
})
