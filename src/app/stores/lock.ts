import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import { db } from '@/app/db/database'
import { useLiveQuery } from '@/app/db/live'
import { loadLockState, type LockState } from '@/app/lock/state'

/** After this long away from the screen, the app asks for the PIN again. */
export const RELOCK_AFTER_MS = 5 * 60_000

/*
 * Where the app lock stands, as the first screen needs it (src/app/lock). Until the state is known, and while
 * it is `setup` or `locked`, App.vue shows the PIN screens instead of any page, and nothing syncs. Typing and
 * choosing PINs is the PIN screens' store (src/app/features/lock/pin-store.ts), which loads with them.
 */
export const useLock = defineStore('lock', () => {
  const state = ref<LockState | 'checking'>('checking')
  const canSkip = ref(false)
  /** From the sign-in (base64url), kept in memory only until the PIN is chosen: the server keeps it, the phone never does. */
  const recoveryKey = ref<string | null>(null)

  async function refresh(): Promise<void> {
    const [next, appLock] = await Promise.all([loadLockState(db), db.meta.get('appLock')])
    canSkip.value = appLock?.value === 'optional'
    state.value = next
  }

  // A sign-in, a sign-out or the office's wipe — here, in another tab or by sync — changes what the phone needs.
  const session = useLiveQuery(() => db.meta.bulkGet(['token', 'keyring']).then(([token, keyring]) => `${!!token}:${!!keyring}`))
  watch(session, () => void refresh())

  /** A sign-in: its recovery key is for the PIN about to be chosen. */
  async function signedIn(key: string): Promise<void> {
    recoveryKey.value = key
    await refresh()
  }

  /** A phone that went without a PIN (`plain`) chooses one after all: the setup screen, with its skip, again. */
  function setUpPin(): void {
    if (state.value === 'plain') state.value = 'setup'
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

  /**
   * While the PIN setup or lock screen shows, nothing syncs: the phone checks in with the server instead
   * (src/app/sync/check-in.ts) when the screen comes up and whenever the network comes back, so that the
   * office's wipe reaches a phone nobody unlocks. The wipe lands in meta, and the state follows (above).
   * Answers a function that stops watching.
   */
  function watchOffice(network: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>): () => void {
    const waiting = () => state.value === 'setup' || state.value === 'locked'
    const check = () => {
      if (!waiting()) return
      void import('@/app/sync/check-in').then(({ checkIn }) => checkIn(db)).catch((error: unknown) => console.error('check-in failed', error))
    }
    const stop = watch(waiting, check, { immediate: true })
    network.addEventListener('online', check)
    return () => {
      stop()
      network.removeEventListener('online', check)
    }
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

  return { state, canSkip, recoveryKey, refresh, signedIn, setUpPin, lockNow, watchAway, watchOffice }
})
