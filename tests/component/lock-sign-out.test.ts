import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createRepositories } from '@/app/db'
import { db } from '@/app/db/database'
import LockScreen from '@/app/features/lock/LockScreen.vue'
import { setPin } from '@/app/lock/lock'
import { useLock } from '@/app/stores/lock'
import { author, visitFields } from '../fixtures'
import { buttonNamed, fieldLabelled } from './fields'
import { failedBefore, lockedPhone, PIN, signedInPhone, typePin } from './lock-phone'
import { mountWithApp } from './setup'

/*
 * 退出登录，清除这部手机上的资料 on the lock screen: the way out for a leader who cannot get in, on a locked
 * phone (its changes sealed, counted all the same), against the real sign-out and the app's fetch transport.
 */

type Wrapper = Awaited<ReturnType<typeof mountWithApp>>['wrapper']

const LEAVE = '退出登录，清除这部手机上的资料'
/** The requests made to `path` of the API. */
const calls = (path: string) => fetch.mock.calls.filter(([url]) => String(url).endsWith(`/api/v1${path}`)).length
let fetch: ReturnType<typeof vi.fn>

beforeEach(() => {
  fetch = vi.fn(async () => new Response(null, { status: 204 }))
  vi.stubGlobal('fetch', fetch)
})
afterEach(() => {
  vi.unstubAllGlobals()
  vi.restoreAllMocks()
})

/** A locked phone holding two records the office has not got: a visit waiting to go, and a refused change. */
async function lockedWithWork(): Promise<void> {
  await signedInPhone()
  await setPin(db, PIN, null)
  await createRepositories(db).visits.create(visitFields(), author)
  const entry = (await db.outbox.toArray())[0]!
  await db.rejections.put({ mutationId: 'm-refused', table: 'issues', recordId: 'i-refused', kind: 'put', code: 'forbidden', message: '', at: '2026-12-01T00:00:00Z', record: entry.record })
  db.sealing.lock()
}

async function lockScreen(): Promise<Wrapper> {
  const { wrapper } = await mountWithApp(LockScreen)
  await useLock().refresh()
  expect(useLock().state).toBe('locked')
  return wrapper
}

const rowsLeft = async () => (await Promise.all(db.tables.filter((t) => t.name !== 'meta').map((t) => t.count()))).reduce((a, b) => a + b)

describe('signing out from the lock screen', () => {
  it('says how many records the office has not got, then empties the phone and revokes the token', async () => {
    await lockedWithWork()
    const wrapper = await lockScreen()

    await buttonNamed(wrapper, LEAVE).trigger('click')
    await vi.waitFor(() => expect(wrapper.find('[role="alert"]').text()).toBe('还有 2 条记录社区没收到，退出后就找不回了。'))
    expect(calls('/auth/logout')).toBe(0)
    await buttonNamed(wrapper, '清除并退出').trigger('click')

    await vi.waitFor(() => expect(useLock().state).toBe('none'))
    expect(await rowsLeft()).toBe(0)
    expect(await db.meta.get('token')).toBeUndefined()
    expect(await db.meta.get('keyring')).toBeUndefined()
    expect(fetch).toHaveBeenCalledWith('http://server.test/api/v1/auth/logout', expect.objectContaining({ method: 'POST' }))
  })

  it('after ten wrong PINs and offline, still leaves: the phone empties, the office can revoke the token', async () => {
    await lockedWithWork()
    await failedBefore(10)
    fetch.mockRejectedValue(new TypeError('Failed to fetch'))
    const wrapper = await lockScreen()

    await buttonNamed(wrapper, LEAVE).trigger('click')
    await vi.waitFor(() => buttonNamed(wrapper, '清除并退出').trigger('click'))
    await vi.waitFor(() => expect(useLock().state).toBe('none'))
    expect(await rowsLeft()).toBe(0)
  })

  it('changes nothing when the leader does not confirm', async () => {
    await lockedWithWork()
    const wrapper = await lockScreen()

    await buttonNamed(wrapper, LEAVE).trigger('click')
    await vi.waitFor(() => buttonNamed(wrapper, '不退出').trigger('click'))
    expect(wrapper.find('.pin-pad').exists()).toBe(true)
    expect(useLock().state).toBe('locked')
    expect(await db.outbox.count()).toBe(1)
    expect(await db.rejections.count()).toBe(1)
    expect(calls('/auth/logout')).toBe(0)
  })
})

describe('a recovery the server refuses for the token', () => {
  it.each([
    ['device_signed_out', '社区已让这部手机退出登录，找回不了。请点下面的“退出登录，清除这部手机上的资料”。'],
    ['device_wiped', '社区已让这部手机退出登录，找回不了。请点下面的“退出登录，清除这部手机上的资料”。'],
    ['unauthorized', '登录已失效，找回不了。请点下面的“退出登录，清除这部手机上的资料”，再重新登录。'],
  ])('%s: says so and points to the sign-out under it', async (error, message) => {
    // The lock screen's check-in finds no network; the recovery, tried later, reaches the server.
    fetch.mockImplementation(async (url: string) => {
      if (url.endsWith('/auth/device')) throw new TypeError('Failed to fetch')
      return new Response(JSON.stringify({ error, message: 'refused' }), { status: 401, headers: { 'content-type': 'application/json' } })
    })
    await lockedPhone()
    const wrapper = await lockScreen()
    await buttonNamed(wrapper, '忘记密码？').trigger('click')
    await fieldLabelled(wrapper, '登录密码').find('input').setValue('doorstep-demo')
    await typePin(wrapper, '135790')
    await typePin(wrapper, '135790')

    await vi.waitFor(() => expect(wrapper.find('[role="alert"]').text()).toBe(message))
    expect(buttonNamed(wrapper, LEAVE).exists()).toBe(true)
    expect(useLock().state).toBe('locked')
  })
})

describe('the office’s wipe reaching the lock screen', () => {
  const wiped = () => new Response(JSON.stringify({ error: 'device_wiped', message: 'wiped' }), { status: 401, headers: { 'content-type': 'application/json' } })
  const checkIns = () => fetch.mock.calls.filter(([url]) => String(url) === 'http://server.test/api/v1/auth/device').length

  it('when the network comes back while it shows, the phone checks in and empties itself', async () => {
    await lockedWithWork()
    fetch.mockRejectedValue(new TypeError('Failed to fetch'))
    await lockScreen()
    // Offline when the screen came up: the check-in did not get through, and nothing changed.
    await vi.waitFor(() => expect(fetch).toHaveBeenCalledWith('http://server.test/api/v1/auth/device', expect.objectContaining({ method: 'GET' })))
    expect(useLock().state).toBe('locked')

    fetch.mockResolvedValue(wiped())
    window.dispatchEvent(new Event('online'))
    await vi.waitFor(() => expect(useLock().state).toBe('none'))
    expect(await rowsLeft()).toBe(0)
  })

  it('leaves an open phone to sync: no check-in once the lock screen has gone', async () => {
    await lockedWithWork()
    fetch.mockRejectedValue(new TypeError('Failed to fetch'))
    const wrapper = await lockScreen()
    await vi.waitFor(() => expect(checkIns()).toBe(1))
    await typePin(wrapper, PIN)
    await vi.waitFor(() => expect(useLock().state).toBe('open'))
    fetch.mockResolvedValue(wiped())
    window.dispatchEvent(new Event('online'))
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(checkIns()).toBe(1)
    expect(await rowsLeft()).toBeGreaterThan(0)
  })
})
