import { withMessages } from '@/app/i18n'

/** The leader's link button (CanvassLinkButton.vue), loaded with its words: any screen can place it as it is. */
export const CanvassLinkButton = withMessages(() => import('./CanvassLinkButton.vue'), ['canvassLink'])
