import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import { db } from '@/app/db/database'
import { useLiveQuery } from '@/app/db/live'
import { loadLockState, type LockState } from '@/app/lock/state'

/*
 * Where the app lock stands, as the first screen needs it (src/app/lock). Until the state is known, and while
 * it is `setup` or `locked`, App.vue shows the PIN screens instead of any page, and nothing syncs. Typing and
 * choosing PINs is the PIN screens' store (src/app/features/lock/pin-store.ts), which loads with them.
 */
export const useLock = defineStore('lock', () => {
  const state = ref<LockState | 'checking' | 'failed'>('checking')
  /** From the sign-in (base64url), kept in memory only until the PIN is chosen: the server keeps it, the phone never does. */
  const recoveryKey = ref<string | null>(null)

  async function refresh(): Promise<void> {
    try {
      state.value = await loadLockState(db)
    } catch (error) {
      // The database does not open: the pages show it as they do any failed read, and nothing sealed opens
      // (the database stays locked), rather than a blank screen for ever.
      console.error('app lock not read', error)
      if (state.value === 'checking') state.value = 'failed'
    }
  }

  // A sign-in, a sign-out or the office's wipe — here, in another tab or by sync — changes what the phone needs.
  const session = useLiveQuery(() => db.meta.bulkGet(['token', 'keyring']).then(([token, keyring]) => `${!!token}:${!!keyring}`))
  watch(session, () => void refresh())

  /** A sign-in: its recovery key (base64url) is for the PIN about to be chosen. */
  async function signedIn(key: string): Promise<void> {
    await refresh()
    // An unlocked phone took the key already (src/app/sync/runtime.ts): only a PIN still to choose needs it.
    recoveryKey.value = state.value === 'setup' ? key : null
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

  return { state, recoveryKey, refresh, signedIn, setUpPin, lockNow }
})
