import { liveQuery } from 'dexie'
import { onScopeDispose, shallowRef, watch, type ShallowRef, type WatchSource } from 'vue'

/**
 * A Dexie live query as a Vue ref: re-runs whenever the tables it read change (in this tab or another),
 * and whenever one of `sources` changes. `undefined` until the first result: lists show nothing rather
 * than a stale or empty state.
 */
export function useLiveQuery<T>(query: () => Promise<T> | T, sources: WatchSource[] = []): ShallowRef<T | undefined> {
  const result = shallowRef<T>()
  let subscription: { unsubscribe(): void } | undefined

  const start = () => {
    subscription?.unsubscribe()
    subscription = liveQuery(query).subscribe({
      next: (value) => (result.value = value),
      error: (error) => console.error('live query failed', error),
    })
  }

  start()
  if (sources.length) watch(sources, start)
  onScopeDispose(() => subscription?.unsubscribe())
  return result
}
