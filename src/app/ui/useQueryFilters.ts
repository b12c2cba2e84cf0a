import { useRoute, useRouter } from 'vue-router'

/**
 * List filters kept in the address, so that back and a reload keep them. Changes navigate one after the
 * other, each building on the query the previous one left, so that two quick taps (a status, then a
 * building) both stick.
 */
export function useQueryFilters() {
  const route = useRoute()
  const router = useRouter()
  let navigating: Promise<unknown> = Promise.resolve()

  /** A query value, if it is one of `allowed` (or any non-empty text when no list is given). */
  function param<T extends string>(key: string, allowed?: readonly T[]): T | undefined {
    const value = route.query[key]
    if (typeof value !== 'string' || !value) return undefined
    return allowed ? allowed.find((a) => a === value) : (value as T)
  }

  /** Sets filters in one navigation (an empty value removes one). */
  function setFilters(changes: Record<string, string | null | undefined>) {
    const set = Object.fromEntries(Object.entries(changes).map(([key, value]) => [key, value || undefined]))
    navigating = navigating.then(() => router.replace({ query: { ...route.query, ...set } }))
  }

  /** Sets one filter (an empty value removes it). */
  const setFilter = (key: string, value: string | null | undefined) => setFilters({ [key]: value })

  /** Sets filters that change what a paged list holds: it starts again from its first page. */
  const narrow = (changes: Record<string, string | null | undefined>) => setFilters({ ...changes, page: null })

  return { param, setFilter, narrow }
}
