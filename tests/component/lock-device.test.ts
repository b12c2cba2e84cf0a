import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { db } from '@/app/db/database'
import LockScreen from '@/app/features/lock/LockScreen.vue'
import SettingsView from '@/app/features/settings/SettingsView.vue'
import { enrollDevice, setPin } from '@/app/lock/lock'
import { readKeyring } from '@/app/lock/state'
import { NoPrfError } from '@/app/lock/webauthn'
import { useLock } from '@/app/stores/lock'
import { buttonNamed } from './fields'
import { CANARY, failedBefore, lockedPhone, PIN, signedInPhone, typePin } from './lock-phone'
import { mountWithApp } from './setup'

/*
 * 用指纹或面容解锁 in 我的 and 用指纹解锁 on the lock screen, against the real lock store and key handling; the
 * phone's authenticator is a double that answers fixed PRF bytes (the browser's is in tests/e2e).
 */

const sensor = vi.hoisted(() => ({
  supported: true,
  prf: new Uint8Array(32).fill(7),
  create: vi.fn(),
  evaluate: vi.fn(),
}))
vi.mock('@/app/lock/webauthn', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/app/lock/webauthn')>()),
  isSupported: async () => sensor.supported,
  platformAuthenticator: { create: sensor.create, evaluate: sensor.evaluate },
}))

type Wrapper = Awaited<ReturnType<typeof mountWithApp>>['wrapper']

const notAllowed = () => new DOMException('The operation either timed out or was not allowed.', 'NotAllowedError')

beforeEach(() => {
  // An open phone may start a sync: offline here, as these screens need no server.
  vi.stubGlobal('fetch', vi.fn(() => Promise.reject(new TypeError('Failed to fetch'))))
  sensor.supported = true
  sensor.create.mockImplementation(async () => ({ credentialId: new Uint8Array(16).fill(1), prf: sensor.prf }))
  sensor.evaluate.mockImplementation(async () => sensor.prf)
})
afterEach(() => {
  vi.unstubAllGlobals()
  vi.clearAllMocks()
})

const section = (wrapper: Wrapper) => wrapper.findAll('section').find((s) => s.find('h2').exists() && s.find('h2').text() === '锁屏密码')
const buttons = (wrapper: Wrapper) => section(wrapper)!.findAll('button:not(.pin-pad button)').map((b) => b.text())

async function settings(): Promise<Wrapper> {
  await signedInPhone()
  await setPin(db, PIN, null)
  const { wrapper } = await mountWithApp(SettingsView, { route: '/settings' })
  await useLock().refresh()
  await vi.waitFor(() => expect(section(wrapper)).toBeDefined())
  return wrapper
}

