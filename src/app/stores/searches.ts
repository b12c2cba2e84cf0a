import { defineStore } from 'pinia'
import { computed, ref, watch, type WritableComputedRef } from 'vue'
import { useSync } from './sync'

/*
 * What each list's search box holds, by list, in memory only. Never in the address: Chromium keeps every
 * address (and history.state) in clear in the profile's History and Sessions files, where a resident's name or
 * phone would outlast the app lock and even a sign-out. Back to a list keeps its search; a reload, and so a lock
 * (which reloads), forgets it.
 */
export const useSearches = defineStore('searches', () => {
  const byList = ref<Record<string, string>>({})
  // A sign-out does not reload: whoever signs in next must not find the last leader's searches.
  const sync = useSync()
  watch(
    () => sync.signedIn,
    (now) => {
      if (!now) byList.value = {}
    },
  )
  return { byList }
})

export interface ListSearchOptions {
  /** After each new search: a paged list goes back to its first page. */
  onChange?: () => void
}

/** One list's search text, kept in memory by `list`. */
export function useListSearch(list: string, { onChange }: ListSearchOptions = {}): WritableComputedRef<string> {
  const searches = useSearches()
  return computed({
    get: () => searches.byList[list] ?? '',
    set: (text) => {
      searches.byList[list] = text
      onChange?.()
    },
  })
}
