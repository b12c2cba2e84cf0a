import { ref, watch, type WatchSource } from 'vue'
import { useRoute } from 'vue-router'

export const PAGE_SIZE = 50

/**
 * How far each list (by its address, filters included) had grown when it was left: back to a list must read
 * as many records as before, or the place the leader scrolled to would not exist yet to return to.
 */
const grownTo = new Map<string, number>()

/** Whether the screen being opened is one the leader came back to: its history entry has one after it (vue-router keeps `forward`). */
export function returnedTo(): boolean {
  return Boolean(globalThis.history?.state?.forward)
}

/**
 * How many records a list reads: one page at first, one more each time the leader nears its end, and one
 * page again when a filter changes. The list stays one live query whose limit grows (rather than pages read
 * apart), so that a record synced or edited anywhere in it shows at once.
 */
export function useListPages(filters: WatchSource[] = [], part = '') {
  const route = useRoute()
  // A screen with several lists (the worklist's parts) names each one.
  const key = part ? `${route.fullPath}#${part}` : route.fullPath
  const limit = ref((returnedTo() && grownTo.get(key)) || PAGE_SIZE)
  if (filters.length) watch(filters, () => (limit.value = PAGE_SIZE))
  watch(limit, (n) => grownTo.set(key, n))

  /** One more page, once the shown records fill the current one: while a read runs, asking again adds nothing. */
  function more(shown: number) {
    if (shown >= limit.value) limit.value += PAGE_SIZE
  }

  return { limit, more }
}
