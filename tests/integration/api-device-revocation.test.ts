import { afterAll, beforeAll, expect, it } from 'vitest'
import { FINAL_PUSH_DAYS, type DeviceInfo, type MutationResult } from '@/domain'
import { png, sha256 } from '../fixtures/images'
import { describeEngines, newIssue, pushBody, startApi, type Answer, type TestApi } from './api'

/** The office revokes a phone as "sign out" (it pushes what it holds, then clears) or "wipe" (nothing it sends is taken). */
describeEngines('revoking a lost or handed-back phone', (engine) => {
  let api: TestApi
  let office: { token: string; deviceId: string }
  const clock = { now: Date.now() }
  beforeAll(async () => {
    api = await startApi(engine, { clock: () => new Date(clock.now) })
    office = await api.login('office1')
  })
  afterAll(() => api.close())

  const revoke = (deviceId: string, mode?: string) =>
    api.call('DELETE', `/api/v1/users/u-leader1/devices/${deviceId}${mode ? `?mode=${mode}` : ''}`, { token: office.token })
  const push = (phone: { token: string; deviceId: string }, mutations: unknown[]) =>
    api.call('POST', '/api/v1/sync/push', { token: phone.token, json: pushBody(phone.deviceId, mutations) })
  const pull = (token: string) => api.call('GET', '/api/v1/sync/pull?limit=1', { token })
  const upload = (token: string, bytes: Buffer) =>
    api.call('PUT', `/api/v1/attachments/${sha256(bytes)}`, { token, body: bytes, headers: { 'content-type': 'image/png' } })
  const refusedWith = (answer: Answer) => [answer.status, (answer.json as { error: string }).error]
  const stored = async (recordId: string) => (await api.pullAll(office.token)).some((change) => change.id === recordId)

  it('with sign_out, still takes the phone’s last push and photos, refuses it everything else, and tells it so', async () => {
    const phone = await api.login('leader1')
    expect((await revoke(phone.deviceId, 'sign_out')).status).toBe(204)

    const photo = png(2, 2, 0x31)
    expect((await api.call('POST', '/api/v1/attachments/missing', { token: phone.token, json: { hashes: [sha256(photo)] } })).status).toBe(200)
    expect((await upload(phone.token, photo)).status).toBe(201)
    const report = newIssue({ photos: [sha256(photo)] })
    const pushed = await push(phone, [report])
    expect(pushed.status, pushed.body).toBe(200)
    expect((pushed.json as { results: MutationResult[] }).results).toEqual([{ mutationId: report.mutationId, status: 'applied', rev: expect.any(Number), stamps: expect.any(Object) }])
    expect(await stored(report.recordId)).toBe(true)

    expect(refusedWith(await pull(phone.token))).toEqual([401, 'device_signed_out'])
    expect(refusedWith(await api.call('POST', '/api/v1/auth/logout', { token: phone.token }))).toEqual([401, 'device_signed_out'])
  })

  it('is sign_out when the office does not say, as before', async () => {
    const phone = await api.login('leader1')
    expect((await revoke(phone.deviceId)).status).toBe(204)
    expect(refusedWith(await pull(phone.token))).toEqual([401, 'device_signed_out'])
  })

  it('with wipe, refuses the phone’s push and photos unread and stores nothing it sends', async () => {
    const phone = await api.login('leader1')
    expect((await revoke(phone.deviceId, 'wipe')).status).toBe(204)

    const photo = png(2, 2, 0x47)
    const report = newIssue({ photos: [sha256(photo)] })
    expect(refusedWith(await upload(phone.token, photo))).toEqual([401, 'device_wiped'])
    expect(refusedWith(await push(phone, [report]))).toEqual([401, 'device_wiped'])
    expect(refusedWith(await pull(phone.token))).toEqual([401, 'device_wiped'])
    expect(refusedWith(await api.call('POST', '/api/v1/attachments/missing', { token: phone.token, json: { hashes: [sha256(photo)] } }))).toEqual([401, 'device_wiped'])

    expect(await stored(report.recordId)).toBe(false)
    expect(await api.storage.hasAttachment(sha256(photo))).toBe(false)
    const mutations = await api.tables().selectFrom('mutations').select('mutation_id').where('device_id', '=', phone.deviceId).execute()
    expect(mutations).toEqual([])
  })

  it('turns a signed-out phone to wipe when the office learns it was stolen, never back', async () => {
    const phone = await api.login('leader1')
    expect((await revoke(phone.deviceId, 'sign_out')).status).toBe(204)
    const devices = async () => (await api.call('GET', '/api/v1/users/u-leader1/devices', { token: office.token })).json as DeviceInfo[]
    const { revokedAt, revocation } = (await devices()).find((d) => d.id === phone.deviceId)!
    expect(revocation).toBe('sign_out')
    expect((await revoke(phone.deviceId, 'wipe')).status).toBe(204)
    expect(refusedWith(await push(phone, [newIssue()]))).toEqual([401, 'device_wiped'])
    expect((await revoke(phone.deviceId, 'sign_out')).status).toBe(204)
    expect(refusedWith(await push(phone, [newIssue()]))).toEqual([401, 'device_wiped'])
    // Still revoked since the first time: the list says when the phone stopped being the leader's.
    expect((await devices()).find((d) => d.id === phone.deviceId)).toMatchObject({ revokedAt, revocation: 'wipe' })
  })

  it('wipes a phone whose account was disabled too; a signed-out one still makes its last push, disabled or told to change its password', async () => {
    const wiped = await api.login('leader2')
    const signedOut = await api.login('leader2')
    const office2 = (deviceId: string, mode: string) =>
      api.call('DELETE', `/api/v1/users/u-leader2/devices/${deviceId}?mode=${mode}`, { token: office.token })
    expect((await office2(wiped.deviceId, 'wipe')).status).toBe(204)
    expect((await office2(signedOut.deviceId, 'sign_out')).status).toBe(204)
    const report = newIssue()
    await api.storage.updateUser('u-leader2', { disabled: true })
    try {
      expect(refusedWith(await pull(wiped.token))).toEqual([401, 'device_wiped'])
      const last = await push(signedOut, [report])
      expect(last.status, last.body).toBe(200)
      await api.storage.updateUser('u-leader2', { disabled: false, password: { hash: 'x', mustChange: true } })
      expect((await push(signedOut, [report])).status).toBe(200)
      expect(refusedWith(await pull(signedOut.token))).toEqual([401, 'device_signed_out'])
    } finally {
      await api.storage.updateUser('u-leader2', { disabled: false, password: { hash: 'x', mustChange: false } })
    }
  })

  it(`takes a signed-out phone that has not come back within ${FINAL_PUSH_DAYS} days for lost: wiped, its push refused`, async () => {
    const phone = await api.login('leader1')
    expect((await revoke(phone.deviceId, 'sign_out')).status).toBe(204)
    const revokedAt = clock.now
    try {
      clock.now = revokedAt + FINAL_PUSH_DAYS * 24 * 60 * 60 * 1000 - 60_000
      expect(refusedWith(await pull(phone.token))).toEqual([401, 'device_signed_out'])
      clock.now = revokedAt + FINAL_PUSH_DAYS * 24 * 60 * 60 * 1000 + 60_000
      const report = newIssue()
      expect(refusedWith(await push(phone, [report]))).toEqual([401, 'device_wiped'])
      expect(await stored(report.recordId)).toBe(false)
    } finally {
      clock.now = revokedAt
    }
  })

  it('answers a locked phone’s check-in with nothing for a live device, and with how the office ended a revoked one', async () => {
    const checkIn = (token: string) => api.call('GET', '/api/v1/auth/device', { token })
    const live = await api.login('leader1')
    const answer = await checkIn(live.token)
    expect([answer.status, answer.body]).toEqual([204, ''])
    const signedOut = await api.login('leader1')
    const wiped = await api.login('leader1')
    expect((await revoke(signedOut.deviceId, 'sign_out')).status).toBe(204)
    expect((await revoke(wiped.deviceId, 'wipe')).status).toBe(204)
    expect(refusedWith(await checkIn(signedOut.token))).toEqual([401, 'device_signed_out'])
    expect(refusedWith(await checkIn(wiped.token))).toEqual([401, 'device_wiped'])
  })

  it('leaves a phone that signed itself out with the plain refusal, and refuses an unknown mode', async () => {
    const phone = await api.login('leader1')
    expect((await api.call('POST', '/api/v1/auth/logout', { token: phone.token })).status).toBe(204)
    expect(refusedWith(await pull(phone.token))).toEqual([401, 'unauthorized'])
    const listed = (await api.call('GET', '/api/v1/users/u-leader1/devices', { token: office.token })).json as DeviceInfo[]
    expect(listed.find((d) => d.id === phone.deviceId)).toMatchObject({ revokedAt: expect.any(String), revocation: null })
    const other = await api.login('leader1')
    expect(refusedWith(await revoke(other.deviceId, 'erase'))).toEqual([400, 'bad_request'])
    expect((await pull(other.token)).status).toBe(200)
  })
})
