import { createPinia } from 'pinia'
import { createApp, watch, watchEffect } from 'vue'
import App from './App.vue'
import { db } from './db/database'
import { createAppI18n } from './i18n'
import { registerServiceWorker } from './pwa/register'
import { createAppRouter } from './router'
import { readPreferences, usePreferences } from './stores/preferences'
import './styles.css'

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
