import { performance } from 'node:perf_hooks'
import { Writable } from 'node:stream'
import { exportTable } from '@/server/exports/records'
import { writeCsv, writeXlsx } from '@/server/exports/write'
import { openSqliteStorage } from '@/server/storage/sqlite'

/*
 * One measured export of ./export.ts, in a process of its own so that its resident memory is the export's
 * and not what seeding the database left behind: `node --import tsx export-run.ts <dataDir> <community>
 * <xlsx|csv|read>` prints `{ ms, bytes, rows, startRss, peakRss }` as JSON.
 */

const [dataDir, communityId, mode] = process.argv.slice(2) as [string, string, 'xlsx' | 'csv' | 'read']
const storage = openSqliteStorage({ dataDir })
await storage.migrate()
const community = (await storage.getCommunity(communityId))!

let bytes = 0
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    bytes += chunk.length
    done()
  },
})

const startRss = process.memoryUsage.rss()
let peakRss = startRss
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 10)
const started = performance.now()
const table = await exportTable(storage, community, 'visits', { from: null, to: null, buildingId: null })
let rows = 0
if (mode === 'read') for await (const _row of table.rows) rows++
else await (mode === 'xlsx' ? writeXlsx : writeCsv)([table], sink)
const ms = performance.now() - started
clearInterval(sampler)
peakRss = Math.max(peakRss, process.memoryUsage.rss())
await storage.close()
console.log(JSON.stringify({ ms, bytes, rows, startRss, peakRss }))
