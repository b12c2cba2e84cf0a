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

/** The first answers of live queries still to come (see `firstAnswers`). */
const unanswered = new Set<Promise<void>>()

/**
 * Resolves once every live query started so far has given its first answer (or failed, or gone with its screen):
 * work that can wait (the demo's seed check, sync's start: src/app/main.ts) then no longer competes with the
 * first screen's reads in IndexedDB, which runs one request at a time, while the main thread idles. Resolves
 * after `atMostMs` whatever: a screen whose query is slow to answer, or never does, must not hold the phone's
 * sync back for long.
 */
export async function firstAnswers(atMostMs = 3000): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, atMostMs)))
  const answers = (async () => {
    while (unanswered.size) await Promise.all([...unanswered])
  })()
  await Promise.race([answers, late])
  clearTimeout(timer)
}

/**
 * A Dexie live query as a Vue ref: re-runs whenever the tables it read change (in this tab or another),
 * and whenever one of `sources` changes. `undefined` until the first result: lists show nothing rather
 * than a stale or empty state.
 */
export function useLiveQuery<T>(query: () => Promise<T> | T, sources: WatchSource[] = [], { hold }: LiveQueryOptions = {}): ShallowRef<T | undefined> {
  const result = shallowRef<T>()
  let subscription: { unsubscribe(): void } | undefined
  let answered!: () => void
  const first = new Promise<void>((resolve) => (answered = resolve))
  unanswered.add(first)
  void first.then(() => unanswered.delete(first))

  const start = () => {
    subscription?.unsubscribe()
    subscription = liveQuery(hold ? holding(query, hold) : query).subscribe({
      next: (value) => {
        result.value = value
        answered()
      },
      error: (error) => {
        console.error('live query failed', error)
        answered()
      },
    })
  }

  start()
  if (sources.length) watch(sources, start)
  onScopeDispose(() => {
    subscription?.unsubscribe()
    answered()
  })
  return result
}
