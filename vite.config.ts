import { readFileSync } from 'node:fs'
import { fileURLToPath, URL } from 'node:url'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'
import { firstScreenChunk, listPartsChunk, vantCoreChunk } from './scripts/vite-chunks.ts'
import { precompress } from './scripts/vite-compress.ts'
import { entryAfterFirstPaint } from './scripts/vite-entry.ts'
import { precompileMessages, vueI18nTreeShaking } from './scripts/vite-i18n.ts'
import { manifestScreenshots, SCREENSHOTS_PATH } from './scripts/vite-screenshots.ts'
import { vantInlineIconFontOnly } from './scripts/vite-vant.ts'
import { webManifest } from './src/app/pwa/manifest.ts'

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string }
const screenshots = manifestScreenshots(fileURLToPath(new URL('./docs/screenshots', import.meta.url)))

export default defineConfig({
  define: {
    __APP_VERSION__: JSON.stringify(version),
    // vue-i18n's build flags: messages are precompiled (scripts/vite-i18n.ts), so its message
    // compiler is dropped; the app uses the composition API only, and not vue-i18n's components
    // (<i18n-t>, <i18n-n>, <i18n-d>) nor its v-t directive, which would be on the first screen (1 KB gzip).
    __INTLIFY_DROP_MESSAGE_COMPILER__: 'true',
    __VUE_I18N_LEGACY_API__: 'false',
    __VUE_I18N_FULL_INSTALL__: 'false',
    __INTLIFY_PROD_DEVTOOLS__: 'false',
  },
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  plugins: [
    precompileMessages(),
    vueI18nTreeShaking(),
    vantInlineIconFontOnly(),
    vue(),
    entryAfterFirstPaint(),
    screenshots.plugin,
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src/app',
      filename: 'sw.ts',
      registerType: 'prompt',
      // Registration lives in src/app/pwa so that updates go through our own prompt.
      injectRegister: false,
      includeManifestIcons: false,
      manifest: webManifest(screenshots.screenshots),
      injectManifest: {
        // The plugin adds manifest.webmanifest itself: globbing it too would list it twice.
        globPatterns: ['**/*.{js,css,html,svg,png,ico}'],
        globIgnores: [`${SCREENSHOTS_PATH}/**`],
      },
      devOptions: { enabled: false },
    }),
    precompress(),
  ],
  build: {
    target: 'es2022',
    // Keep route chunks small and separately cacheable; the first screen loads only what it needs.
    modulePreload: {
      polyfill: false,
      // The office works at a PC on the office's network: its pages load their own imports when opened, and
      // the leader's first screen does not carry the lists of what each office page would preload.
      resolveDependencies: (filename, deps) => (/(^|\/)Office[A-Z]/.test(filename) ? [] : deps),
    },
    rolldownOptions: {
      // Schemas are declared as `z.object(…)` at module level; marking zod's builders pure lets the
      // bundler drop the ones a chunk never uses, which keeps zod out of the first screen's chunk.
      treeshake: { manualPureFunctions: ['z'] },
      output: { codeSplitting: { groups: [firstScreenChunk(), vantCoreChunk(), listPartsChunk()] } },
    },
  },
  worker: { format: 'es' },
})
