import { shallowRef } from 'vue'

/** Chromium's install offer; not in TypeScript's DOM types (nor in any standard). */
export interface BeforeInstallPromptEvent extends Event {
  prompt(): Promise<void>
  readonly userChoice: Promise<{ outcome: 'accepted' | 'dismissed' }>
}

/** The browser's install offer, kept until used; null where none came (yet). */
export const installOffer = shallowRef<BeforeInstallPromptEvent | null>(null)
/** True once the app was installed from this page. */
export const justInstalled = shallowRef(false)

/**
 * Keeps Chromium's install offer. It fires once, soon after load, usually before the settings screen
 * that shows the install button exists, so main.ts calls this at start; the rest of installing
 * (useInstall.ts) loads with that screen. Holding the event back (preventDefault) is what lets the
 * button open the browser's install dialog later.
 */
export function captureInstallPrompt() {
  addEventListener('beforeinstallprompt', (event) => {
    event.preventDefault()
    installOffer.value = event as BeforeInstallPromptEvent
  })
  addEventListener('appinstalled', () => {
    installOffer.value = null
    justInstalled.value = true
  })
}
