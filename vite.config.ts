import { fileURLToPath, URL } from 'node:url'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'
import { manifest } from './src/app/pwa/manifest'

export default defineConfig({
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  plugins: [
    vue(),
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'src/app',
      filename: 'sw.ts',
      registerType: 'prompt',
      // Registration lives in src/app/pwa so that updates go through our own prompt.
      injectRegister: false,
      includeManifestIcons: false,
      manifest,
      injectManifest: {
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
      },
      devOptions: { enabled: false },
    }),
  ],
  build: {
    target: 'es2022',
    // Keep route chunks small and separately cacheable; the first screen loads only what it needs.
    modulePreload: { polyfill: false },
    rolldownOptions: {
      // Schemas are declared as `z.object(…)` at module level; marking zod's builders pure lets the
      // bundler drop the ones a chunk never uses, which keeps zod out of the first screen's chunk.
      treeshake: { manualPureFunctions: ['z'] },
    },
  },
  worker: { format: 'es' },
})
