import { execFile } from 'node:child_process'
import { cp, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type { AddressInfo } from 'node:net'
import { buildServer } from '@/server/app'
import { readConfig } from '@/server/config'
import { openStorage } from '@/server/storage'

const run = promisify(execFile)

export interface ProductionServer {
  /** Where the app and its API answer, e.g. `http://127.0.0.1:40123/`. */
  url: string
  /**
   * `npm run admin -- …args` against this server's database, as a separate process (the way an operator
   * runs it beside a running server); answers what it printed, and throws with it when the exit code is not 0.
   */
  admin(args: string[], input?: string): Promise<{ stdout: string; stderr: string }>
  close(): Promise<void>
}

/**
 * The server as production starts it (`DOORSTEP_DEMO=0`): a new SQLite database, nothing seeded, its own
 * copy of the built app, on loopback.
 */
export async function startProductionServer(appDir: string): Promise<ProductionServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'doorstep-production-data-'))
  const siteDir = await mkdtemp(join(tmpdir(), 'doorstep-production-site-'))
  await cp(appDir, siteDir, { recursive: true })
  const env = { ...process.env, DOORSTEP_DEMO: '0', DOORSTEP_DATA_DIR: dataDir, DATABASE_URL: '' }
  const config = readConfig(env)
  const storage = openStorage(config)
  await storage.migrate()
  if (!(await storage.isEmpty())) throw new Error('a new production database is not empty')
  const app = buildServer({ storage, staticRoot: siteDir })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/`,
    async admin(args, input) {
      const child = run(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'src/server/cli/admin.ts', ...args], { env, timeout: 60_000 })
      if (input !== undefined) child.child.stdin?.end(input)
      return child
    },
    async close() {
      await app.close()
      await storage.close()
      await rm(dataDir, { recursive: true, force: true })
      await rm(siteDir, { recursive: true, force: true })
    },
  }
}
