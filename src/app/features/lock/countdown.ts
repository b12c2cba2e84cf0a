import { computed, onScopeDispose, ref, watch, type Ref } from 'vue'

/**
 * Whole seconds until `at` (0 once it has passed, or when there is none), ticking once a second while there is
 * time left: the wrong-PIN wait shown live, and the pad opening again by itself when it is over.
 */
export function useSecondsUntil(at: Ref<Date | null>): Ref<number> {
  const now = ref(Date.now())
  let timer: ReturnType<typeof setInterval> | undefined
  const stop = () => {
    clearInterval(timer)
    timer = undefined
  }
  const left = computed(() => (at.value ? Math.max(0, Math.ceil((at.value.getTime() - now.value) / 1000)) : 0))

  watch(
    at,
    () => {
      now.value = Date.now()
      if (left.value > 0 && !timer) timer = setInterval(() => (now.value = Date.now()), 1000)
    },
    { immediate: true },
  )
  watch(left, (seconds) => {
    if (seconds === 0) stop()
  })
  onScopeDispose(stop)
  return left
}
