import type { Plugin } from 'vite'

/** The app's entry script as Vite writes it into index.html. */
const ENTRY_TAG = /<script type="module" crossorigin src="([^"]+)"><\/script>/g

/**
 * The app's script runs after the static shell's first paint (src/app/shell.ts), not before it: the entry's
 * module script becomes `<meta name="app-entry">`, which the browser does not fetch, and index.html's shell
 * script adds the module script once the shell is on the screen. Fetched or run earlier (as a module script or
 * a modulepreload), the whole first-screen chunk would compete with the shell's stylesheet for a slow link,
 * and on a fast one Chromium runs it before painting the shell it already has; Lighthouse's simulated Slow 4G
 * counts either in the paint. The cost is the app's script starting a round trip later on a first visit over
 * the network; from the service worker's cache it is nothing. The app shows nothing until its first screen
 * is whole, so nothing else is lost.
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
        return html.replace(ENTRY_TAG, '<meta name="app-entry" content="$1">')
      },
    },
  }
}
