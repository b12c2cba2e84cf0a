import { nextTick } from 'vue'
import type { LockState } from './lock/state'

/*
 * The static shell: index.html paints home's frame before any script runs (the first paint is the app, not a
 * blank page), and the app mounts hidden behind it until its first screen is whole — the lock read, the route
 * resolved, and the lazy parts it shows loaded — so that the swap neither flashes nor moves anything.
 * Which frame the shell paints comes from a hint the app leaves in localStorage (IndexedDB cannot be read
 * before the first paint): the shell's own script in index.html reads it (its comments would be downloaded, so
 * they are here). No hint on an installed app means an earlier release ran, which may open on its PIN: no
 * frame rather than a wrong one. A leader who reads another language than Chinese gets no frame either. The
 * app's script starts once the browser reports the shell's first contentful paint, at once when there is no
 * shell or no such report, and after a second in any case. Before that, the script asks IndexedDB for its
 * databases' names (never opens one, which on a new phone would create it empty): the browser binds IndexedDB's
 * storage to the page tens of ms after a first request, and this one overlaps the entry's fetch. An owner's
 * answer page (features/canvass-link) uses no database and does not ask.
 */

/** The localStorage key of the hint; index.html's script reads the same key. */
const HINT_KEY = 'doorstep.shell'

/** What the shell paints: home for a phone nobody signed in on, home without its banner, or nothing. */
export type ShellHint = 'signed-out' | 'signed-in' | 'off'

/** A phone with a keyring opens on the PIN screen (locked) next time; one still to choose a PIN, on its setup. */
export function shellHint(state: LockState): ShellHint {
  if (state === 'none') return 'signed-out'
  return state === 'plain' ? 'signed-in' : 'off'
}

/** Leaves the hint for the next start. */
export function rememberShell(state: LockState, storage: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage): void {
  try {
    storage?.setItem(HINT_KEY, shellHint(state))
  } catch {
    // Storage refused (private mode, quota): the next start paints the default frame, as on a first visit.
  }
}

const loading = new Set<Promise<unknown>>()

/** A lazy part of a screen on its way: the shell stays until it has come. */
export function whileLoading<T>(load: Promise<T>): Promise<T> {
  loading.add(load)
  void load.finally(() => loading.delete(load)).catch(() => {})
  return load
}

/** Resolves once the screen rendered so far has no lazy part on its way (a part may bring more). */
export async function lazyPartsLoaded(): Promise<void> {
  await nextTick()
  while (loading.size) {
    await Promise.allSettled([...loading])
    await nextTick()
  }
}

/** Takes the shell out of the page, which shows the app (src/app/shell.css). */
export function removeShell(doc: Document = document): void {
  doc.querySelector('.app-shell')?.remove()
}

/** Resolves in a new task, after what the current one still has to do (rendering included). */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0))
}

/** How long work put off until the phone is idle waits at most. */
const IDLE_WAIT_MS = 1000

/** Resolves when the main thread is next idle (soon in any case; Safari has no requestIdleCallback: a task). */
export function whenIdle(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof requestIdleCallback === 'function') requestIdleCallback(() => resolve(), { timeout: IDLE_WAIT_MS })
    else setTimeout(resolve, 0)
  })
}
