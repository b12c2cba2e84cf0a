import { withMessages } from '@/app/i18n'

// The PIN screens use Vant and the key handling: they load only on a phone that has, or needs, a PIN.
export const PinSetup = withMessages(() => import('./PinSetup.vue'), ['lock', 'account'])
export const LockScreen = withMessages(() => import('./LockScreen.vue'), ['lock', 'account'])
