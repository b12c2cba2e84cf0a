import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import type { PasswordChange } from '@/domain/accounts'
import type { User } from '@/domain/households'
import { forgetFallbackDrafts } from '@/app/db/drafts'
import { heldWhileSyncing, queries, useLiveQuery } from '@/app/db/read'
import type { SyncOutcome } from '@/app/sync/engine'
import { useLock } from './lock'
import type { Discard, SignedIn, SignInInput, UnsentWork } from '@/app/sync/session'

/*
 * Sync as the screens see it. The facts come from IndexedDB through live queries, so that every tab and
 * the service worker agree; the engine itself (and zod with it) is loaded only when a run, a sign-in or a
 * sign-out needs it, never on the first screen.
 */

/** The app's own origin: by default the server that served the app is the sync server. */
const ownOrigin = () => globalThis.location?.origin ?? ''

export const useSync = defineStore('sync', () => {
  const status = useLiveQuery(() => queries.syncStatus())
  // Counting walks the outbox's whole recordId index; re-run after each pushed batch's settling, it would slow
  // the push it reports on. Held during the run, it is counted again once the run is over.
  const pendingCount = useLiveQuery(() => queries.pendingRecordCount(), [], heldWhileSyncing)
  /** The browser had cleared this phone's data before the sign-in: what came back (after the first sync). */
  const recovery = useLiveQuery(() => queries.recovery())

  /** A run is in progress in this tab. */
  const running = ref(false)
  /** After a failed run: when automatic runs may try again (null: any time). */
  const nextRetryAt = ref<number | null>(null)

  /** Records with changes this phone has not delivered yet (0 until known). */
  const pending = computed(() => pendingCount.value ?? 0)
  const user = computed<User | null>(() => status.value?.user ?? null)
  /** Someone signed in on this phone; their records carry their id, even while the token needs renewing. */
  const signedIn = computed(() => user.value !== null)
  /** Signed in, but the server no longer takes the token (revoked, expired): sync waits for a new sign-in. */
  const needsSignIn = computed(() => signedIn.value && status.value?.hasToken === false)
  const serverUrl = computed(() => status.value?.serverUrl ?? ownOrigin())
  const lastSuccessAt = computed(() => status.value?.lastSuccessAt ?? null)
  /** Why the last run did not end cleanly: `{ code, message?, at }`, codes in src/app/sync/errors.ts. */
  const lastError = computed(() => status.value?.lastError ?? null)
  /** Signed in with a one-time password: nothing syncs until the leader sets their own (/password). */
  const mustChangePassword = computed(() => lastError.value?.code === 'password_change')

  const runtime = () => import('@/app/sync/runtime')
  /** Records are made by whoever is signed in: the session store reads the author again after a change. */
  const forgetAuthor = async () => ((await import('./session')).useSession().author = null)
  // Whoever signed out — here, in another tab, or the office (src/app/sync/engine.ts) — records are no longer
  // theirs, and no text of their forms stays behind in localStorage, where drafts go when IndexedDB is full.
  watch(
    () => user.value?.id,
    (now, before) => {
      if (!before) return
      void forgetAuthor()
      if (!now) forgetFallbackDrafts(globalThis.localStorage ?? null)
    },
  )

  // The first sync after a sign-in waits for the PIN: what it brings is sealed as it lands.
  const lock = useLock()
  watch(
    () => lock.state,
    (now, before) => {
      if (before === 'setup' && (now === 'open' || now === 'plain')) void syncNow().catch((error: unknown) => console.error('first sync failed', error))
    },
  )

  /** Runs sync now (or joins the run in progress); the outcome also shows in the facts above. */
  async function syncNow(): Promise<SyncOutcome> {
    // Signed out, there is nothing to run: the engine's chunk is not worth loading for that. Until the PIN is
    // chosen or typed, nothing syncs: what the first pull brings must be sealed as it lands.
    if (!(await queries.syncStatus()).hasToken) return { status: 'signed_out' }
    if (lock.state !== 'open' && lock.state !== 'plain') return { status: 'locked' }
    running.value = true
    try {
      const { syncNow: run, nextRetryAt: retryAt } = await runtime()
      const outcome = await run()
      nextRetryAt.value = retryAt()
      return outcome
    } finally {
      running.value = false
    }
  }

  /**
   * Signs in (throws a SessionError: invalid_credentials, throttled, offline or server), then starts the
   * first sync, which brings the server's buildings, households and templates in place of the demo data —
   * after the password change when the password was one-time.
   */
  async function signIn(input: SignInInput): Promise<SignedIn> {
    const signedIn = await (await runtime()).signIn(input)
    await lock.signedIn(signedIn.recoveryKey)
    await forgetAuthor()
    nextRetryAt.value = null
    if (!signedIn.mustChangePassword) void syncNow().catch((error: unknown) => console.error('first sync failed', error))
    return signedIn
  }

  /** Loads sync's chunk ahead of `signIn` (see SessionSignIn); best effort: `signIn` loads it again. */
  function prepareSignIn(): void {
    runtime().catch(() => {})
  }

  /** Changes the password (throws the TransportError of a refusal), then syncs what waited for it. */
  async function changePassword(change: PasswordChange): Promise<void> {
    await (await runtime()).changePassword(change)
    nextRetryAt.value = null
    void syncNow().catch((error: unknown) => console.error('sync after the password change failed', error))
  }

  /**
   * Signs out and empties the phone. Refuses (SessionError `unsynced`) while the phone holds work the server
   * has not got, unless `discard` names it (from `unsentWork`, as shown to the leader): then it is never sent
   * and goes with the rest (see src/app/sync/session.ts). The token is revoked on the server when the network
   * allows.
   */
  async function signOut(options: { discard: Discard | null }): Promise<void> {
    await (await runtime()).signOut(options)
    await forgetAuthor()
    nextRetryAt.value = null
  }

  /** What a sign-out would lose now: records with changes waiting or refused. */
  async function unsentWork(): Promise<UnsentWork> {
    return (await runtime()).unsentWork()
  }

  /** The leader has read the notice about data the browser cleared. */
  async function dismissRecovery(): Promise<void> {
    await (await runtime()).dismissRecovery()
  }

  return {
    running,
    nextRetryAt,
    pending,
    user,
    signedIn,
    needsSignIn,
    mustChangePassword,
    serverUrl,
    lastSuccessAt,
    lastError,
    recovery,
    syncNow,
    prepareSignIn,
    signIn,
    changePassword,
    signOut,
    unsentWork,
    dismissRecovery,
  }
})
