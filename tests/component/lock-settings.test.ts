import { beforeEach, describe, expect, it, vi } from 'vitest'
import { db } from '@/app/db/database'
import SettingsView from '@/app/features/settings/SettingsView.vue'
import { WrongPinError } from '@/app/lock/keyring'
import { setPin, unlock } from '@/app/lock/lock'
import { useLock } from '@/app/stores/lock'
import { buttonNamed } from './fields'
import { failedBefore, PIN, signedInPhone, typePin } from './lock-phone'
import { mountWithApp } from './setup'

/* 锁屏密码 in 我的, against the real lock store and key handling on the app's database. */

type Wrapper = Awaited<ReturnType<typeof mountWithApp>>['wrapper']

beforeEach(() => db.sealing.plain())

const NEW_PIN = '135790'
const section = (wrapper: Wrapper) => wrapper.findAll('section').find((s) => s.find('h2').exists() && s.find('h2').text() === '锁屏密码')

async function settings(): Promise<Wrapper> {
  const { wrapper } = await mountWithApp(SettingsView, { route: '/settings' })
  await useLock().refresh()
  await vi.waitFor(() => expect(section(wrapper)).toBeDefined())
  return wrapper
}

describe('锁屏密码 in 我的', () => {
  it('changes the PIN after checking the current one, with the lock screen’s count of tries', async () => {
    await signedInPhone()
    await setPin(db, PIN, null)
    const wrapper = await settings()
    await buttonNamed(section(wrapper)!, '修改锁屏密码').trigger('click')
    const prompt = () => wrapper.find('.pin-pad__label').text()

    expect(prompt()).toBe('输入现在的锁屏密码')
    await typePin(wrapper, '111111')
    expect(prompt()).toBe('输入新的锁屏密码')
    await typePin(wrapper, NEW_PIN)
    await typePin(wrapper, NEW_PIN)
    await vi.waitFor(() => expect(wrapper.find('[role="alert"]').text()).toBe('密码不对，还能试 9 次'))
    expect(prompt()).toBe('输入现在的锁屏密码')

    await typePin(wrapper, PIN)
    await typePin(wrapper, NEW_PIN)
    await typePin(wrapper, NEW_PIN)
    await vi.waitFor(() => expect(wrapper.find('[role="status"].lock-settings__done').text()).toBe('锁屏密码已修改'))
    expect(wrapper.find('.pin-pad').exists()).toBe(false)

    db.sealing.lock()
    await expect(unlock(db, PIN)).rejects.toBeInstanceOf(WrongPinError)
    await expect(unlock(db, NEW_PIN)).resolves.toBeUndefined()
  })

  it('counts a tenth wrong current PIN as the lock screen does: what the server has goes, and the phone locks', async () => {
    await signedInPhone()
    await setPin(db, PIN, null)
    await failedBefore(9, 3600)
    const wrapper = await settings()
    await buttonNamed(section(wrapper)!, '修改锁屏密码').trigger('click')
    await typePin(wrapper, '111111')
    await typePin(wrapper, NEW_PIN)
    await typePin(wrapper, NEW_PIN)

    await vi.waitFor(() => expect(useLock().state).toBe('locked'))
    expect(db.sealing.state).toBe('locked')
    expect(await db.residents.count()).toBe(0)
  })

  it('locks the phone at once', async () => {
    await signedInPhone()
    await setPin(db, PIN, null)
    const wrapper = await settings()
    await buttonNamed(section(wrapper)!, '立即锁定').trigger('click')

    expect(useLock().state).toBe('locked')
    expect(db.sealing.state).toBe('locked')
  })

  it('offers a PIN to a phone that went without one', async () => {
    await signedInPhone()
    await db.meta.bulkPut([
      { key: 'appLock', value: 'optional' },
      { key: 'lockSkipped', value: '2026-12-01T08:00:00.000Z' },
    ])
    const wrapper = await settings()
    expect(useLock().state).toBe('plain')
    expect(section(wrapper)!.text()).toContain('没设锁屏密码，手机丢了别人能看到居民的资料。')
    expect(section(wrapper)!.findAll('button').map((b) => b.text())).toEqual(['设置锁屏密码'])
    await buttonNamed(section(wrapper)!, '设置锁屏密码').trigger('click')

    expect(useLock().state).toBe('setup')
  })

  it('says nothing of a PIN on a phone nobody signed in on', async () => {
    const wrapper = (await mountWithApp(SettingsView, { route: '/settings' })).wrapper
    await useLock().refresh()
    expect(useLock().state).toBe('none')
    expect(section(wrapper)).toBeUndefined()
  })
})
