import { shallowRef } from 'vue'

/**
 * Which residents' phone numbers were opened on this screen: lists show numbers masked until a tap on one,
 * and leaving the screen forgets them all.
 */
export function useRevealed() {
  const revealed = shallowRef<ReadonlySet<string>>(new Set())
  function reveal(id: string) {
    revealed.value = new Set([...revealed.value, id])
  }
  return { revealed, reveal }
}
