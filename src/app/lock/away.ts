/** After this long away from the screen, the app asks for the PIN again. */
export const RELOCK_AFTER_MS = 5 * 60_000

/**
 * Locks the unlocked app after RELOCK_AFTER_MS away: on a timer while the page is hidden, and on its return in
 * case the timer was frozen. Loaded once the app is first open: a phone without a PIN never needs it.
 */
export function watchAway(page: Document, lock: { readonly state: string; lockNow(): void }): void {
  let hiddenAt = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  page.addEventListener('visibilitychange', () => {
    clearTimeout(timer)
    if (lock.state !== 'open') return
    if (page.visibilityState === 'hidden') {
      hiddenAt = Date.now()
      timer = setTimeout(() => lock.lockNow(), RELOCK_AFTER_MS)
    } else if (hiddenAt && Date.now() - hiddenAt >= RELOCK_AFTER_MS) {
      lock.lockNow()
    }
  })
}
