import { fileURLToPath, URL } from 'node:url'
import vue from '@vitejs/plugin-vue'
import { defineConfig } from 'vitest/config'
import SummaryReporter from './tests/summary-reporter'

const alias = { '@': fileURLToPath(new URL('./src', import.meta.url)) }

export default defineConfig({
  plugins: [vue()],
  resolve: { alias },
  define: { __APP_VERSION__: JSON.stringify('test') },
  test: {
    reporters: ['default', new SummaryReporter()],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          environment: 'node',
          include: ['tests/unit/**/*.test.ts'],
          setupFiles: ['fake-indexeddb/auto'],
          // The sync engine's tests push hundreds of records through fake-indexeddb: 3–4 s each on two busy cores.
          testTimeout: 15_000,
        },
      },
      {
        extends: true,
        test: {
          // The sync engine's tests again, on phones with the app lock on: every row they write sealed.
          name: 'sealed',
          environment: 'node',
          include: ['tests/unit/sync/**/*.test.ts'],
          setupFiles: ['fake-indexeddb/auto'],
          env: { DOORSTEP_SEALED: '1' },
          testTimeout: 15_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'component',
          environment: 'happy-dom',
          include: ['tests/component/**/*.test.ts'],
          setupFiles: ['fake-indexeddb/auto', 'tests/component/setup.ts'],
          // Components import Vant's and Element Plus's CSS files; inlined, they go through Vite, which knows what a .css import is.
          server: { deps: { inline: ['vant', 'element-plus'] } },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['tests/e2e/**/*.test.ts'],
          globalSetup: ['tests/e2e/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          // One Chromium at a time: the machine has two cores.
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          environment: 'node',
          include: ['tests/integration/**/*.test.ts'],
          setupFiles: ['fake-indexeddb/auto'],
          // One throw-away PostgreSQL cluster for the run; each test file makes its own database in it.
          globalSetup: ['tests/integration/postgres.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
})
