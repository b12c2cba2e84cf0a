import { afterAll, beforeAll, expect, it } from 'vitest'
import { LoginResponse } from '@/domain'
import { describeEngines, startApi, type TestApi } from './api'

/*
 * The recovery key of each device (issue 10): the sign-in answer carries it, with whether the community lets
 * the leader skip the app lock; the phone wraps its data key with it and never keeps it.
 */
describeEngines('device recovery keys', (engine) => {
  let api: TestApi
  beforeAll(async () => {
    api = await startApi(engine)
  })
  afterAll(() => api.close())

  async function signIn(username: string): Promise<LoginResponse> {
    const answer = await api.call('POST', '/api/v1/auth/login', { json: { username, password: 'doorstep-demo', deviceName: `${username}'s phone` } })
    expect(answer.status, answer.body).toBe(200)
    return LoginResponse.parse(answer.json)
  }
  const keyBytes = (key: string) => Buffer.from(key, 'base64url')
  const storedKey = async (deviceId: string) =>
    (await api.tables().selectFrom('devices').select('recovery_key').where('id', '=', deviceId).executeTakeFirstOrThrow()).recovery_key

  it('signs each device in with a recovery key of 32 bytes of its own, the one the server keeps', async () => {
    const first = await signIn('leader1')
    const second = await signIn('leader1')
    expect(keyBytes(first.recoveryKey)).toHaveLength(32)
    expect(keyBytes(second.recoveryKey)).toHaveLength(32)
    expect(second.recoveryKey).not.toBe(first.recoveryKey)
    expect(await storedKey(first.deviceId)).toBe(first.recoveryKey)
    expect(await storedKey(second.deviceId)).toBe(second.recoveryKey)
  })

  it("tells the phone its community's app lock, and an admin of no community that it is required", async () => {
    expect((await signIn('leader1')).appLock).toBe('required')
    expect((await signIn('office1')).appLock).toBe('required')
    expect((await signIn('admin1')).appLock).toBe('required')
  })
})
