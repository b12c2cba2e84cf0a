// Declared here rather than in env.d.ts, so that the service worker's own build (tsconfig.sw.json) sees it too.
declare const __APP_VERSION__: string

/** package.json's version, put in by vite's `define` (vite.config.ts; vitest.config.ts says `test`). */
export const APP_VERSION: string = __APP_VERSION__
