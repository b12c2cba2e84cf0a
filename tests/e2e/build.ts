import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'

const projectRoot = fileURLToPath(new URL('../..', import.meta.url))

export interface BuildOptions {
  /** Replaces package.json's version (shown in the settings): a release that differs from the one installed. */
  version?: string
}

/**
 * Builds the app into `outDir` as `npm run build` does. Vitest sets NODE_ENV=test, and Vite then makes a
 * development build (no minifying, and the app skips registering its service worker): the build must see
 * `production`.
 */
export async function productionBuild(outDir: string, { version }: BuildOptions = {}): Promise<void> {
  const nodeEnv = process.env.NODE_ENV
  process.env.NODE_ENV = 'production'
  try {
    await build({
      root: projectRoot,
      configFile: join(projectRoot, 'vite.config.ts'),
      mode: 'production',
      logLevel: 'warn',
      // Merged over vite.config.ts: only this one definition changes.
      ...(version ? { define: { __APP_VERSION__: JSON.stringify(version) } } : {}),
      build: { outDir, emptyOutDir: true, sourcemap: false },
    })
  } finally {
    process.env.NODE_ENV = nodeEnv
  }
}