describe('用指纹或面容解锁 in 我的', () => {
  it('turns on after the current PIN, wrong ones counted as anywhere, and can be turned off', async () => {
    const wrapper = await settings()
    await vi.waitFor(() => expect(buttons(wrapper)).toEqual(['修改锁屏密码', '用指纹或面容解锁', '立即锁定']))
    expect(section(wrapper)!.text()).toContain('这部手机上录过的指纹和面容都能打开楼长助手。')
    await buttonNamed(section(wrapper)!, '用指纹或面容解锁').trigger('click')
    expect(wrapper.find('.pin-pad__label').text()).toBe('输入锁屏密码，开启指纹或面容解锁')

    await typePin(wrapper, '111111')
    await vi.waitFor(() => expect(wrapper.find('[role="alert"]').text()).toBe('密码不对，还能试 9 次'))
    expect(sensor.create).not.toHaveBeenCalled()
    await typePin(wrapper, PIN)
    await vi.waitFor(() => expect(wrapper.find('.lock-settings__done').text()).toBe('已开启指纹或面容解锁'))
    expect(sensor.create).toHaveBeenCalledTimes(1)
    expect((await readKeyring(db))?.device).toMatchObject({ credentialId: expect.any(String) })
    expect(buttons(wrapper)).toEqual(['修改锁屏密码', '关闭指纹或面容解锁', '立即锁定'])

    await buttonNamed(section(wrapper)!, '关闭指纹或面容解锁').trigger('click')
    await vi.waitFor(() => expect(wrapper.find('.lock-settings__done').text()).toBe('已关闭指纹或面容解锁，请用锁屏密码'))
    expect((await readKeyring(db))?.device).toBeNull()
  })

  it('counts a tenth wrong current PIN as the lock screen does: the phone forgets what the server has and locks', async () => {
    const wrapper = await settings()
    await failedBefore(9, 3600)
    await vi.waitFor(() => expect(buttons(wrapper)).toContain('用指纹或面容解锁'))
    await buttonNamed(section(wrapper)!, '用指纹或面容解锁').trigger('click')
    await typePin(wrapper, '111111')
    await vi.waitFor(() => expect(useLock().state).toBe('locked'))
    expect(db.sealing.state).toBe('locked')
    expect(await db.residents.count()).toBe(0)
    expect(sensor.create).not.toHaveBeenCalled()
  })

  it('says plainly when the browser gives no PRF output, and stores nothing', async () => {
    sensor.create.mockRejectedValue(new NoPrfError())
    const wrapper = await settings()
    await vi.waitFor(() => expect(buttons(wrapper)).toContain('用指纹或面容解锁'))
    await buttonNamed(section(wrapper)!, '用指纹或面容解锁').trigger('click')
    await typePin(wrapper, PIN)
    await vi.waitFor(() => expect(wrapper.find('[role="alert"]').text()).toBe('这部手机不支持用指纹或面容打开楼长助手，请继续用锁屏密码'))
    expect((await readKeyring(db))?.device).toBeNull()
  })

  it('is not offered on a phone without a fingerprint or face authenticator', async () => {
    sensor.supported = false
    const wrapper = await settings()
    // The store asks the browser once, without waiting: a turn of the event loop lets the answer land.
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(buttons(wrapper)).toEqual(['修改锁屏密码', '立即锁定'])
  })
})

describe('用指纹解锁 on the lock screen', () => {
  async function lockScreen(): Promise<Wrapper> {
    await lockedPhone()
    await enrollDevice(db, PIN, { create: sensor.create, evaluate: sensor.evaluate })
    db.sealing.lock()
    const { wrapper } = await mountWithApp(LockScreen)
    await useLock().refresh()
    await vi.waitFor(() => expect(wrapper.findAll('button').some((b) => b.text() === '用指纹解锁')).toBe(true))
    return wrapper
  }

  it('opens the phone with the finger', async () => {
    const wrapper = await lockScreen()
    await buttonNamed(wrapper, '用指纹解锁').trigger('click')
    await vi.waitFor(() => expect(useLock().state).toBe('open'))
    expect(await db.residents.get('r-1')).toMatchObject({ name: CANARY.name })
  })

  it('a cancel, or bytes that do not open the key, leave the PIN pad as it was and count nothing', async () => {
    const wrapper = await lockScreen()
    vi.spyOn(console, 'error').mockImplementation(() => {})
    sensor.evaluate.mockRejectedValueOnce(notAllowed()).mockResolvedValueOnce(new Uint8Array(32).fill(8))
    for (let i = 0; i < 2; i++) {
      await buttonNamed(wrapper, '用指纹解锁').trigger('click')
      await vi.waitFor(() => expect(wrapper.find('[role="status"]').text()).toBe('没有解锁，请输锁屏密码'))
      expect(useLock().state).toBe('locked')
    }
    expect(await db.meta.get('pinFailures')).toBeUndefined()
    expect(wrapper.find('.pin-pad__label').text()).toBe('输入锁屏密码')
    await typePin(wrapper, PIN)
    await vi.waitFor(() => expect(useLock().state).toBe('open'))
  })

  it('is not offered where fingerprint unlock is off', async () => {
    await lockedPhone()
    const { wrapper } = await mountWithApp(LockScreen)
    await useLock().refresh()
    await vi.waitFor(() => expect(wrapper.find('.pin-pad').exists()).toBe(true))
    expect(wrapper.findAll('button').some((b) => b.text() === '用指纹解锁')).toBe(false)
  })
})
