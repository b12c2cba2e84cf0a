import { readonly, ref, type Ref } from 'vue'
import { addDays, chinaDay, chinaDayStart } from '@/domain/days'

/*
 * Today in Asia/Shanghai as a ref that turns at Beijing midnight, and is checked again whenever the app comes
 * back into view (a phone asleep overnight runs no timers): a worklist or a badge left on screen overnight
 * says 今天 of the new day, not of yesterday.
 */
let today: Ref<string> | undefined

function watchTheDay(day: Ref<string>) {
  const turn = () => {
    day.value = chinaDay()
    setTimeout(turn, Math.max(1_000, Date.parse(chinaDayStart(addDays(day.value, 1))) - Date.now()))
  }
  turn()
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') day.value = chinaDay()
  })
}

/** The Asia/Shanghai day (YYYY-MM-DD), kept current while the app runs. */
export function useChinaDay(): Readonly<Ref<string>> {
  if (!today) {
    today = ref(chinaDay())
    watchTheDay(today)
  }
  return readonly(today)
}
