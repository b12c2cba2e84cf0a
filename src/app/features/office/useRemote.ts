import { onScopeDispose, ref, shallowRef, watch, type WatchSource } from 'vue'
import { failureKey } from './api'

/**
 * An online read for a set-up page (accounts, communities, buildings): its answer, the i18n key of why it
 * failed (said in the page, not as a toast that vanishes), and a way to read again after a change. Re-reads
 * when a source changes (the community worked on); an older answer that arrives late is dropped.
 */
export function useRemote<T>(load: () => Promise<T>, sources: WatchSource[] = []) {
  const data = shallowRef<T>()
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
  onScopeDispose(() => (active = false))
  return { data, failure, loading, reload }
}
