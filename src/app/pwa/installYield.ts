import type { WorkboxPlugin } from 'workbox-core/types.js'
import { SYNC_LOCK } from '@/app/sync/lock'

/** How long in all an install waits for sync runs: a first pull over a weak link must not keep the app uninstalled. */
export const INSTALL_YIELD_MS = 15_000
const LOOK_EVERY_MS = 100

/**
 * A precache plugin: the install fetches its next file only while no sync run holds or waits for the sync lock.
 * A new phone's first pull and the app's install (some 300 files, one at a time) would otherwise share the link
 * and the phone, and it is the leader's data the screen waits for (a first pull of 10,000 records took 3.1 s
 * beside the install, 2.1 s alone). Only installs wait: a precached file asked for by a page is never held.
 */
export function installYield(locks: Pick<LockManager, 'query'> | undefined): WorkboxPlugin {
  let waited = 0
  // A query that fails lets the install go on: it must never fail the install.
  const syncing = (manager: Pick<LockManager, 'query'>) =>
    manager.query().then(
      ({ held = [], pending = [] }) => [...held, ...pending].some((lock) => lock.name === SYNC_LOCK),
      () => false,
    )
  return {
    async requestWillFetch({ request, event }) {
      if (event?.type !== 'install' || !locks) return request
      while (waited < INSTALL_YIELD_MS && (await syncing(locks))) {
        const from = performance.now()
        await new Promise((resolve) => setTimeout(resolve, LOOK_EVERY_MS))
        waited += performance.now() - from
      }
      return request
    },
  }
}
