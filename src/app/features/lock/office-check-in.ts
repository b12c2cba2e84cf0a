import { onBeforeUnmount, onMounted, watch } from 'vue'
import { db } from '@/app/db/database'
import { useLock } from '@/app/stores/lock'
import { checkIn } from '@/app/sync/check-in'

/**
 * While the PIN setup or lock screen shows, nothing syncs: the phone checks in with the server instead
 * (src/app/sync/check-in.ts) when the screen comes up and whenever the network comes back, so that the office's
 * wipe reaches a phone nobody unlocks. The wipe lands in meta, and the lock's state follows.
 */
export function useOfficeCheckIn(network: Pick<EventTarget, 'addEventListener' | 'removeEventListener'> = window): void {
  const lock = useLock()
  const check = () => {
    // Only while the phone cannot sync: once unlocked, sync hears the office itself.
    if (lock.state !== 'setup' && lock.state !== 'locked') return
    void checkIn(db).catch((error: unknown) => console.error('check-in failed', error))
  }
  watch(() => lock.state, check, { immediate: true })
  onMounted(() => network.addEventListener('online', check))
  onBeforeUnmount(() => network.removeEventListener('online', check))
}
