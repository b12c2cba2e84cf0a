/// <reference types="vite/client" />
/// <reference types="vite-plugin-pwa/vue" />
/// <reference types="vite-plugin-pwa/info" />

/** package.json's version, put in by vite's `define` (see vite.config.ts). */
declare const __APP_VERSION__: string
