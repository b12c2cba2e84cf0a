import { afterEach, describe, expect, it, vi } from 'vitest'
import { db } from '@/app/db/database'
import SessionChangePassword from '@/app/features/session/SessionChangePassword.vue'
import SessionSignIn from '@/app/features/session/SessionSignIn.vue'
import { DOUBLE_RECOVERY_KEY } from '@/app/sync/transport-double'
import { buttonNamed, errorOf, fieldLabelled } from './fields'
import { mountWithApp, SKIPPED_APP_LOCK } from './setup'

vi.mock('@/app/pwa/persist', () => ({ requestPersistence: vi.fn(async () => false) }))

/*
 * Signing in with a one-time password and setting one's own, against the real store, session and fetch
 * transport; only `fetch` is replaced, answering as the server would.
 */

const json = (status: number, body?: unknown) =>
  body === undefined ? new Response(null, { status }) : new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
const user = { id: 'u-wang', username: 'wang.li', displayName: '王丽', role: 'leader', communityId: 'c-1', buildingIds: [] }

/** A server whose password change answers `change` (by the body sent); sign-in says the password is one-time. */
function server(change: (body: { currentPassword: string; newPassword: string }) => Response) {
  const fetch = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
    const path = String(url)
    if (path.endsWith('/auth/login')) return json(200, { token: 'one-time-token', deviceId: 'd-1', user, mustChangePassword: true, recoveryKey: DOUBLE_RECOVERY_KEY, appLock: 'required' })
    if (path.endsWith('/auth/password')) return change(JSON.parse(String(init?.body)) as { currentPassword: string; newPassword: string })
    return json(403, { error: 'password_change_required', message: 'Change the one-time password first' })
  })
  vi.stubGlobal('fetch', fetch)
  return fetch
}

afterEach(() => {
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
})

type Wrapper = Awaited<ReturnType<typeof mountWithApp>>['wrapper']

async function fill(wrapper: Wrapper, current: string, next: string, repeat = next) {
  await fieldLabelled(wrapper, '现在的密码').find('input').setValue(current)
  await fieldLabelled(wrapper, '新密码').find('input').setValue(next)
  await fieldLabelled(wrapper, '再输一遍').find('input').setValue(repeat)
  await buttonNamed(wrapper, '保存新密码').trigger('submit')
}

describe('the change-password screen', () => {
  it('follows a sign-in with a one-time password, and sync waits for the change', async () => {
    const fetch = server(() => json(204))
    const { wrapper, router } = await mountWithApp(SessionSignIn, { route: '/signin' })
    await fieldLabelled(wrapper, '用户名').find('input').setValue('wang.li')
    await fieldLabelled(wrapper, '密码').find('input').setValue('k7mp-2xqa-9rtw')
    await buttonNamed(wrapper, '登录').trigger('submit')
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/password'))
    // No sync run was started: it could only be refused.
    expect(fetch.mock.calls.map(([url]) => String(url))).toEqual([expect.stringMatching(/\/auth\/login$/)])
    expect(JSON.parse((await db.meta.get('lastError'))!.value)).toMatchObject({ code: 'password_change' })
  })

  it('says in words next to each field what is wrong, before calling the server', async () => {
    const fetch = server(() => json(204))
    const { wrapper } = await mountWithApp(SessionChangePassword, { route: '/password' })
    await fill(wrapper, '', '1111111111')
    await vi.waitFor(() => expect(errorOf(wrapper, '新密码').text()).toBe('不能是同一个字重复，换一个'))
    expect(errorOf(wrapper, '现在的密码').text()).toBe('请填现在的密码')
    await fill(wrapper, 'k7mp-2xqa-9rtw', 'short')
    await vi.waitFor(() => expect(errorOf(wrapper, '新密码').text()).toBe('太短了，至少要 10 位'))
    await fill(wrapper, 'k7mp-2xqa-9rtw', 'qwertyuiop')
    await vi.waitFor(() => expect(errorOf(wrapper, '新密码').text()).toBe('这个密码太常见，容易被猜到，换一个'))
    await fill(wrapper, 'k7mp-2xqa-9rtw', 'lao-wang-302-home', 'lao-wang-302-hom')
    await vi.waitFor(() => expect(errorOf(wrapper, '再输一遍').text()).toBe('两次输的不一样'))
    expect(fetch).not.toHaveBeenCalled()
  })

  it('shows a wrong current password next to its field, and a good change leaves the screen and clears the sync error', async () => {
    await db.meta.bulkPut([
      { key: 'serverUrl', value: 'http://server.test' },
      { key: 'token', value: 'one-time-token' },
      ...SKIPPED_APP_LOCK,
      { key: 'syncDeviceId', value: 'd-1' },
      { key: 'user', value: JSON.stringify(user) },
      { key: 'userId', value: user.id },
      { key: 'lastError', value: JSON.stringify({ code: 'password_change', at: '2026-12-03T08:00:00.000Z' }) },
    ])
    let tooMany = false
    const throttled = () =>
      new Response(JSON.stringify({ error: 'too_many_requests', message: 'Too many wrong passwords.' }), {
        status: 429,
        headers: { 'content-type': 'application/json', 'retry-after': '90' },
      })
    const fetch = server(({ currentPassword }) =>
      tooMany ? throttled() : currentPassword === 'k7mp-2xqa-9rtw' ? json(204) : json(403, { error: 'forbidden', message: 'The current password is wrong.' }),
    )
    const { wrapper, router } = await mountWithApp(SessionChangePassword, { route: '/password' })
    await vi.waitFor(() => expect(wrapper.text()).toContain('社区给的是临时密码'))
    await fill(wrapper, 'not-it-at-all', 'lao-wang-302-home')
    await vi.waitFor(() => expect(errorOf(wrapper, '现在的密码').text()).toBe('现在的密码不对'))
    expect(router.currentRoute.value.path).toBe('/password')

    // Wrong too often: how long to wait, next to the same field.
    tooMany = true
    await fill(wrapper, 'still-not-it', 'lao-wang-302-home')
    await vi.waitFor(() => expect(errorOf(wrapper, '现在的密码').text()).toBe('密码错误次数太多，请 2 分钟后再试'))
    tooMany = false

    await fill(wrapper, 'k7mp-2xqa-9rtw', 'lao-wang-302-home')
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/'))
    expect(wrapper.find('[role="alert"]').exists()).toBe(false)
    const sent = fetch.mock.calls.filter(([url]) => String(url).endsWith('/auth/password'))
    expect(sent).toHaveLength(3)
    expect(sent[2]![1]?.headers).toMatchObject({ authorization: 'Bearer one-time-token' })
    // Sync, which waited for the change, runs again at once (this test server still refuses it, which ends the run).
    await vi.waitFor(() => expect(fetch.mock.calls.some(([url]) => String(url).includes('/sync/'))).toBe(true))
    await vi.waitFor(async () => expect(await db.meta.get('lastError')).toBeDefined())
  })
})
