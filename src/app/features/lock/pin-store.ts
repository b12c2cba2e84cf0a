import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { db } from '@/app/db/database'
import { fromBase64Url } from '@/app/lock/keyring'
import * as pins from '@/app/lock/lock'
import { readKeyring } from '@/app/lock/state'
import { isSupported, platformAuthenticator, refusal } from '@/app/lock/webauthn'
import { useLock } from '@/app/stores/lock'

/*
 * Typing and choosing PINs, for the PIN screens (they load it with them, and the cipher with it). Every action
 * reads the wrong-PIN count again and lets the app lock's store (src/app/stores/lock.ts) follow.
 */
export const usePins = defineStore('pins', () => {
  const lock = useLock()
  const failures = ref<pins.PinFailures | null>(null)

  /** The PIN pad waits until then (null: it takes a PIN now). */
  const retryAt = computed(() => pins.nextTryAt(failures.value))
  /** Ten wrong PINs: only the account's password opens the phone again. */
  const exhausted = computed(() => (failures.value?.count ?? 0) >= pins.MAX_PIN_FAILURES)
  const attemptsLeft = computed(() => pins.MAX_PIN_FAILURES - (failures.value?.count ?? 0))
  /** Fingerprint or face unlock is on (the keyring holds its wrap). */
  const device = ref(false)
  /** The phone has a fingerprint or face authenticator that the browser can use. */
  const deviceSupported = ref(false)

  /** The office lets the leader go on without a PIN. */
  const canSkip = ref(false)

  async function refresh(): Promise<void> {
    const [counted, keyring, appLock] = await Promise.all([pins.readFailures(db), readKeyring(db), db.meta.get('appLock')])
    failures.value = counted
    device.value = !!keyring?.device
    canSkip.value = appLock?.value === 'optional'
    await lock.refresh()
  }

  /**
   * Chooses the PIN, wrapped also for the sign-in's recovery key; when that is no longer in memory (a reload
   * since, or a phone signed in before the app lock), `password` fetches it again from the server.
   */
  async function choosePin(pin: string, password?: string): Promise<void> {
    const key = lock.recoveryKey ?? (password ? await (await import('@/app/sync/runtime')).recoveryKeyFor(password) : null)
    await pins.setPin(db, pin, key ? fromBase64Url(key) : null)
    lock.recoveryKey = null
    await refresh()
  }

  async function skip(): Promise<void> {
    await pins.skipPin(db)
    await refresh()
  }

  /** Throws WrongPinError or PinWaitError; the counts shown follow either way. */
  async function enter(pin: string): Promise<void> {
    try {
      await pins.unlock(db, pin)
    } finally {
      await refresh()
    }
  }

  /** A forgotten PIN: the server hands the recovery key back for the account's password (network needed). */
  async function recoverWithPassword(password: string, newPin: string): Promise<void> {
    const { recoveryKeyFor } = await import('@/app/sync/runtime')
    await pins.recover(db, fromBase64Url(await recoveryKeyFor(password)), newPin)
    await refresh()
  }

  /** As the lock screen counts: the tenth wrong current PIN in a row forgets what the server has and locks. */
  async function changePin(current: string, next: string): Promise<void> {
    try {
      await pins.changePin(db, current, next)
    } finally {
      await refresh()
      if (exhausted.value) lock.lockNow()
    }
  }

  /**
   * Turns fingerprint or face unlock on after the current PIN: throws WrongPinError or PinWaitError for the PIN
   * (the tenth wrong one in a row locks, as on the lock screen), and answers what the authenticator did.
   */
  async function enrollDevice(pin: string): Promise<'on' | 'unsupported' | 'notConfirmed'> {
    try {
      await pins.enrollDevice(db, pin, platformAuthenticator)
      return 'on'
    } catch (error) {
      const refused = refusal(error)
      if (!refused) throw error
      return refused
    } finally {
      await refresh()
      if (exhausted.value) lock.lockNow()
    }
  }

  /** True when the finger or face opened the phone; false leaves the PIN pad as it was (nothing counted). */
  async function unlockWithDevice(): Promise<boolean> {
    try {
      await pins.unlockWithDevice(db, platformAuthenticator)
      return true
    } catch (error) {
      if (!refusal(error)) console.error('fingerprint unlock failed', error)
      return false
    } finally {
      await refresh()
    }
  }

  async function forgetDevice(): Promise<void> {
    await pins.forgetDevice(db)
    await refresh()
  }

  void refresh()
  void isSupported().then((supported) => (deviceSupported.value = supported))
  return {
    canSkip,
    failures,
    retryAt,
    exhausted,
    attemptsLeft,
    device,
    deviceSupported,
    refresh,
    choosePin,
    skip,
    enter,
    recoverWithPassword,
    changePin,
    enrollDevice,
    unlockWithDevice,
    forgetDevice,
  }
})
