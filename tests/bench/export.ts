import { execFileSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import SqliteDatabase from 'better-sqlite3'
import { uuidv7, VISIT_PURPOSES, type Building, type Household, type Resident, type Visit } from '@/domain'
import { openSqliteStorage, SQLITE_FILE } from '@/server/storage/sqlite'
import type { Storage } from '@/server/storage/types'
import { count, ratio, seconds, target, type Table } from './report'

/*
 * m) Exporting 50,000 visits as .xlsx on SQLite, as GET /communities/{id}/exports/visits.xlsx does (rows read
 * from the records table a page at a time, named, written by exceljs's streaming writer), with the time and
 * the peak memory of a process that does only that (./export-run.ts). Baselines in the same run: the same
 * rows written as plain CSV, and the same rows only read and named (no file at all).
 */

const VISITS = 50_000
const BUILDINGS = 20
const HOUSEHOLDS = 2_000
const TARGET_SECONDS = 5
const TARGET_MB = 300
const COMMUNITY = { id: 'c-bench', name: '基准社区' }
const MB = 1024 * 1024

const RUNNER = fileURLToPath(new URL('export-run.ts', import.meta.url))

interface Run {
  ms: number
  bytes: number
  rows: number
  startRss: number
  peakRss: number
}

/** One export in a fresh process (./export-run.ts), so that its memory is its own. */
function run(dataDir: string, mode: 'xlsx' | 'csv' | 'read'): Run {
  const output = execFileSync(process.execPath, ['--import', 'tsx', RUNNER, dataDir, COMMUNITY.id, mode], { encoding: 'utf8' })
  return JSON.parse(output.trim().split('\n').at(-1)!) as Run
}

/** A community of 2,000 households in 20 buildings and 50,000 visits, the visits inserted straight into the records table. */
async function seed(dataDir: string): Promise<Storage> {
  const storage = openSqliteStorage({ dataDir })
  await storage.migrate()
  await storage.putReference(COMMUNITY.id, 'communities', [COMMUNITY])
  await storage.putReference(COMMUNITY.id, 'grids', [{ id: 'g-bench', communityId: COMMUNITY.id, name: '第一网格' }])
  const buildings: Building[] = Array.from({ length: BUILDINGS }, (_, b) => ({ id: `b-${b}`, gridId: 'g-bench', communityId: COMMUNITY.id, address: `基准路${b + 1}号`, name: '', floors: 10 }))
  const households: Household[] = Array.from({ length: HOUSEHOLDS }, (_, h) => ({
    id: `h-${h}`,
    buildingId: `b-${h % BUILDINGS}`,
    entrance: '',
    unit: `${1 + (h % 10)}0${1 + (h % 4)}`,
    floor: 1 + (h % 10),
    area: null,
    occupancy: null,
  }))
  const residents: Resident[] = households.map((h, i) => ({
    id: `r-${i}`,
    householdId: h.id,
    name: `居民${i}`,
    phone: `13${String(100_000_000 + i).padStart(9, '0')}`,
    birthYear: 1950,
    careTags: i % 7 === 0 ? ['elderly_alone'] : [],
    movedOutAt: null,
  }))
  await storage.putReference(COMMUNITY.id, 'buildings', buildings)
  await storage.putReference(COMMUNITY.id, 'households', households)
  await storage.putReference(COMMUNITY.id, 'residents', residents)
  await storage.createUser({ id: 'u-bench', username: 'bench', displayName: '基准楼长', role: 'leader', communityId: COMMUNITY.id, buildingIds: [], passwordHash: 'x' })
  await storage.close()

  const db = new SqliteDatabase(join(dataDir, SQLITE_FILE))
  const insert = db.prepare(
    `insert into records (table_name, id, community_id, building_id, created_by, device_id, rev, data, field_revs, deleted_at, updated_at)
     values ('visits', @id, @community, @building, 'u-bench', 'd-bench', @rev, @data, '{}', null, @at)`,
  )
  const start = Date.parse('2026-01-01T01:00:00Z')
  db.transaction(() => {
    for (let v = 0; v < VISITS; v++) {
      const household = households[v % HOUSEHOLDS]!
      const at = new Date(start + v * 9 * 60_000).toISOString()
      const visit: Visit = {
        id: uuidv7(start + v),
        createdAt: at,
        updatedAt: at,
        createdBy: 'u-bench',
        deviceId: 'd-bench',
        rev: 100_000 + v,
        deletedAt: null,
        conflicts: [],
        buildingId: household.buildingId,
        householdId: household.id,
        visitedAt: at,
        purpose: VISIT_PURPOSES[v % VISIT_PURPOSES.length]!,
        topics: v % 3 ? ['pension_review'] : ['anti_fraud', '楼道灯坏了'],
        residentIds: [`r-${v % HOUSEHOLDS}`],
        othersMet: '',
        needs: v % 5 ? '' : `想了解养老金年审怎么在手机上办（第${v}次）`,
        outcome: '已教会用粤省事做年审',
        followUpOn: v % 10 ? null : '2026-12-01',
        followsVisitId: null,
        photos: [],
      }
      insert.run({ id: visit.id, community: COMMUNITY.id, building: household.buildingId, rev: visit.rev, data: JSON.stringify(visit), at })
    }
  })()
  db.close()
  const reopened = openSqliteStorage({ dataDir })
  await reopened.migrate()
  return reopened
}

export async function exportBenchmarks(report: (table: Table) => void): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'doorstep-export-bench-'))
  try {
    const dataDir = join(work, 'db')
    await (await seed(dataDir)).close()
    // Warm the database file into the page cache, then the baselines first.
    const warm = run(dataDir, 'read')
    if (warm.rows !== VISITS) throw new Error(`read ${warm.rows} rows, not ${VISITS}`)
    const read = run(dataDir, 'read')
    const csv = run(dataDir, 'csv')
    const xlsx = run(dataDir, 'xlsx')
    const mb = (bytes: number) => `${(bytes / MB).toFixed(0)} MB`
    const row = (name: string, r: Run, file: boolean): string[] => [name, seconds(r.ms), ratio(r.ms / csv.ms), file ? mb(r.bytes) : '', mb(r.peakRss), mb(r.peakRss - r.startRss)]
    report({
      title: `m) Exporting ${count(VISITS)} visits to .xlsx`,
      about: `${count(VISITS)} visits of ${count(HOUSEHOLDS)} households in ${count(BUILDINGS)} buildings on SQLite, exported as \`GET /communities/{id}/exports/visits.xlsx\` does (src/server/exports: the records table read 500 rows a page, each row named — building, room, residents and phones, purpose in words, who recorded it — and written by exceljs's streaming writer with shared strings) into a sink that counts the bytes. Each run is a fresh Node process (tests/bench/export-run.ts) whose resident set is sampled every 10 ms: peak RSS is the whole process (Node, tsx, the modules, SQLite), growth is the peak less the RSS when the export began. Baselines in the same run: the same rows as plain CSV, and the same rows only read and named.`,
      head: ['', 'time', '÷ CSV', 'file', 'peak RSS', 'growth'],
      rows: [
        row('**.xlsx (exceljs, streaming)**', xlsx, true),
        row('plain CSV (UTF-8 with BOM), same rows', csv, true),
        row('rows read and named only, no file', read, false),
      ],
      notes: [
        target(xlsx.ms <= TARGET_SECONDS * 1000, `at most ${TARGET_SECONDS} s for ${count(VISITS)} visits (${seconds(xlsx.ms)})`),
        target(xlsx.peakRss <= TARGET_MB * MB, `memory under ${TARGET_MB} MB (peak RSS of the whole process ${mb(xlsx.peakRss)})`),
      ],
    })
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}
