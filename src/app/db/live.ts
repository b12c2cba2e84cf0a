import { liveQuery } from 'dexie'
import { onScopeDispose, shallowRef, watch, type ShallowRef, type WatchSource } from 'vue'

export interface LiveQueryOptions {
  /**
   * While this answers true, the query answers its last result without reading again: meanwhile it depends
   * on `hold`'s own reads alone, so that writes it would have re-run for pass it by. For summaries over whole
   * tables (the worklist, the visits list) while a sync writes them page after page (see `queries.syncing`).
   */
  hold?: () => Promise<boolean>
}

/** `query` answering its last result while `hold` answers true (see LiveQueryOptions), for liveQuery. */
export function holding<T>(query: () => Promise<T> | T, hold: () => Promise<boolean>): () => Promise<T> {
  let last: { value: T } | undefined
  return async () => {
    if (last && (await hold())) return last.value
    last = { value: await query() }
    return last.value
  }
}

/**
 * A Dexie live query as a Vue ref: re-runs whenever the tables it read change (in this tab or another),
 * and whenever one of `sources` changes. `undefined` until the first result: lists show nothing rather
 * than a stale or empty state.
 */
export function useLiveQuery<T>(query: () => Promise<T> | T, sources: WatchSource[] = [], { hold }: LiveQueryOptions = {}): ShallowRef<T | undefined> {
  const result = shallowRef<T>()
  let subscription: { unsubscribe(): void } | undefined

  const start = () => {
    subscription?.unsubscribe()
    subscription = liveQuery(hold ? holding(query, hold) : query).subscribe({
      next: (value) => (result.value = value),
      error: (error) => console.error('live query failed', error),
    })
  }

  start()
  if (sources.length) watch(sources, start)
  onScopeDispose(() => subscription?.unsubscribe())
  return result
}
