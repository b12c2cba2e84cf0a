import { ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { WrongPinError } from '@/app/lock/keyring'
import { TransportError, waitMinutes } from '@/app/sync/errors'

/**
 * The account's password, typed to fetch this phone's recovery key from the server (a forgotten PIN, or a PIN
 * chosen when the sign-in's key is no longer in memory), and what went wrong, in the leader's words: next to
 * the password when it is the password's fault, under the pad otherwise.
 */
export function useRecoveryPassword() {
  const { t } = useI18n()
  const password = ref('')
  const passwordError = ref('')
  const failure = ref<string | null>(null)
  /** The server could not be reached: what the caller may offer instead depends on the screen. */
  const offline = ref(false)

  function clear(): void {
    passwordError.value = ''
    failure.value = null
    offline.value = false
  }

  /** False, with the message beside the field, when no password is typed. */
  function typed(): boolean {
    clear()
    if (!password.value) passwordError.value = t('lock.recover.error.missing')
    return !!password.value
  }

  function explain(error: unknown): void {
    const code = error instanceof TransportError ? error.code : null
    const apiError = error instanceof TransportError ? error.details.apiError : undefined
    if (apiError === 'forbidden') passwordError.value = t('lock.recover.error.forbidden')
    // No password helps a token the server no longer takes: the way on is the sign-out under the pad (LockLeave).
    else if (apiError === 'device_wiped' || apiError === 'device_signed_out') failure.value = t('lock.recover.error.endedByOffice')
    else if (code === 'unauthorized') failure.value = t('lock.recover.error.expired')
    else if (code === 'throttled') {
      const minutes = waitMinutes(error)
      passwordError.value = minutes ? t('session.signIn.error.wait', minutes) : t('session.signIn.error.throttled')
    } else if (code === 'offline' || code === 'timeout') {
      offline.value = true
      failure.value = t('lock.recover.error.offline')
    } else if (error instanceof WrongPinError) failure.value = t('lock.recover.error.noKey')
    else {
      console.error('recovery key not fetched', error)
      failure.value = t('lock.error.failed')
    }
  }

  return { password, passwordError, failure, offline, typed, clear, explain }
}
