/*
 * The framework floor of the initial-load benchmark: the five libraries every screen of the app stands on,
 * each put to use (an app, a router, a store, a database, a service worker) so that none is tree-shaken
 * away. Nothing of the app itself.
 */
import { Dexie } from 'dexie'
import { createPinia, defineStore } from 'pinia'
import { createApp, h, ref } from 'vue'
import { createRouter, createWebHistory, RouterView } from 'vue-router'
import { Workbox } from 'workbox-window'

const db = new Dexie('floor')
db.version(1).stores({ items: 'id, updatedAt' })

const useCounter = defineStore('counter', () => ({ count: ref(0) }))

const Home = {
  setup() {
    const counter = useCounter()
    void db.table('items').orderBy('updatedAt').reverse().limit(50).toArray().then((items) => (counter.count = items.length))
    return () => h('p', String(counter.count))
  },
}

const router = createRouter({ history: createWebHistory(), routes: [{ path: '/', component: Home }] })
createApp({ render: () => h(RouterView) })
  .use(createPinia())
  .use(router)
  .mount('#app')
void new Workbox('/sw.js').register()
