import { Workbox } from 'workbox-window'
import { ref } from 'vue'

/** True when a new version is installed and waiting for the user's consent. */
export const updateReady = ref(false)
let workbox: Workbox | undefined

export function registerServiceWorker() {
  if (!('serviceWorker' in navigator) || import.meta.env.DEV) return
  workbox = new Workbox(`${import.meta.env.BASE_URL}sw.js`, { scope: import.meta.env.BASE_URL })
  workbox.addEventListener('waiting', () => (updateReady.value = true))
  void workbox.register()
}

/** Called only when the user accepts the update: the new worker takes over and the page reloads once. */
export function applyUpdate() {
  if (!workbox) return
  workbox.addEventListener('controlling', () => location.reload())
  workbox.messageSkipWaiting()
}
