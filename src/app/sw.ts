/// <reference lib="webworker" />
import { addPlugins, cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'
import { db } from './db/database'
import { installYield } from './pwa/installYield'
import { syncInBackground } from './sync/background'
import { SYNC_TAG } from './sync/lock'

declare const self: ServiceWorkerGlobalScope

/** Background Sync's event (Chromium); lib.webworker does not declare it. */
interface SyncEvent extends ExtendableEvent {
  readonly tag: string
  readonly lastChance: boolean
}
declare global {
  interface ServiceWorkerGlobalScopeEventMap {
    sync: SyncEvent
  }
}

// The app shell and every route chunk, so that the app starts and every screen opens with no network; fetched
// between sync runs, not beside them (pwa/installYield.ts).
addPlugins([installYield(self.navigator.locks)])
precacheAndRoute(self.__WB_MANIFEST)
cleanupOutdatedCaches()

// Every in-app navigation is answered by the cached shell; /api is never cached (personal data).
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), { denylist: [/^\/api\//] }))

// The API's requests go straight to the network, past this worker's fetch handler, which has nothing to answer
// them with: each waited for the worker's thread, which doubled a first pull's twenty-odd requests one after
// another in Chromium (its static routing; elsewhere the handler lets them through as before).
self.addEventListener('install', (event) => {
  const install = event as ExtendableEvent & { addRoutes?: (rules: object) => Promise<void> }
  install.addRoutes?.({ condition: { urlPattern: '/api/*' }, source: 'network' }).catch((error: unknown) => console.warn('API route not set', error))
})

// The page asks for this after the user accepted an update (never on its own, see pwa/register.ts).
self.addEventListener('message', (event) => {
  if (event.data?.type === 'SKIP_WAITING') void self.skipWaiting()
})

// The network is back while the app may be closed: the same engine as the pages runs here, under the same
// Web Lock, so that it never runs beside a page's run. A rejected run makes the browser try again later.
self.addEventListener('sync', (event) => {
  if (event.tag === SYNC_TAG) event.waitUntil(syncInBackground(db))
})
