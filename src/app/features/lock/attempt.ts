import { computed, ref } from 'vue'
import { storeToRefs } from 'pinia'
import { useI18n } from 'vue-i18n'
import { WrongPinError } from '@/app/lock/keyring'
import { PinWaitError } from '@/app/lock/lock'
import { usePins } from './pin-store'
import { useSecondsUntil } from './countdown'

/**
 * Typing the current PIN, on the lock screen or to change it in 我的: one set of rules and words for both.
 * A wrong PIN says how many tries are left; a wait (the store's count, which survives a reload) shuts the
 * pad and counts down; anything else is a bug, logged, with a plain "try again".
 */
export function usePinAttempt() {
  const { t } = useI18n()
  const { retryAt, attemptsLeft } = storeToRefs(usePins())
  const secondsLeft = useSecondsUntil(retryAt)
  const busy = ref(false)
  const outcome = ref<'wrong' | 'failed' | null>(null)

  /** Runs `check` with the PIN pad shut; true when the PIN was right. */
  async function attempt(check: () => Promise<void>): Promise<boolean> {
    busy.value = true
    outcome.value = null
    try {
      await check()
      return true
    } catch (error) {
      if (error instanceof WrongPinError) outcome.value = 'wrong'
      else if (!(error instanceof PinWaitError)) {
        console.error('PIN not checked', error)
        outcome.value = 'failed'
      }
      return false
    } finally {
      busy.value = false
    }
  }

  return {
    busy,
    attempt,
    /** The pad takes no PIN: one is being checked, or the wait is not over. */
    shut: computed(() => busy.value || secondsLeft.value > 0),
    problem: computed(() =>
      outcome.value === 'wrong' ? t('lock.error.wrong', { n: attemptsLeft.value }, attemptsLeft.value) : outcome.value ? t('lock.error.failed') : null,
    ),
    wait: computed(() => (secondsLeft.value > 0 ? t('lock.error.wait', { n: secondsLeft.value }, secondsLeft.value) : null)),
  }
}
