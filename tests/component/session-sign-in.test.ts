import { afterEach, describe, expect, it, vi } from 'vitest'
import { db } from '@/app/db/database'
import SessionSignIn from '@/app/features/session/SessionSignIn.vue'
import { requestPersistence } from '@/app/pwa/persist'
import { DOUBLE_RECOVERY_KEY } from '@/app/sync/transport-double'
import { buttonNamed, errorOf, fieldLabelled } from './fields'
import { mountWithApp } from './setup'

// The browser's answer to "keep this site's data" is the test's to give (happy-dom has no storage manager).
vi.mock('@/app/pwa/persist', () => ({ requestPersistence: vi.fn(async () => false) }))

/*
 * The sign-in screen against the real store, engine session and fetch transport; only `fetch` is replaced,
 * answering as the server (or a dead network) would.
 */

type Answer = () => Response | Promise<Response>
const api = (status: number, body: unknown) => () => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
/** A 429 of the sign-in throttle, asking to wait `seconds` (src/server/routes/auth.ts). */
const waitFor = (seconds: string) => () =>
  new Response(JSON.stringify({ error: 'too_many_requests', message: 'Too many wrong passwords.' }), {
    status: 429,
    headers: { 'content-type': 'application/json', 'retry-after': seconds },
  })
const offline: Answer = () => Promise.reject(new TypeError('Failed to fetch'))

/** Answers the login request with `login`; every other request (the first sync after it) fails offline. */
function server(login: Answer) {
  const fetch = vi.fn((url: string | URL | Request) => (String(url).endsWith('/api/v1/auth/login') ? login() : offline()))
  vi.stubGlobal('fetch', fetch)
  return fetch
}

afterEach(() => {
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
  vi.mocked(requestPersistence).mockClear()
})

async function signIn(username: string, password: string) {
  const mounted = await mountWithApp(SessionSignIn, { route: '/signin' })
  const { wrapper } = mounted
  await fieldLabelled(wrapper, '用户名').find('input').setValue(username)
  await fieldLabelled(wrapper, '密码').find('input').setValue(password)
  await buttonNamed(wrapper, '登录').trigger('submit')
  return mounted
}

const failure = (wrapper: Awaited<ReturnType<typeof mountWithApp>>['wrapper']) => wrapper.find('form [role="alert"]')

