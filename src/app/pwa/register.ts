import type { Workbox } from 'workbox-window'
import { shallowRef } from 'vue'
import { flushDrafts } from '@/app/forms/flush'

/** True when a new version is ready and waits for the leader's consent (UpdatePrompt asks). */
export const updateReady = shallowRef(false)
let workbox: Workbox | undefined
let registration: ServiceWorkerRegistration | undefined
let accepted = false

/**
 * Registers the service worker for the app's own scope and watches for new versions. A new version only
 * ever waits: it takes over when the leader accepts it, never by itself, so that no reload lands under a
 * half-filled form. Phones keep the app open for days, so a new version is also looked for whenever the
 * app comes back to the screen or the network returns, not only when the app starts.
 */
export function registerServiceWorker() {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return
  const base = import.meta.env.BASE_URL
  const startedUnderWorker = !!navigator.serviceWorker.controller
  // Another tab accepted the update: this page still runs the old version, whose files the new worker
  // no longer keeps, so it is offered the reload as well (applyUpdate then just reloads).
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (startedUnderWorker && !accepted) updateReady.value = true
  })
  // workbox-window comes in a chunk of its own, after the first screen: registering waits for the page's
  // load event anyway, and the first screen's bytes are budgeted (tests/unit/build/bundle-budget.test.ts).
  import('workbox-window')
    .then(({ Workbox }) => {
      workbox = new Workbox(`${base}sw.js`, { scope: base })
      workbox.addEventListener('waiting', () => (updateReady.value = true))
      return workbox.register()
    })
    .then(
      (registered) => (registration = registered),
      (error: unknown) => console.error('service worker not registered', error),
    )
  const lookForUpdate = () => {
    if (document.visibilityState === 'visible' && navigator.onLine) registration?.update().catch(() => {})
  }
  document.addEventListener('visibilitychange', lookForUpdate)
  addEventListener('online', lookForUpdate)
}

/**
 * Called only when the leader accepts the update: what was typed in the last moment is stored, then the
 * new worker takes over and the page reloads once.
 */
export async function applyUpdate() {
  if (!workbox) return
  await flushDrafts()
  if (!registration?.waiting) return location.reload()
  accepted = true
  navigator.serviceWorker.addEventListener('controllerchange', () => location.reload(), { once: true })
  workbox.messageSkipWaiting()
}
