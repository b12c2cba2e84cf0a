import { Dexie, liveQuery, type ObservabilitySet } from 'dexie'
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

/**
 * Like useLiveQuery, for a read too heavy to run for every write (the worklist reads every visit): it runs
 * once, then again `quietMs` after the tables it reads stop changing — a sync writing page after page makes it
 * run once at the end, not once a page — and at least every `maxWaitMs` while they keep changing, so a long
 * sync still shows progress. Changes are those Dexie announces for `tables` of `db`, in this tab or another.
 */
export function useSettledLiveQuery<T>(
  db: Dexie,
  tables: readonly string[],
  query: () => Promise<T>,
  sources: WatchSource[] = [],
  { quietMs = 300, maxWaitMs = 2000 } = {},
): ShallowRef<T | undefined> {
  const result = shallowRef<T>()
  const prefixes = tables.map((table) => `idb://${db.name}/${table}/`)
  let timer: ReturnType<typeof setTimeout> | undefined
  let waitingSince: number | null = null
  let running: Promise<void> | null = null
  let again = false

  async function run(): Promise<void> {
    clearTimeout(timer)
    waitingSince = null
    // One read at a time: a change during it is read right after.
    if (running) return void (again = true)
    running = (async () => {
      try {
        result.value = await query()
      } catch (error) {
        console.error('live query failed', error)
      }
    })()
    await running
    running = null
    if (again) {
      again = false
      await run()
    }
  }

  function changed(parts: ObservabilitySet) {
    if (!Object.keys(parts).some((part) => prefixes.some((prefix) => part.startsWith(prefix)))) return
    waitingSince ??= Date.now()
    clearTimeout(timer)
    if (Date.now() - waitingSince >= maxWaitMs) void run()
    else timer = setTimeout(() => void run(), quietMs)
  }

  Dexie.on('storagemutated', changed)
  void run()
  if (sources.length) watch(sources, () => void run())
  onScopeDispose(() => {
    Dexie.on('storagemutated').unsubscribe(changed)
    clearTimeout(timer)
  })
  return result
}
