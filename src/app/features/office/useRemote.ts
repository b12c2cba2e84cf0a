import { onScopeDispose, ref, shallowRef, watch, type WatchSource } from 'vue'
import { failureKey } from './api'

/** Reading again every `every` ms while the page is open and seen (a tab in the background is not), and `while` holds. */
export interface Polling<T> {
  every: number
  while?: (data: T | undefined) => boolean
}

/**
 * An online read for a set-up page (accounts, communities, buildings): its answer, when it was last read, the
 * i18n key of why it failed (said in the page, not as a toast that vanishes), and a way to read again after a
 * change. Re-reads when a source changes (the community worked on), and as `poll` says for a page that follows
 * the field (a campaign, a canvass); an older answer that arrives late is dropped.
 */
export function useRemote<T>(load: () => Promise<T>, sources: WatchSource[] = [], poll?: Polling<T>) {
  const data = shallowRef<T>()
  const readAt = ref<Date>()
  const failure = ref<string | null>(null)
  const loading = ref(false)
  let generation = 0
  let active = true

  async function reload(): Promise<void> {
    const mine = ++generation
    loading.value = true
    try {
      const answer = await load()
      if (mine !== generation || !active) return
      data.value = answer
      readAt.value = new Date()
      failure.value = null
    } catch (error) {
      if (mine !== generation || !active) return
      console.warn('set-up call failed', error)
      failure.value = failureKey(error)
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  watch(sources, () => void reload(), { immediate: true })
  const timer =
    poll &&
    setInterval(() => {
      if (document.visibilityState !== 'hidden' && (poll.while?.(data.value) ?? true)) void reload()
    }, poll.every)
  onScopeDispose(() => {
    active = false
    clearInterval(timer)
  })
  return { data, readAt, failure, loading, reload }
}
