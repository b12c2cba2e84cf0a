import { mount, type ComponentMountingOptions, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach } from 'vitest'
import type { Component } from 'vue'
import { createMemoryHistory, type RouteLocationRaw, type Router } from 'vue-router'
import { db, type MetaEntry } from '@/app/db/database'
import { allMessageParts, createAppI18n } from '@/app/i18n'
import { createAppRouter } from '@/app/router'

/*
 * Component tests share the app's one `db` singleton (repositories and queries are bound to it), so each
 * test starts from emptied tables rather than a new database.
 */

const mounted: VueWrapper[] = []
/** Every feature's words: a test mounts screens directly, without the router's lazy loading of them. */
const everyMessage = await allMessageParts()

beforeEach(async () => {
  localStorage.clear()
  await Promise.all(db.tables.map((table) => table.clear()))
  // The emptied phone has no app lock: what a test before chose (and the key in memory) goes too.
  db.sealing.plain()
})

afterEach(() => {
  // A test may have unmounted its wrapper itself (to re-mount and check a draft); unmount the rest.
  for (const wrapper of mounted.splice(0)) if (!wrapper.vm.$.isUnmounted) wrapper.unmount()
})

/**
 * Meta of a signed-in phone whose office lets leaders go without an app PIN, and which did: for tests of sync
 * and sessions, where the lock (tests/component/lock-*.test.ts) is not the subject.
 */
export const SKIPPED_APP_LOCK: MetaEntry[] = [
  { key: 'appLock', value: 'optional' },
  { key: 'lockSkipped', value: '2026-12-01T00:00:00.000Z' },
]

export interface MountWithAppOptions<P> {
  props?: P
  /** Where the memory router stands when the component mounts, e.g. `/visits/new?householdId=h1`. */
  route?: RouteLocationRaw
}

/**
 * Mounts `component` as the app would run it: a fresh Pinia, the app's i18n in Chinese, and the app's
 * router on a memory history, already at `route`.
 */
export async function mountWithApp<C extends Component, P extends Record<string, unknown> = Record<string, unknown>>(
  component: C,
  { props, route = '/' }: MountWithAppOptions<P> = {},
): Promise<{ wrapper: VueWrapper; router: Router }> {
  const pinia = createPinia()
  setActivePinia(pinia)
  const router = createAppRouter(createMemoryHistory())
  await router.push(route)
  await router.isReady()
  const wrapper = mount(component as Component, {
    props,
    attachTo: document.body,
    global: { plugins: [pinia, createAppI18n('zh-CN', everyMessage), router] },
  } as ComponentMountingOptions<Component>)
  mounted.push(wrapper)
  return { wrapper, router }
}
