import { computed, ref, watch } from 'vue'
import { returnedTo } from './useListPages'

/** Rows enough to fill a tall phone's screen below a list's header (rows are at least 56 px high). */
export const SCREENFUL = 15

/** Whether the router will scroll the screen being opened to a place it saved (a reload deep in a list). */
function restoresScroll(): boolean {
  return (globalThis.history?.state?.scroll?.top ?? 0) > 0
}

/**
 * The rows of a list to render: of its first answer, a screenful, and the rest once that frame is painted, so that
 * on a cold start the rows in view do not wait for the render of a whole page (50 rows: 17–24 ms on a phone,
 * docs/where-the-time-goes.md, the visits list). Later answers (more pages, edits, another filter) render whole,
 * and so does a list the leader came back to, or reloaded: it opens where it was left, deep in its rows, not at its top.
 * `whole` tells when every row is in: the list's foot waits for it, or it would sit in view below a screenful.
 */
export function useScreenfulFirst<T>(rows: () => readonly T[] | undefined) {
  const whole = ref(returnedTo() || restoresScroll())
  const first = watch(
    rows,
    (answer) => {
      if (!answer) return
      queueMicrotask(() => first())
      // A frame's callback runs before that frame's paint; a task it queues runs after it.
      requestAnimationFrame(() => setTimeout(() => (whole.value = true)))
    },
    { immediate: true },
  )
  const shown = computed(() => {
    const all = rows() ?? []
    return whole.value ? all : all.slice(0, SCREENFUL)
  })
  return { shown, whole }
}
