import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import { db } from '@/app/db/database'
import { useLiveQuery } from '@/app/db/live'
import type { Bytes } from '@/app/lock/keyring'
import { loadLockState, MAX_PIN_FAILURES, nextTryAt, readFailures, type LockState, type PinFailures } from '@/app/lock/state'

/** After this long away from the screen, the app asks for the PIN again. */
export const RELOCK_AFTER_MS = 5 * 60_000

/*
 * The app lock as the screens see it (src/app/lock). Until the state is known, and while it is `setup` or
 * `locked`, App.vue shows the PIN screens instead of any page, and nothing syncs. The key handling, and
 * the cipher with it, load with the first PIN typed, not with the first screen.
 */
export const useLock = defineStore('lock', () => {
  const state = ref<LockState | 'checking'>('checking')
  const failures = ref<PinFailures | null>(null)
  const canSkip = ref(false)
  /** From the sign-in, kept in memory only until the PIN is chosen: the server keeps it, the phone never does. */
  let recoveryKey: Bytes | null = null

  const actions = () => import('@/app/lock/lock')

  /** The PIN pad waits until then (null: it takes a PIN now). */
  const retryAt = computed(() => nextTryAt(failures.value))
  /** Ten wrong PINs: only the account's password opens the phone again. */
  const exhausted = computed(() => (failures.value?.count ?? 0) >= MAX_PIN_FAILURES)
  const attemptsLeft = computed(() => MAX_PIN_FAILURES - (failures.value?.count ?? 0))

  async function refresh(): Promise<void> {
    const [next, counted, appLock] = await Promise.all([loadLockState(db), readFailures(db), db.meta.get('appLock')])
    failures.value = counted
    canSkip.value = appLock?.value === 'optional'
    state.value = next
  }

  // A sign-in, a sign-out or the office's wipe — here, in another tab or by sync — changes what the phone needs.
  const session = useLiveQuery(() => db.meta.bulkGet(['token', 'keyring']).then(([token, keyring]) => `${!!token}:${!!keyring}`))
  watch(session, () => void refresh())

  /** The sign-in's recovery key (base64url), for the PIN about to be chosen. */
  async function signedIn(key: string): Promise<void> {
    recoveryKey = (await import('@/app/lock/keyring')).fromBase64Url(key)
    await refresh()
  }

  async function choosePin(pin: string): Promise<void> {
    await (await actions()).setPin(db, pin, recoveryKey)
    recoveryKey = null
    await refresh()
  }

  /** A phone that went without a PIN (`plain`) chooses one after all: the setup screen, with its skip, again. */
  function setUpPin(): void {
    if (state.value === 'plain') state.value = 'setup'
  }

  async function skip(): Promise<void> {
    await (await actions()).skipPin(db)
    await refresh()
  }

  /** Throws WrongPinError or PinWaitError; the counts shown follow either way. */
  async function enter(pin: string): Promise<void> {
    try {
      await (await actions()).unlock(db, pin)
    } finally {
      await refresh()
    }
  }

  /** A forgotten PIN: the server hands the recovery key back for the account's password (network needed). */
  async function recoverWithPassword(password: string, newPin: string): Promise<void> {
    const [{ recover }, { fromBase64Url }, { recoveryKeyFor }] = await Promise.all([actions(), import('@/app/lock/keyring'), import('@/app/sync/runtime')])
    await recover(db, fromBase64Url(await recoveryKeyFor(password)), newPin)
    await refresh()
  }

  async function changePin(current: string, next: string): Promise<void> {
    try {
      await (await actions()).changePin(db, current, next)
    } finally {
      await refresh()
    }
  }

  /**
   * Locks now: the key leaves memory, and the page starts again so that nothing opened stays behind in its
   * screens or in Dexie's cache.
   */
  function lockNow(): void {
    db.sealing.lock()
    state.value = 'locked'
    globalThis.location?.reload()
  }

  /** Locks after RELOCK_AFTER_MS away: on a timer while hidden, and on return in case the timer was frozen. */
  function watchAway(page: Document): void {
    let hiddenAt = 0
    let timer: ReturnType<typeof setTimeout> | undefined
    page.addEventListener('visibilitychange', () => {
      clearTimeout(timer)
      if (state.value !== 'open') return
      if (page.visibilityState === 'hidden') {
        hiddenAt = Date.now()
        timer = setTimeout(lockNow, RELOCK_AFTER_MS)
      } else if (hiddenAt && Date.now() - hiddenAt >= RELOCK_AFTER_MS) {
        lockNow()
      }
    })
  }

  return { state, failures, canSkip, retryAt, exhausted, attemptsLeft, refresh, signedIn, setUpPin, choosePin, skip, enter, recoverWithPassword, changePin, lockNow, watchAway }
})
