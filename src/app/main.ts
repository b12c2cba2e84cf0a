import { createPinia } from 'pinia'
import { createApp, watch, watchEffect } from 'vue'
import App from './App.vue'
import { db } from './db/database'
import { createAppI18n } from './i18n'
import { registerServiceWorker } from './pwa/register'
import { captureInstallPrompt } from './pwa/installPrompt'
import { closeOnVersionChange } from './pwa/versionchange'
import { createAppRouter } from './router'
import { readPreferences, usePreferences } from './stores/preferences'
import './styles.css'

// First, before anything slow: the browser's install offer comes once and early, and another tab's
// database upgrade may come at any time.
captureInstallPrompt()
closeOnVersionChange(db)

const app = createApp(App)
const pinia = createPinia()
const i18n = createAppI18n(readPreferences().locale)
app.use(pinia).use(i18n).use(createAppRouter())

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

void import('./db/seed')
  .then(({ seedDemoIfEmpty }) => seedDemoIfEmpty(db))
  .catch((error) => console.error('demo data not loaded', error))
app.mount('#app')
registerServiceWorker()
// Automatic sync starts after the first screen is up; the engine loads with its first run.
void import('./sync/start')
  .then(({ startAppSync }) => startAppSync(pinia))
  .catch((error) => console.error('sync not started', error))
