import type { Plugin } from 'vite'

/** The app's entry script as Vite writes it into index.html. */
const ENTRY_TAG = /<script type="module" crossorigin src="([^"]+)"><\/script>/g

/**
 * The app's script runs after the static shell's first paint (src/app/shell.ts), not before it: the entry's
 * module script becomes a modulepreload, fetched as early as before, which index.html's shell script runs
 * once the shell is on the screen. On a fast link or from the service worker's cache, Chromium would
 * otherwise run the whole first-screen chunk (hundreds of milliseconds on a slow phone) before painting the
 * shell it already has; the app shows nothing until its first screen is whole, so nothing is lost.
 */
export function entryAfterFirstPaint(): Plugin {
  return {
    name: 'doorstep:entry-after-first-paint',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html) {
        const entries = [...html.matchAll(ENTRY_TAG)]
        // Vite's tag changed, or a second entry appeared: fail the build rather than start no app.
        if (entries.length !== 1) throw new Error(`index.html: expected one entry script, found ${entries.length}`)
        return html.replace(ENTRY_TAG, '<link rel="modulepreload" crossorigin href="$1" data-app-entry>')
      },
    },
  }
}