describe('the sign-in screen', () => {
  it('says plainly that the first sign-in needs the network', async () => {
    const { wrapper } = await mountWithApp(SessionSignIn, { route: '/signin' })
    expect(wrapper.text()).toContain('第一次使用要在有信号的地方登录一次')
  })

  it.each([
    ['a wrong password', api(401, { error: 'unauthorized', message: 'wrong username or password' }), '用户名或密码不对'],
    ['too many tries', api(429, { error: 'too_many_requests', message: 'slow down' }), '尝试太多次，请过几分钟再试'],
    ['too many wrong passwords, with the wait in whole minutes', waitFor('150'), '密码错误次数太多，请 3 分钟后再试'],
    ['too many wrong passwords, with a wait under a minute', waitFor('20'), '密码错误次数太多，请 1 分钟后再试'],
    ['no network', offline, '连不上服务器，请到有信号的地方再试'],
    ['a broken server', api(503, { error: 'internal', message: 'down' }), '服务器出了问题，请稍后再试，或者问问社区'],
  ])('shows %s in words next to the form, and keeps the user on it', async (_case, login, words) => {
    server(login)
    vi.spyOn(console, 'error').mockImplementation(() => {}) // the screen logs what it does not expect
    const { wrapper, router } = await signIn('leader1', 'not-the-password')

    await vi.waitFor(() => expect(failure(wrapper).text()).toBe(words))
    expect(router.currentRoute.value.path).toBe('/signin')
    expect((fieldLabelled(wrapper, '用户名').find('input').element as HTMLInputElement).value).toBe('leader1')
    expect(await db.meta.get('token')).toBeUndefined()
    expect(requestPersistence).not.toHaveBeenCalled()
  })

  it('asks for the username and password before calling the server', async () => {
    const fetch = server(api(401, {}))
    const { wrapper } = await signIn('  ', '')

    await vi.waitFor(() => expect(errorOf(wrapper, '用户名').text()).toBe('这一项要填'))
    expect(errorOf(wrapper, '密码').text()).toBe('这一项要填')
    expect(fetch).not.toHaveBeenCalled()
  })

  it('calls the server that served the app, names the phone, and sends office staff to the triage view', async () => {
    const user = { id: 'u-office1', username: 'office1', displayName: '社区办公室', role: 'office', communityId: 'c-1', buildingIds: [] }
    const fetch = server(api(200, { token: 'secret-token', deviceId: 'd-1', user, recoveryKey: DOUBLE_RECOVERY_KEY, appLock: 'required' }))
    vi.spyOn(navigator, 'userAgent', 'get').mockReturnValue(
      'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
    )
    const { router } = await signIn(' office1 ', 'doorstep-demo')

    // The router loads the workspace's chunk (Element Plus) before it moves, which takes seconds in a test.
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/office'), { timeout: 20_000 })
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit]
    expect(url).toBe(`${location.origin}/api/v1/auth/login`)
    expect(JSON.parse(init.body as string)).toEqual({ username: 'office1', password: 'doorstep-demo', deviceName: 'Android · Chrome' })
    expect((await db.meta.get('token'))?.value).toBe('secret-token')
  }, 30_000)

  it('sends a leader home', async () => {
    const user = { id: 'u-leader1', username: 'leader1', displayName: '陈伯', role: 'leader', communityId: 'c-1', buildingIds: ['b-1'] }
    server(api(200, { token: 't', deviceId: 'd-1', user, recoveryKey: DOUBLE_RECOVERY_KEY, appLock: 'required' }))
    const { router } = await signIn('leader1', 'doorstep-demo')

    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/'))
  })

  it('then asks the browser to keep the phone’s data, and says what it answered', async () => {
    vi.mocked(requestPersistence).mockResolvedValueOnce(true)
    const user = { id: 'u-leader1', username: 'leader1', displayName: '陈伯', role: 'leader', communityId: 'c-1', buildingIds: ['b-1'] }
    server(api(200, { token: 't', deviceId: 'd-1', user, recoveryKey: DOUBLE_RECOVERY_KEY, appLock: 'required' }))
    await signIn('leader1', 'doorstep-demo')

    await vi.waitFor(() => expect(document.querySelector('.van-toast')?.textContent).toBe('数据已锁定，浏览器不会自动清理'))
    expect(requestPersistence).toHaveBeenCalledOnce()
  })

  it('opens the folded settings when the server address there is wrong', async () => {
    const fetch = server(api(401, {}))
    const { wrapper } = await mountWithApp(SessionSignIn, { route: '/signin' })
    await buttonNamed(wrapper, '更多设置').trigger('click')
    await fieldLabelled(wrapper, '服务器地址').find('input').setValue('ftp://example.org')
    await buttonNamed(wrapper, '更多设置').trigger('click')
    expect(wrapper.find('#session-signin-more').isVisible()).toBe(false)

    await fieldLabelled(wrapper, '用户名').find('input').setValue('leader1')
    await fieldLabelled(wrapper, '密码').find('input').setValue('x')
    await buttonNamed(wrapper, '登录').trigger('submit')

    await vi.waitFor(() => expect(errorOf(wrapper, '服务器地址').text()).toContain('服务器地址不对'))
    expect(wrapper.find('#session-signin-more').isVisible()).toBe(true)
    expect(fetch).not.toHaveBeenCalled()
  })
})

describe('signing in again after the token expired', () => {
  it('says the records are safe and starts from the last user and server', async () => {
    const user = { id: 'u-leader1', username: 'leader1', displayName: '陈伯', role: 'leader', communityId: 'c-1', buildingIds: [] }
    await db.meta.bulkPut([
      { key: 'user', value: JSON.stringify(user) },
      { key: 'serverUrl', value: 'https://doorstep.example' },
    ])
    const { wrapper } = await mountWithApp(SessionSignIn, { route: '/signin' })

    await vi.waitFor(() => expect(wrapper.text()).toContain('登录已失效，请重新登录；没同步的记录都还在手机上'))
    await vi.waitFor(() => expect((fieldLabelled(wrapper, '用户名').find('input').element as HTMLInputElement).value).toBe('leader1'))
    expect((fieldLabelled(wrapper, '服务器地址').find('input').element as HTMLInputElement).value).toBe('https://doorstep.example')
  })
})
