import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { startStaticServer } from '@/server/static'
import { browserUnavailable } from './browser'
import { productionBuild } from './build'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Where the freshly built app is served; empty when browser tests are skipped. */
    appUrl: string
    /** The folder of that build, for tests that serve a copy of it and deploy a changed version. */
    appDir: string
  }
}

/**
 * Builds the app once into a temporary folder (never into dist/, which a developer may be serving)
 * and serves it the way `npm start` does, so the browser tests run what users get.
 */
export default async function setup(project: TestProject) {
  if (browserUnavailable()) {
    project.provide('appUrl', '')
    project.provide('appDir', '')
    return
  }
  const outDir = await mkdtemp(join(tmpdir(), 'doorstep-dist-'))
  await productionBuild(outDir)
  const server = await startStaticServer({ root: outDir, port: 0 })
  project.provide('appUrl', server.url)
  project.provide('appDir', outDir)
  return async () => {
    await server.close()
    await rm(outDir, { recursive: true, force: true })
  }
}
