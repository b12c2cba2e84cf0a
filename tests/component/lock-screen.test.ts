import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import App from '@/app/App.vue'
import { db } from '@/app/db/database'
import LockScreen from '@/app/features/lock/LockScreen.vue'
import { unlock } from '@/app/lock/lock'
import { useLock } from '@/app/stores/lock'
import { DOUBLE_PASSWORD } from '@/app/sync/transport-double'
import { buttonNamed, errorOf, fieldLabelled } from './fields'
import { CANARY, failedBefore, lockedPhone, PIN, recoveryServer, typePin } from './lock-phone'
import { mountWithApp } from './setup'

/*
 * 输入锁屏密码 and the recovery with the sign-in password, against the real lock store and key handling on the
 * app's database; the server's recovery key comes from the transport double through the real fetch transport.
 */

type Wrapper = Awaited<ReturnType<typeof mountWithApp>>['wrapper']

beforeEach(() => db.sealing.plain())
afterEach(() => {
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
})

const padKeys = (wrapper: Wrapper) => wrapper.findAll('.pin-pad button')
const alert = (wrapper: Wrapper) => wrapper.find('[role="alert"]')

async function lockScreen(): Promise<Wrapper> {
  const { wrapper } = await mountWithApp(LockScreen)
  await useLock().refresh()
  return wrapper
}

describe('the lock screen', () => {
  it('comes before any page; a wrong PIN says how many tries are left, the right one opens the app', async () => {
    await lockedPhone()
    const { wrapper } = await mountWithApp(App, { route: '/' })
    await vi.waitFor(() => expect(wrapper.find('.pin-pad__label').text()).toBe('输入锁屏密码'))
    expect(wrapper.find('.app-tabbar').exists()).toBe(false)

    await typePin(wrapper, '111111')
    await vi.waitFor(() => expect(alert(wrapper).text()).toBe('密码不对，还能试 9 次'))
    await typePin(wrapper, '222222')
    await vi.waitFor(() => expect(alert(wrapper).text()).toBe('密码不对，还能试 8 次'))

    await typePin(wrapper, PIN)
    await vi.waitFor(() => expect(wrapper.find('.app-tabbar').exists()).toBe(true))
    expect(useLock().state).toBe('open')
    expect(await db.residents.get('r-1')).toMatchObject({ name: CANARY.name })
    // The right PIN starts the count again.
    expect(await db.meta.get('pinFailures')).toBeUndefined()
  })

  it('after too many wrong PINs shuts the pad and counts the wait down, then takes the PIN again', async () => {
    await lockedPhone()
    // Five wrong PINs wait 30 s after the last: this one was 28 s ago.
    await failedBefore(5, 28)
    const wrapper = await lockScreen()

    const wait = () => wrapper.find('.lock-note--error').text()
    expect(wait()).toMatch(/^输错太多次，请 [12] 秒后再试$/)
    const first = wait()
    expect(padKeys(wrapper).every((key) => key.attributes('disabled') !== undefined)).toBe(true)
    await vi.waitFor(() => expect(wait()).not.toBe(first), { timeout: 3000 })
    await vi.waitFor(() => expect(wrapper.find('.lock-note--error').exists()).toBe(false), { timeout: 4000 })

    expect(padKeys(wrapper).filter((key) => key.attributes('disabled') !== undefined).map((key) => key.attributes('aria-label'))).toEqual(['删除一位'])
    await typePin(wrapper, PIN)
    await vi.waitFor(() => expect(useLock().state).toBe('open'))
  })

  it('after ten wrong PINs says what is gone and what is kept, and offers only the password', async () => {
    await lockedPhone()
    await failedBefore(10)
    const wrapper = await lockScreen()

    expect(alert(wrapper).text()).toBe('输错 10 次，已同步的资料已从手机清除，没同步的还在。请用登录密码找回。')
    expect(fieldLabelled(wrapper, '登录密码').exists()).toBe(true)
    expect(wrapper.findAll('.pin-pad')).toHaveLength(1)
    expect(wrapper.find('.pin-pad__label').text()).toBe('新的锁屏密码')
    const buttons = wrapper.findAll('button').map((b) => b.text())
    expect(buttons).not.toContain('忘记密码？')
    expect(buttons).not.toContain('想起来了，输锁屏密码')
  })
})

