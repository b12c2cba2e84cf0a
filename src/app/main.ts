import { createPinia } from 'pinia'
import { createApp, watchEffect } from 'vue'
import { Locale as VantLocale } from 'vant'
import enUS from 'vant/es/locale/lang/en-US'
import zhCN from 'vant/es/locale/lang/zh-CN'
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

// Language and text size follow the preferences everywhere, Vant's own strings included.
const preferences = usePreferences(pinia)
watchEffect(() => {
  i18n.global.locale.value = preferences.locale
  VantLocale.use(preferences.locale === 'en' ? 'en-US' : 'zh-CN', preferences.locale === 'en' ? enUS : zhCN)
  document.documentElement.lang = preferences.locale
  document.documentElement.dataset.textSize = preferences.textSize
})

void import('./db/seed')
  .then(({ seedDemoIfEmpty }) => seedDemoIfEmpty(db))
  .catch((error) => console.error('demo data not loaded', error))
app.mount('#app')
registerServiceWorker()
