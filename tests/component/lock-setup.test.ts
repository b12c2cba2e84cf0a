import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import App from '@/app/App.vue'
import { db } from '@/app/db/database'
import { useLock } from '@/app/stores/lock'
import { fromBase64Url } from '@/app/lock/keyring'
import { recover } from '@/app/lock/lock'
import { DOUBLE_PASSWORD, DOUBLE_RECOVERY_KEY } from '@/app/sync/transport-double'
import { buttonNamed, errorOf, fieldLabelled } from './fields'
import { CANARY, PIN, rawRows, recoveryServer, signedInPhone, typePin } from './lock-phone'
import { mountWithApp } from './setup'

/*
 * 设置锁屏密码 as the app shows it after a sign-in: in place of every page, against the real lock store and the
 * app's database, whose residents are read back past the sealing middleware.
 */

type Wrapper = Awaited<ReturnType<typeof mountWithApp>>['wrapper']

// A test before may have left the shared database sealed under a key of its own.
beforeEach(() => db.sealing.plain())
afterEach(() => vi.unstubAllGlobals())

const prompt = (wrapper: Wrapper) => wrapper.find('.pin-pad__label').text()

/** The setup screen, as right after a sign-in (its recovery key in memory) unless `signedInJustNow` is false. */
async function setupScreen({ signedInJustNow = true } = {}): Promise<Wrapper> {
  const { wrapper } = await mountWithApp(App, { route: '/' })
  if (signedInJustNow) useLock().recoveryKey = DOUBLE_RECOVERY_KEY
  await vi.waitFor(() => expect(wrapper.find('h1').text()).toBe('设置锁屏密码'))
  return wrapper
}

describe('choosing a PIN after signing in', () => {
  it('comes before any page, says why, and asks for the PIN twice, saying so beside the pad when they differ', async () => {
    await signedInPhone()
    const wrapper = await setupScreen()
    expect(wrapper.find('.app-tabbar').exists()).toBe(false)
    expect(wrapper.text()).toContain('手机里有居民的姓名和电话。设了锁屏密码，手机丢了别人也看不到。')
    // The office requires a PIN here.
    expect(wrapper.findAll('button').some((b) => b.text() === '暂不设置')).toBe(false)

    expect(prompt(wrapper)).toBe('输入 6 位数字')
    await typePin(wrapper, PIN)
    expect(prompt(wrapper)).toBe('再输一次')
    await typePin(wrapper, '482917')
    expect(wrapper.find('[role="alert"]').text()).toBe('两次输的不一样，请重新输')
    expect(prompt(wrapper)).toBe('输入 6 位数字')
    expect(useLock().state).toBe('setup')
    expect(JSON.stringify(await rawRows('residents'))).toContain(CANARY.name)
  })

  it('without the sign-in’s recovery key (a reload since), asks for the sign-in password and fetches the key with it', async () => {
    await signedInPhone()
    const fetch = recoveryServer()
    const wrapper = await setupScreen({ signedInJustNow: false })
    expect(wrapper.text()).toContain('再输一次登录密码：忘了锁屏密码时，凭它找回。')
    await typePin(wrapper, PIN)
    await typePin(wrapper, PIN)
    expect(errorOf(wrapper, '登录密码').text()).toBe('请先填登录密码')
    expect(fetch.mock.calls.filter(([url]) => String(url).endsWith('/auth/recovery-key'))).toEqual([])

    await fieldLabelled(wrapper, '登录密码').find('input').setValue('not-the-password')
    await typePin(wrapper, PIN)
    await typePin(wrapper, PIN)
    await vi.waitFor(() => expect(errorOf(wrapper, '登录密码').text()).toBe('登录密码不对'))
    expect(useLock().state).toBe('setup')

    await fieldLabelled(wrapper, '登录密码').find('input').setValue(DOUBLE_PASSWORD)
    await typePin(wrapper, PIN)
    await typePin(wrapper, PIN)
    await vi.waitFor(() => expect(useLock().state).toBe('open'), { timeout: 10_000 })
    // The key the server gave opens the phone: a forgotten PIN loses nothing.
    db.sealing.lock()
    await recover(db, fromBase64Url(DOUBLE_RECOVERY_KEY), '135790')
    expect((await db.residents.get('r-1'))?.name).toBe(CANARY.name)
  })

  it('with no network, lets the leader set the PIN without the recovery key, saying what that means', async () => {
    await signedInPhone()
    vi.stubGlobal('fetch', vi.fn(() => Promise.reject(new TypeError('Failed to fetch'))))
    const wrapper = await setupScreen({ signedInJustNow: false })
    await fieldLabelled(wrapper, '登录密码').find('input').setValue(DOUBLE_PASSWORD)
    await typePin(wrapper, PIN)
    await typePin(wrapper, PIN)
    await vi.waitFor(() => expect(wrapper.find('[role="alert"]').text()).toBe('找回要联网，请连上网络再试'))
    await buttonNamed(wrapper, '没网，先只设锁屏密码（忘了它，没同步的记录就找不回）').trigger('click')
    await vi.waitFor(() => expect(useLock().state).toBe('open'), { timeout: 10_000 })
    expect(JSON.parse((await db.meta.get('keyring'))!.value)).toMatchObject({ recovery: null })
  })

  it('shows progress while it seals the phone, then opens the app with no resident stored in the clear', async () => {
    await signedInPhone()
    const wrapper = await setupScreen()
    await typePin(wrapper, PIN)
    await typePin(wrapper, PIN)

    expect(wrapper.find('[role="status"].lock-note').text()).toBe('正在给手机上的资料加密…')
    expect(wrapper.find('.pin-pad button[aria-label="1"]').attributes('disabled')).toBeDefined()
    await vi.waitFor(() => expect(wrapper.find('.app-tabbar').exists()).toBe(true), { timeout: 10_000 })
    expect(useLock().state).toBe('open')

    const rows = await rawRows('residents')
    const stored = JSON.stringify(rows, (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('latin1') : value))
    expect(rows).toHaveLength(1)
    expect(stored).not.toContain(CANARY.name)
    expect(stored).not.toContain(CANARY.phone)
    expect(Buffer.from((rows[0] as { sealed: Uint8Array }).sealed).includes(Buffer.from(CANARY.name))).toBe(false)
    expect(await db.residents.get('r-1')).toMatchObject({ name: CANARY.name })
  })

  // The router loads the workspace's chunk (Element Plus) before it moves, which takes seconds in a test.
  it('comes before the office workspace too', async () => {
    await signedInPhone()
    const { wrapper } = await mountWithApp(App, { route: '/office' })
    await vi.waitFor(() => expect(wrapper.find('h1').text()).toBe('设置锁屏密码'), { timeout: 20_000 })
    expect(wrapper.find('.office-layout__side').exists()).toBe(false)
  }, 30_000)

  it('lets the leader go on without a PIN only where the office allows it', async () => {
    await signedInPhone()
    await db.meta.put({ key: 'appLock', value: 'optional' })
    const wrapper = await setupScreen()
    await vi.waitFor(() => expect(wrapper.findAll('button').some((b) => b.text() === '暂不设置')).toBe(true))
    await wrapper.findAll('button').find((b) => b.text() === '暂不设置')!.trigger('click')

    await vi.waitFor(() => expect(wrapper.find('.app-tabbar').exists()).toBe(true))
    expect(useLock().state).toBe('plain')
    expect(JSON.stringify(await rawRows('residents'))).toContain(CANARY.name)
  })
})
