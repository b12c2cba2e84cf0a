import { createPinia } from 'pinia'
import { createApp, watch, watchEffect } from 'vue'
import App from './App.vue'
import { db } from './db/database'
import { firstAnswers } from './db/live'
import { isPublicPage } from './features/canvass-link/public-path'
import { createAppI18n } from './i18n'
import { registerServiceWorker } from './pwa/register'
import { lazyPartsLoaded, rememberShell, removeShell, whenIdle } from './shell'
import { captureInstallPrompt } from './pwa/installPrompt'
import { closeOnVersionChange } from './pwa/versionchange'
import { createAppRouter } from './router'
import { useLock } from './stores/lock'
import { readPreferences, usePreferences } from './stores/preferences'
import './styles.css'
import './shell.css'

// First, before anything slow: the browser's install offer comes once and early, and another tab's
// database upgrade may come at any time.
captureInstallPrompt()
closeOnVersionChange(db)
// Until the app lock is read, nothing of residents' data is read or written (src/app/lock).
db.sealing.lock()
// An owner answering through a one-time link uses nothing of the leader's app: no lock, no database, no
// sync, no service worker (features/canvass-link/public-main.ts, loaded only then).
if (isPublicPage(location.pathname)) void import('./features/canvass-link/public-main')
else startLeaderApp()

function startLeaderApp() {
  const app = createApp(App)
  const pinia = createPinia()
  const i18n = createAppI18n(readPreferences().locale)
  const router = createAppRouter()
  app.use(pinia).use(i18n).use(router)

  // Language and text size follow the preferences everywhere.
  const preferences = usePreferences(pinia)
  watchEffect(() => {
    i18n.global.locale.value = preferences.locale
    document.documentElement.lang = preferences.locale
    document.documentElement.dataset.textSize = preferences.textSize
  })
  // Vant's own strings start in Chinese. Switching them is a small chunk shared with the Vant screens, loaded
  // only once another language is chosen, so that the first screen carries no Vant.
  watch(
    () => preferences.locale,
    (locale, before) => {
      if (before === undefined && locale === 'zh-CN') return
      void import('./i18n/vant').then(({ applyVantLocale }) => applyVantLocale(locale))
    },
    { immediate: true },
  )

  const lock = useLock(pinia)
  void lock.refresh()
  app.mount('#app')
  registerServiceWorker()

  // The static shell (index.html) gives way once the first screen is whole, and the next start paints the frame
  // of the screen this phone opens on.
  let shellGone!: () => void
  const firstScreenWhole = new Promise<void>((resolve) => (shellGone = resolve))
  const known = watch(
    () => lock.state,
    (state) => {
      if (state === 'checking') return
      queueMicrotask(() => known())
      // A first screen that fails still replaces the shell: it shows its own error, never a frame for ever.
      void router
        .isReady()
        .then(lazyPartsLoaded)
        .catch((error: unknown) => console.error('first screen not loaded', error))
        .finally(() => {
          removeShell()
          shellGone()
        })
    },
    { immediate: true },
  )
  watch(
    () => lock.state,
    (state) => {
      if (state !== 'checking' && state !== 'failed') rememberShell(state)
    },
  )

  // Once the phone is open — no PIN to choose or type — the demo goes in (on a phone nobody signed in on) and
  // automatic sync starts, once the first screen is whole, its reads answered and the phone idle: in tasks of
  // their own, not in the long one of the first render, and not competing with the first screen's reads. The
  // engine loads with its first run.
  const opened = watch(
    () => lock.state,
    (state) => {
      if (state === 'checking' || state === 'setup' || state === 'locked') return
      queueMicrotask(() => opened())
      void firstScreenWhole.then(() => firstAnswers()).then(whenIdle).then(() => {
        if (state === 'none') {
          void import('./db/seed')
            .then(({ seedDemoIfEmpty }) => seedDemoIfEmpty(db))
            .catch((error) => console.error('demo data not loaded', error))
        }
        void import('./sync/start')
          .then(({ startAppSync }) => startAppSync(pinia))
          .catch((error) => console.error('sync not started', error))
      })
    },
    { immediate: true },
  )
  // The relock after five minutes away, from the first time the app is open: after an unlock, or a PIN chosen.
  const away = watch(
    () => lock.state,
    (state) => {
      if (state !== 'open') return
      queueMicrotask(() => away())
      void import('./lock/away').then(({ watchAway }) => watchAway(document, lock))
    },
    { immediate: true },
  )
}
