import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import SqliteDatabase from 'better-sqlite3'
import { CARE_TAG_LABELS, OCCUPANCY_LABELS, ROSTER_COLUMNS, type RosterCell, type RosterColumn } from '@/domain'
import { importRoster } from '@/server/roster'
import { parseRosterFile } from '@/server/roster/parse'
import { writeRosterXlsx } from '@/server/roster/write'
import { openSqliteStorage, SQLITE_FILE } from '@/server/storage/sqlite'
import { count, ratio, seconds, target, type Table } from './report'

/*
 * k) A whole community's roster imported from .xlsx on SQLite: 5,000 households, 12,000 residents, through
 * the route's own steps (parse, check, plan, one transaction). The baseline writes the very rows the import
 * wrote into an empty records table with better-sqlite3, prepared statement and one transaction: the floor of
 * storing them at all.
 */

const BUILDINGS = 50
const HOUSEHOLDS = 5_000
const RESIDENTS = 12_000
const TARGET_SECONDS = 10
const COMMUNITY = { id: 'c-bench', name: '基准社区' }

/** The roster file: 100 flats per building (entrances of 2 × 10 floors × 5 doors), 2 or 3 people each. */
function rosterCells(): RosterCell[][] {
  const occupancies = Object.values(OCCUPANCY_LABELS).map((l) => l[0])
  const tags = Object.values(CARE_TAG_LABELS).map((l) => l[0])
  const rows: RosterCell[][] = []
  for (let h = 0; h < HOUSEHOLDS; h++) {
    const perBuilding = HOUSEHOLDS / BUILDINGS
    const building = Math.floor(h / perBuilding)
    const flat = h % perBuilding
    const floor = 1 + Math.floor((flat % 50) / 5)
    const people = h < RESIDENTS - 2 * HOUSEHOLDS ? 3 : 2
    for (let p = 0; p < people; p++) {
      const values: Record<RosterColumn, RosterCell> = {
        building: `基准路${1 + building}号`,
        entrance: String(1 + Math.floor(flat / 50)),
        unit: `${floor}0${1 + (flat % 5)}`,
        floor,
        name: `居民${h}-${p}`,
        phone: `13${String(100_000_000 + h * 3 + p).padStart(9, '0')}`,
        birthYear: 1940 + ((h + p) % 70),
        area: 45 + (h % 60),
        occupancy: occupancies[h % occupancies.length]!,
        careTags: p === 0 && h % 7 === 0 ? tags[h % tags.length]! : '',
        grid: `第${1 + (building % 5)}网格`,
      }
      rows.push(ROSTER_COLUMNS.map((c) => values[c]))
    }
  }
  return rows
}

export async function rosterBenchmarks(report: (table: Table) => void): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'doorstep-roster-bench-'))
  try {
    const file = await writeRosterXlsx(rosterCells())
    const storage = openSqliteStorage({ dataDir: join(work, 'import') })
    await storage.migrate()
    await storage.putReference(COMMUNITY.id, 'communities', [COMMUNITY])

    let started = performance.now()
    const parsed = await parseRosterFile(file)
    const parseMs = performance.now() - started
    if (!parsed.ok) throw new Error(`the generated roster was not read: ${parsed.fault}`)

    started = performance.now()
    const { imported, preview } = await importRoster(storage, COMMUNITY.id, file, new Date())
    const importMs = performance.now() - started
    if (!imported || preview.residents.added !== RESIDENTS) throw new Error(`the generated roster was not imported: ${JSON.stringify(preview).slice(0, 500)}`)

    started = performance.now()
    const again = await importRoster(storage, COMMUNITY.id, file, new Date())
    const againMs = performance.now() - started
    if (again.preview.residents.unchanged !== RESIDENTS) throw new Error('the second import changed something')
    await storage.close()

    // The baseline: the same rows, as the import stored them, into an empty records table.
    const source = new SqliteDatabase(join(work, 'import', SQLITE_FILE), { readonly: true })
    const rows = source.prepare("select * from records where community_id = ? and table_name <> 'communities'").all(COMMUNITY.id) as Array<Record<string, unknown>>
    source.close()
    const bare = openSqliteStorage({ dataDir: join(work, 'bare') })
    await bare.migrate()
    await bare.close()
    const db = new SqliteDatabase(join(work, 'bare', SQLITE_FILE))
    db.pragma('journal_mode = WAL')
    const columns = Object.keys(rows[0]!)
    const insert = db.prepare(`insert into records (${columns.join(', ')}) values (${columns.map((c) => `@${c}`).join(', ')})`)
    started = performance.now()
    db.transaction(() => rows.forEach((row) => insert.run(row)))()
    const bareMs = performance.now() - started
    db.close()

    report({
      title: `k) Importing a roster of ${count(HOUSEHOLDS)} households from .xlsx`,
      about: `A generated roster (.xlsx, ${(file.length / 1e6).toFixed(1)} MB): ${count(BUILDINGS)} buildings, ${count(HOUSEHOLDS)} households, ${count(RESIDENTS)} residents, one row each, imported into SQLite as \`POST /communities/{id}/roster/import\` does (src/server/roster: parse with exceljs, check, plan, one transaction), then the same file again. Baseline: the ${count(rows.length)} records rows the import wrote, inserted into an empty records table with better-sqlite3 (prepared statement, one transaction).`,
      head: ['', 'time', '÷ bare insert'],
      rows: [
        ['reading the .xlsx (exceljs), part of the import', seconds(parseMs), ratio(parseMs / bareMs)],
        ['**import, whole**', `**${seconds(importMs)}**`, ratio(importMs / bareMs)],
        ['the same file again (nothing changes, nothing written)', seconds(againMs), ratio(againMs / bareMs)],
        [`bare insert of the ${count(rows.length)} rows`, seconds(bareMs), '1.00×'],
      ],
      notes: [target(importMs <= TARGET_SECONDS * 1000, `at most ${TARGET_SECONDS} s for ${count(HOUSEHOLDS)} households (${seconds(importMs)})`)],
    })
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}
