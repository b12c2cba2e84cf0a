import { createApp } from 'vue'
import { createRouter, createWebHistory, RouterView } from 'vue-router'
import { createAppI18n } from '@/app/i18n'
import { removeShell } from '@/app/shell'
import { browserLocale } from './browser-locale'
import messages from './messages'
import { ANSWER_PATH } from './public-path'

/*
 * The entry of the pages an owner opens from a link (public-path.ts), which main.ts imports instead of starting
 * the leader's app: their own router and the app's words, and nothing else — no Pinia, no app lock (whose
 * store reads IndexedDB), no sync, no service worker (the owner's phone downloads no precache). The leader's
 * router never sees these paths, so its first screen carries nothing of them.
 */
const i18n = createAppI18n(browserLocale(navigator.languages), [messages])
const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes: [{ path: `${ANSWER_PATH}:token`, component: () => import('./AnswerByLink.vue'), props: true }],
})
document.documentElement.lang = i18n.global.locale.value
createApp(RouterView).use(i18n).use(router).mount('#app')
void router
  .isReady()
  .catch((error: unknown) => console.error('answer page not loaded', error))
  .finally(() => removeShell())