describe('a forgotten PIN', () => {
  async function recovery(): Promise<Wrapper> {
    const wrapper = await lockScreen()
    await buttonNamed(wrapper, '忘记密码？').trigger('click')
    return wrapper
  }

  async function recover(wrapper: Wrapper, password: string, pin: string) {
    await fieldLabelled(wrapper, '登录密码').find('input').setValue(password)
    await typePin(wrapper, pin)
    await typePin(wrapper, pin)
  }

  it('asks for the sign-in password first, says when it is wrong, and with the right one opens the phone under a new PIN', async () => {
    await lockedPhone()
    const fetch = recoveryServer()
    const wrapper = await recovery()
    expect(wrapper.text()).toContain('输入登录密码，再设一个新的锁屏密码。要联网。')

    await recover(wrapper, '', '135790')
    expect(errorOf(wrapper, '登录密码').text()).toBe('请先填登录密码')
    expect(fetch.mock.calls.filter(([url]) => String(url).endsWith('/auth/recovery-key'))).toEqual([])

    await recover(wrapper, 'not-the-password', '135790')
    await vi.waitFor(() => expect(errorOf(wrapper, '登录密码').text()).toBe('登录密码不对'))
    expect(useLock().state).toBe('locked')

    await recover(wrapper, DOUBLE_PASSWORD, '135790')
    await vi.waitFor(() => expect(useLock().state).toBe('open'))
    expect(await db.residents.get('r-1')).toMatchObject({ name: CANARY.name })
    // The new PIN opens it from now on.
    db.sealing.lock()
    await expect(unlock(db, '135790')).resolves.toBeUndefined()
  })

  it('needs the network, and says so', async () => {
    await lockedPhone()
    vi.stubGlobal('fetch', vi.fn(() => Promise.reject(new TypeError('Failed to fetch'))))
    const wrapper = await recovery()
    await recover(wrapper, DOUBLE_PASSWORD, '135790')
    await vi.waitFor(() => expect(alert(wrapper).text()).toBe('找回要联网，请连上网络再试'))
    expect(useLock().state).toBe('locked')
  })

  it('says how long to wait when the server counts too many wrong passwords', async () => {
    await lockedPhone()
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response(JSON.stringify({ error: 'too_many_requests', message: 'wait' }), { status: 429, headers: { 'content-type': 'application/json', 'retry-after': '90' } })),
    )
    const wrapper = await recovery()
    await recover(wrapper, DOUBLE_PASSWORD, '135790')
    await vi.waitFor(() => expect(errorOf(wrapper, '登录密码').text()).toBe('密码错误次数太多，请 2 分钟后再试'))
  })

  it('says plainly what is left to do when the phone’s key was made without the server’s', async () => {
    await lockedPhone({ recoverable: false })
    recoveryServer()
    const wrapper = await recovery()
    await recover(wrapper, DOUBLE_PASSWORD, '135790')
    await vi.waitFor(() => expect(alert(wrapper).text()).toBe('这台手机上的资料打不开了。退出登录再重新登录，已同步的资料会重新下载回来。'))
    expect(useLock().state).toBe('locked')
  })

  it('goes back to the PIN for a leader who remembers it', async () => {
    await lockedPhone()
    const wrapper = await recovery()
    await buttonNamed(wrapper, '想起来了，输锁屏密码').trigger('click')
    expect(wrapper.find('.pin-pad__label').text()).toBe('输入锁屏密码')
    await typePin(wrapper, PIN)
    await vi.waitFor(() => expect(useLock().state).toBe('open'))
  })
})
