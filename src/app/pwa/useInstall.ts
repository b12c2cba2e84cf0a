import { computed } from 'vue'
import { installOffer, justInstalled } from './installPrompt'

/** How this phone can put the app on its home screen. */
export type InstallWay =
  /** Already running from the home screen: nothing to offer. */
  | 'installed'
  /** Chromium offered an install: one button does it. */
  | 'prompt'
  /** iPhone or iPad: only by hand, through Safari's share menu. */
  | 'ios'
  /** WeChat's built-in browser installs nothing: open the page in a real browser first. */
  | 'wechat'
  /** No known way (yet): Chromium may still offer one later. */
  | 'none'

function isStandalone(): boolean {
  // iOS Safari does not match the media query for home-screen apps; it sets navigator.standalone instead.
  return matchMedia('(display-mode: standalone)').matches || (navigator as { standalone?: boolean }).standalone === true
}

function isIos(): boolean {
  // iPadOS asks for desktop pages and says "Macintosh"; only its touch screen gives it away.
  return /iPhone|iPad|iPod/.test(navigator.userAgent) || (/Macintosh/.test(navigator.userAgent) && navigator.maxTouchPoints > 1)
}

/**
 * Whether and how the app can be installed on this phone, and the install action where the browser
 * offers one (captured at start by captureInstallPrompt in installPrompt.ts).
 */
export function useInstall() {
  const isSupported = typeof window !== 'undefined' && 'matchMedia' in window
  const standalone = isSupported && isStandalone()
  const wechat = isSupported && /MicroMessenger/i.test(navigator.userAgent)
  const ios = isSupported && isIos()

  const way = computed<InstallWay>(() => {
    if (standalone) return 'installed'
    if (wechat) return 'wechat'
    if (installOffer.value) return 'prompt'
    if (ios) return 'ios'
    return 'none'
  })
  const canInstall = computed(() => way.value === 'prompt')

  /** Opens the browser's install dialog; answers whether the leader accepted. Must run from a tap. */
  async function install(): Promise<boolean> {
    const offer = installOffer.value
    if (!offer) return false
    // An offer can be used once, whatever the answer.
    installOffer.value = null
    await offer.prompt()
    const { outcome } = await offer.userChoice
    return outcome === 'accepted'
  }

  return { isSupported, way, canInstall, justInstalled, install }
}
