import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildServer } from './app'
import { readConfig } from './config'
import { openStorage } from './storage'
import { checkBucket } from './storage/s3-blobs'
import { DEMO_PASSWORD, seedDemo } from './seed'
import { startSweeper } from './sweep'

// `npm start`: one process serves the built app and the sync API.
const config = readConfig()
const staticRoot = fileURLToPath(new URL('../../dist', import.meta.url))
if (!existsSync(join(staticRoot, 'index.html'))) console.warn(`No built app in ${staticRoot}: run \`npm run build\` (npm start does).`)

if (config.s3) await checkBucket(config.s3)
const storage = openStorage(config)
await storage.migrate()
if (config.demo) {
  if (await storage.isEmpty()) await seedDemo(storage)
  console.log(`Demo mode: sign in as leader1 (a building leader) or office1 (community office), password ${DEMO_PASSWORD}.`)
  console.log('Set DOORSTEP_DEMO=0 for production: nothing is seeded, and accounts are made with `npm run admin`.')
}

const app = buildServer({ storage, staticRoot, logger: { level: config.logLevel }, trustedHops: config.trustedHops })
await app.listen({ port: config.port, host: config.host })
const stopSweeper = startSweeper({ storage, log: app.log })
const { port } = app.server.address() as { port: number }
// A wildcard address is not something a browser can open.
const shownHost = ['0.0.0.0', '::'].includes(config.host) ? 'localhost' : config.host.includes(':') ? `[${config.host}]` : config.host
const database = config.databaseUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`
const photos = config.s3 ? `, photos in bucket ${config.s3.bucket} at ${config.s3.endpoint}` : ''
console.log(`楼长助手 · Doorstep is running (${database}${photos}): open http://${shownHost}:${port}/`)

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stopSweeper()
    void app
      .close()
      .then(() => storage.close())
      .then(() => process.exit(0))
  })
}
