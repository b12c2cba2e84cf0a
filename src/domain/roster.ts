import { z } from 'zod'
import type { Building, CareTag, Grid, Household, Occupancy, Resident } from './households'

/*
 * The community roster as offices keep it in Excel: one row per resident (a household's row repeats its
 * building, entrance and room). The server parses an upload (.xlsx, or .csv in UTF-8 or GBK) into rows of
 * text cells, and the rules here check them and say what an import would change.
 *
 *   POST /communities/:id/roster/preview   body: the file's bytes  → RosterPreview (200, also with problems)
 *   POST /communities/:id/roster/import    body: the file's bytes  → RosterPreview (200, written in one
 *        transaction), or 422 `invalid_roster` { error, message, preview } with nothing written
 *   GET  /communities/:id/roster.xlsx      the roster as it is now, in the same format
 *   GET  /roster/template.xlsx             the headers and one example row
 */

/** One reason a row (or the whole file, `row` null) cannot be imported; the message is for the office, in Chinese. */
export const RosterProblem = z.object({
  /** The spreadsheet's own row number (the header row is 1); null for the file as a whole. */
  row: z.number().int().positive().nullable(),
  /** The column's header as the file writes it; null when the problem is not one cell's. */
  column: z.string().nullable(),
  code: z.string(),
  message: z.string(),
})
export type RosterProblem = z.infer<typeof RosterProblem>

const Counts = z.object({ added: z.number().int().nonnegative(), changed: z.number().int().nonnegative(), unchanged: z.number().int().nonnegative() })

export const RosterPreview = z.object({
  /** The rows read (residents), not counting the header. */
  rows: z.number().int().nonnegative(),
  buildings: Counts,
  households: Counts,
  residents: Counts.extend({ movedOut: z.number().int().nonnegative() }),
  /** Every problem found; an import is refused while there is any. */
  problems: z.array(RosterProblem),
})
export type RosterPreview = z.infer<typeof RosterPreview>

/** The answer to an import that was refused: nothing was written, and the preview says why. */
export const RosterRefusal = z.object({ error: z.literal('invalid_roster'), message: z.string(), preview: RosterPreview })
export type RosterRefusal = z.infer<typeof RosterRefusal>

// ---- the file's columns ----

export const ROSTER_COLUMNS = ['building', 'entrance', 'unit', 'floor', 'name', 'phone', 'birthYear', 'area', 'occupancy', 'careTags', 'grid'] as const
export type RosterColumn = (typeof ROSTER_COLUMNS)[number]

/** Each column's header as the template writes it, then the other names offices give it. */
export const ROSTER_HEADERS: Record<RosterColumn, readonly [string, ...string[]]> = {
  building: ['楼栋', '楼栋地址', '地址', '楼栋名称', '楼号'],
  entrance: ['单元', '单元号'],
  unit: ['房号', '房间号', '门牌号', '房屋号', '室号'],
  floor: ['楼层', '所在楼层', '层'],
  name: ['姓名', '户主', '居民姓名', '户主姓名', '成员姓名'],
  phone: ['电话', '联系电话', '手机', '手机号', '手机号码', '联系方式'],
  birthYear: ['出生年份', '出生年'],
  area: ['面积', '建筑面积', '住房面积', '房屋面积'],
  occupancy: ['居住情况', '居住状态', '住房情况'],
  careTags: ['关爱标签', '重点人群', '关爱对象', '人员类别'],
  grid: ['网格', '所属网格', '网格名称'],
}
const REQUIRED: readonly RosterColumn[] = ['building', 'unit', 'name']

/** A header as written, less what varies between offices: spaces, a required-mark and a unit in brackets (面积（㎡）). */
function headerKey(header: string): string {
  return header.replace(/\s+/g, '').replace(/^[*＊]+|[*＊]+$/g, '').replace(/[(（][^)）]*[)）]$/, '')
}
const COLUMN_OF_HEADER = new Map(ROSTER_COLUMNS.flatMap((column) => ROSTER_HEADERS[column].map((h) => [headerKey(h), column] as const)))

/** How rosters write occupancy; the first of each is what an export writes. */
export const OCCUPANCY_LABELS: Record<Occupancy, readonly [string, ...string[]]> = {
  owner: ['自住', '业主自住', '自用'],
  rented: ['出租', '租住', '租赁'],
  vacant: ['空置', '空房', '闲置'],
}

/** The app's words for care tags (src/app/i18n), then those rosters also use; the first is what an export writes. */
export const CARE_TAG_LABELS: Record<CareTag, readonly [string, ...string[]]> = {
  elderly_alone: ['独居老人', '独居', '空巢老人'],
  elderly: ['老人', '老年人', '高龄老人'],
  disabled: ['残疾', '残疾人'],
  low_income: ['低保', '低保户'],
  absentee_owner: ['业主不在住'],
  tenant: ['租户'],
  minor: ['未成年', '未成年人', '儿童'],
}
const CARE_TAG_SEPARATORS = /[\s、,，;；/|]+/

function labelIndex<K extends string>(labels: Record<K, readonly string[]>): Map<string, K> {
  return new Map((Object.entries(labels) as Array<[K, readonly string[]]>).flatMap(([value, words]) => words.map((w) => [w, value] as const)))
}
const OCCUPANCY_OF = labelIndex(OCCUPANCY_LABELS)
const CARE_TAG_OF = labelIndex(CARE_TAG_LABELS)

/** Files of this size and more are refused before they are read. */
export const ROSTER_MAX_BYTES = 20 * 1024 * 1024
export const ROSTER_XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
/** The content types a roster upload may be sent with (its bytes say which format it is). */
export const ROSTER_UPLOAD_TYPES = ['application/octet-stream', 'text/csv', ROSTER_XLSX_TYPE, 'application/vnd.ms-excel'] as const

/** At most this many rows (residents) in one file: 50,000 and more is refused. */
export const ROSTER_MAX_ROWS = 49_999
/** The header is looked for in the first rows: a roster often has a title row above it. */
const HEADER_SEARCH_ROWS = 10
/** Where rows of text cells come from: what the server reads from an .xlsx or .csv file. */
export interface RosterSheet {
  /** Every row up to the last that is not empty, with the spreadsheet's row number (from 1). */
  rows: Array<{ row: number; cells: string[] }>
  /** Cells the parser would not read: formulas and merged cells (by 0-based column). */
  flagged: Array<{ row: number; col: number; reason: 'formula' | 'merged' }>
}

/** Why a file could not be read at all. */
export type RosterFileFault = 'not_spreadsheet' | 'old_xls' | 'empty' | 'too_large'

const FILE_FAULTS: Record<RosterFileFault, string> = {
  not_spreadsheet: '这不是表格文件：请上传 Excel（.xlsx）或 CSV 文件',
  old_xls: '这是旧版 Excel（.xls）文件：请在 Excel 或 WPS 里另存为 .xlsx 再上传',
  empty: '文件里没有内容',
  too_large: `表格里的内容太多，读不了：一个文件最多${ROSTER_MAX_ROWS.toLocaleString('en')}行，请分成几个文件上传`,
}

/** The problem of a file that could not be read at all. */
export function rosterFileProblem(fault: RosterFileFault): RosterProblem {
  return { row: null, column: null, code: fault, message: FILE_FAULTS[fault] }
}

// ---- reading rows ----

/**
 * One resident's row, checked: household fields repeat on every row of the household. A field is
 * `undefined` when the file has no column for it: an import keeps what is stored (a new record has it
 * empty), while an empty cell in a column the file has means empty.
 */
export interface RosterEntry {
  row: number
  building: string
  /** null: no 网格 column, or an empty cell (see planRoster). */
  grid: string | null
  entrance: string | undefined
  unit: string
  /** From 楼层, else (an empty cell) from the room number (302 → 3, 1502 → 15), else 1. */
  floor: number | undefined
  area: number | null | undefined
  occupancy: Occupancy | null | undefined
  name: string
  phone: string | null | undefined
  birthYear: number | null | undefined
  careTags: CareTag[] | undefined
}

const MOBILE = /^(?:\+?86)?(1[3-9]\d{9})$/
const LANDLINE = /^(?:0\d{2,3}-?)?[2-9]\d{6,7}(?:-\d{1,6})?$/
/** What Excel shows for a long number in a General cell, and what a CSV keeps once it was saved that way. */
const SCIENTIFIC = /^\d+(?:\.\d+)?E\+?\d+$/i

/** A floor from a room number: the digits before the last two (302 → 3, 1502 → 15), else 1. */
export function floorOfUnit(unit: string): number {
  const digits = /^(\d+)(\d\d)$/.exec(unit)
  return digits ? Math.max(1, Number(digits[1])) : 1
}

function householdKey(building: string, entrance: string, unit: string): string {
  return `${building}\u0000${entrance}\u0000${unit}`
}

type CellCheck<T> = { ok: true; value: T } | { ok: false; code: string; message: string }
const fail = (code: string, message: string): CellCheck<never> => ({ ok: false, code, message })
const ok = <T>(value: T): CellCheck<T> => ({ ok: true, value })

function textCell(max: number) {
  return (cell: string): CellCheck<string> => (cell.length > max ? fail('too_long', `太长了：最多${max}个字`) : ok(cell))
}

const CELL_CHECKS: { [C in RosterColumn]: (cell: string, year: number) => CellCheck<RosterEntry[keyof RosterEntry] | null> } = {
  building: textCell(100),
  entrance: textCell(20),
  unit: textCell(20),
  grid: textCell(60),
  name: textCell(40),
  floor(cell) {
    const floor = Number(cell.replace(/[层楼]$/, ''))
    return Number.isInteger(floor) && floor >= -5 && floor <= 200 && floor !== 0 ? ok(floor) : fail('bad_floor', '不是楼层数')
  },
  phone(cell) {
    if (SCIENTIFIC.test(cell)) return fail('scientific_phone', '号码被 Excel 改成了科学计数法，已经读不出来：请把这一列设成“文本”后重新填写')
    const compact = cell.replace(/[\s()（）]/g, '')
    const mobile = MOBILE.exec(compact)
    if (mobile) return ok(mobile[1]!)
    return LANDLINE.test(compact) ? ok(compact) : fail('bad_phone', '不是手机号或座机号')
  },
  birthYear(cell, year) {
    const match = /^(\d{4})年?$/.exec(cell)
    const value = match ? Number(match[1]) : NaN
    return value >= 1900 && value <= year ? ok(value) : fail('bad_birth_year', `不是出生年份（要写成四位数，如1950）`)
  },
  area(cell) {
    const value = Number(cell.replace(/(㎡|平方米|平米|m²|m2)$/i, ''))
    return cell !== '' && Number.isFinite(value) && value > 0 && value <= 10_000 ? ok(value) : fail('bad_area', '不是面积（填平方米数，如65.5）')
  },
  occupancy(cell) {
    const value = OCCUPANCY_OF.get(cell)
    return value ? ok(value) : fail('bad_occupancy', `只能填${Object.values(OCCUPANCY_LABELS).map((l) => l[0]).join('、')}`)
  },
  careTags(cell) {
    const tags: CareTag[] = []
    for (const word of cell.split(CARE_TAG_SEPARATORS).filter(Boolean)) {
      const tag = CARE_TAG_OF.get(word)
      if (!tag) return fail('bad_care_tag', `不认识「${word}」：可填${Object.values(CARE_TAG_LABELS).map((l) => l[0]).join('、')}`)
      if (!tags.includes(tag)) tags.push(tag)
    }
    return ok(tags)
  },
}

/**
 * The household fields that must agree on every row of one household (an empty cell takes the others' value);
 * 网格 must agree on every row of a building, which covers its households.
 */
const HOUSEHOLD_FIELDS = ['floor', 'area', 'occupancy'] as const satisfies ReadonlyArray<keyof RosterEntry>

/**
 * Checks a sheet's rows: finds the header (in any column order, under any of the usual names), reads every
 * row and lists every problem by row and column. Rows with a problem are left out of `entries`; an import
 * is refused while there is any problem. `year` bounds birth years.
 */
export function readRoster(sheet: RosterSheet, year: number): { rows: number; entries: RosterEntry[]; problems: RosterProblem[] } {
  const problems: RosterProblem[] = []
  const headerAt = sheet.rows.slice(0, HEADER_SEARCH_ROWS).findIndex((r) => REQUIRED.every((c) => r.cells.some((h) => COLUMN_OF_HEADER.get(headerKey(h)) === c)))
  if (headerAt < 0) {
    const missing = REQUIRED.map((c) => `「${ROSTER_HEADERS[c][0]}」`).join('')
    const code = sheet.rows.length ? 'missing_headers' : 'empty'
    const message = sheet.rows.length ? `找不到表头：第一行要有${missing}这几列` : FILE_FAULTS.empty
    return { rows: 0, entries: [], problems: [{ row: null, column: null, code, message }] }
  }
  const header = sheet.rows[headerAt]!
  const columns = new Map<RosterColumn, number>()
  header.cells.forEach((title, col) => {
    const column = COLUMN_OF_HEADER.get(headerKey(title))
    if (!column) return
    if (columns.has(column)) {
      problems.push({ row: header.row, column: title, code: 'duplicate_header', message: `和「${header.cells[columns.get(column)!]}」是同一列，只能留一列` })
    } else columns.set(column, col)
  })
  const columnTitle = (col: number) => header.cells[col]?.trim() || `第${col + 1}列`
  for (const flag of sheet.flagged) {
    if (flag.row < header.row) continue
    const message = flag.reason === 'formula' ? '是公式：请改成直接填写的内容（复制后“选择性粘贴-数值”）' : '是合并单元格：请取消合并，每一行都填上'
    problems.push({ row: flag.row, column: columnTitle(flag.col), code: flag.reason, message })
  }
  const rows = sheet.rows.slice(headerAt + 1)
  if (rows.length > ROSTER_MAX_ROWS) {
    problems.push({ row: null, column: null, code: 'too_many_rows', message: `行数太多：一个文件最多${ROSTER_MAX_ROWS.toLocaleString('en')}行，请分成几个文件` })
    return { rows: rows.length, entries: [], problems }
  }

  const entries: RosterEntry[] = []
  const households = new Map<string, { row: number; entry: RosterEntry; names: Map<string, number> }>()
  const gridOfBuilding = new Map<string, { row: number; grid: string }>()
  for (const { row, cells } of rows) {
    const rowProblems: RosterProblem[] = []
    const cell = (column: RosterColumn) => {
      const col = columns.get(column)
      return col === undefined ? '' : (cells[col] ?? '').trim()
    }
    if (cells.every((c) => c.trim() === '')) {
      problems.push({ row, column: null, code: 'empty_row', message: '是空行：请删掉这一行' })
      continue
    }
    const values: Partial<Record<RosterColumn, unknown>> = {}
    for (const column of ROSTER_COLUMNS) {
      const text = cell(column)
      if (text === '') {
        if (REQUIRED.includes(column)) {
          rowProblems.push({ row, column: columnTitle(columns.get(column)!), code: `missing_${column}`, message: `没有填${ROSTER_HEADERS[column][0]}` })
        }
        continue
      }
      const checked = CELL_CHECKS[column](text, year)
      if (checked.ok) values[column] = checked.value
      else rowProblems.push({ row, column: columnTitle(columns.get(column)!), code: checked.code, message: checked.message })
    }
    if (rowProblems.length) {
      problems.push(...rowProblems)
      continue
    }
    const unit = values.unit as string
    /** The cell's value; `empty` for an empty cell; undefined when the file has no such column. */
    const kept = <T>(column: RosterColumn, empty: T): T | undefined => (columns.has(column) ? ((values[column] as T | undefined) ?? empty) : undefined)
    const entry: RosterEntry = {
      row,
      building: values.building as string,
      grid: (values.grid as string | undefined) ?? null,
      entrance: kept('entrance', ''),
      unit,
      floor: kept('floor', floorOfUnit(unit)),
      area: kept<number | null>('area', null),
      occupancy: kept<Occupancy | null>('occupancy', null),
      name: values.name as string,
      phone: kept<string | null>('phone', null),
      birthYear: kept<number | null>('birthYear', null),
      careTags: kept<CareTag[]>('careTags', []),
    }
    const explicitFloor = values.floor !== undefined
    const key = householdKey(entry.building, entry.entrance ?? '', entry.unit)
    const household = households.get(key)
    if (household) {
      const first = household.entry
      for (const field of HOUSEHOLD_FIELDS) {
        const mine = field === 'floor' && !explicitFloor ? null : entry[field]
        if (mine === null) entry[field] = first[field] as never
        else if (first[field] === null) first[field] = mine as never
        else if (mine !== first[field]) {
          const title = columns.has(field) ? columnTitle(columns.get(field)!) : ROSTER_HEADERS[field][0]
          rowProblems.push({ row, column: title, code: 'duplicate_unit', message: `同一房号在第${household.row}行填的不一样` })
        }
      }
      const sameName = household.names.get(entry.name)
      if (sameName !== undefined) {
        rowProblems.push({ row, column: columnTitle(columns.get('name')!), code: 'duplicate_resident', message: `同一户里第${sameName}行已经有这个人` })
      }
    } else {
      households.set(key, { row, entry, names: new Map() })
    }
    if (entry.grid !== null) {
      const grid = gridOfBuilding.get(entry.building)
      if (grid && grid.grid !== entry.grid) {
        rowProblems.push({ row, column: columnTitle(columns.get('grid')!), code: 'grid_conflict', message: `同一楼栋在第${grid.row}行是「${grid.grid}」` })
      } else if (!grid) gridOfBuilding.set(entry.building, { row, grid: entry.grid })
    }
    if (rowProblems.length) {
      problems.push(...rowProblems)
      continue
    }
    households.get(key)!.names.set(entry.name, row)
    entries.push(entry)
  }
  // Rows of one household share what its first row (or any row) said.
  for (const entry of entries) {
    const first = households.get(householdKey(entry.building, entry.entrance ?? '', entry.unit))!.entry
    for (const field of HOUSEHOLD_FIELDS) entry[field] = first[field] as never
    if (entry.grid === null) entry.grid = gridOfBuilding.get(entry.building)?.grid ?? null
  }
  problems.sort((a, b) => (a.row ?? 0) - (b.row ?? 0))
  return { rows: rows.length, entries, problems }
}

// ---- what an import changes ----

/** The community's roster as stored: what an import compares the file with, and what an export writes. */
export interface RosterState {
  grids: Grid[]
  buildings: Building[]
  households: Household[]
  residents: Resident[]
}

/** One record an import writes, with the building whose leaders pull it (null: the whole community). */
export type RosterWrite =
  | { table: 'grids'; record: Grid; buildingId: null }
  | { table: 'buildings'; record: Building; buildingId: string }
  | { table: 'households'; record: Household; buildingId: string }
  | { table: 'residents'; record: Resident; buildingId: string }

export type RosterCounts = Omit<RosterPreview, 'rows' | 'problems'>

/** The grid every new community starts with: buildings need one, and most communities begin as one. */
export const FIRST_GRID_NAME = '第一网格'
/** Where new buildings go when the file names no grid (网格) for them and the community has several grids (or none). */
export const DEFAULT_GRID_NAME = '未分网格'

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/** Items by key, in the order keys first appear (Map.groupBy is not in Node 20). */
function groupBy<T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const item of items) {
    const key = keyOf(item)
    const group = groups.get(key)
    if (group) group.push(item)
    else groups.set(key, [item])
  }
  return groups
}

/**
 * What importing `entries` into a community changes, as the records to write (only those that differ, so
 * that an unchanged roster writes nothing and phones pull nothing) and the counts a preview shows.
 * Buildings are known by address, households by building, entrance and room, residents by name within their
 * household. A file without 单元 matches a household by building and room when the building has that room
 * once; a room it has under several entrances cannot be told apart, so the file's rows are the household
 * with no entrance (listing 单元 avoids it). A field the file has no column for keeps what is stored.
 * A resident of a building the file names, whom the file no longer lists, moves out (never deleted); one
 * listed again moves back in; buildings the file does not name are left as they are. A new building with
 * no 网格 goes to the community's only grid, or else to 未分网格. A building's floors grow to its highest
 * household, never shrink (a roster may list only some flats).
 */
export function planRoster(
  communityId: string,
  state: RosterState,
  entries: RosterEntry[],
  options: { at: string; newId: () => string },
): { writes: RosterWrite[]; counts: RosterCounts } {
  const writes: RosterWrite[] = []
  const count = () => ({ added: 0, changed: 0, unchanged: 0 })
  const counts: RosterCounts = { buildings: count(), households: count(), residents: { ...count(), movedOut: 0 } }
  const tally = (counter: { added: number; changed: number; unchanged: number }, before: unknown, after: unknown) => {
    if (before === undefined) counter.added++
    else if (same(before, after)) counter.unchanged++
    else counter.changed++
    return before === undefined || !same(before, after)
  }

  const grids = new Map(state.grids.map((g) => [g.name, g]))
  const gridId = (name: string) => {
    let grid = grids.get(name)
    if (!grid) {
      grid = { id: options.newId(), communityId, name }
      grids.set(name, grid)
      writes.push({ table: 'grids', record: grid, buildingId: null })
    }
    return grid.id
  }
  const defaultGrid = state.grids.length === 1 ? state.grids[0]!.name : DEFAULT_GRID_NAME
  const buildings = new Map(state.buildings.map((b) => [b.address, b]))
  const households = new Map(state.households.map((h) => [householdKey(h.buildingId, h.entrance, h.unit), h]))
  const householdsOfRoom = groupBy(state.households, (h) => `${h.buildingId}\u0000${h.unit}`)
  const storedHousehold = (buildingId: string, entrance: string | undefined, unit: string) => {
    if (entrance !== undefined) return households.get(householdKey(buildingId, entrance, unit))
    const room = householdsOfRoom.get(`${buildingId}\u0000${unit}`) ?? []
    return room.length === 1 ? room[0] : households.get(householdKey(buildingId, '', unit))
  }
  const buildingOfHousehold = new Map(state.households.map((h) => [h.id, h.buildingId]))
  const named = new Set<string>()
  const residents = new Map<string, Resident>()
  for (const r of state.residents) {
    const key = `${r.householdId}\u0000${r.name}`
    if (!residents.has(key)) residents.set(key, r)
  }
  const listed = new Set<string>()

  const byBuilding = groupBy(entries, (e) => e.building)
  for (const [address, rows] of byBuilding) {
    const before = buildings.get(address)
    const buildingId = before?.id ?? options.newId()
    named.add(buildingId)
    const homes = [...groupBy(rows, (e) => `${e.entrance}\u0000${e.unit}`).values()].map((members) => {
      const { entrance, unit, floor, area, occupancy } = members[0]!
      const was = storedHousehold(buildingId, entrance, unit)
      const household: Household = {
        ...was,
        id: was?.id ?? options.newId(),
        buildingId,
        entrance: was?.entrance ?? entrance ?? '',
        unit,
        floor: floor ?? was?.floor ?? floorOfUnit(unit),
        area: area === undefined ? (was?.area ?? null) : area,
        occupancy: occupancy === undefined ? (was?.occupancy ?? null) : occupancy,
      }
      return { was, household, members }
    })
    const grid = rows[0]!.grid
    const floors = Math.min(200, homes.reduce((most, h) => Math.max(most, h.household.floor), before?.floors ?? 1))
    const building: Building = before
      ? { ...before, gridId: grid === null ? before.gridId : gridId(grid), floors }
      : { id: buildingId, gridId: gridId(grid ?? defaultGrid), communityId, address, name: '', floors }
    if (tally(counts.buildings, before, building)) writes.push({ table: 'buildings', record: building, buildingId })

    for (const { was, household, members } of homes) {
      if (tally(counts.households, was, household)) writes.push({ table: 'households', record: household, buildingId })
      for (const { name, phone, birthYear, careTags } of members) {
        const prior = residents.get(`${household.id}\u0000${name}`)
        const resident: Resident = {
          ...prior,
          id: prior?.id ?? options.newId(),
          householdId: household.id,
          name,
          phone: phone === undefined ? (prior?.phone ?? null) : phone,
          birthYear: birthYear === undefined ? (prior?.birthYear ?? null) : birthYear,
          careTags: careTags ?? prior?.careTags ?? [],
          movedOutAt: null,
        }
        if (prior) listed.add(prior.id)
        if (tally(counts.residents, prior, resident)) writes.push({ table: 'residents', record: resident, buildingId })
      }
    }
  }
  for (const resident of state.residents) {
    if (listed.has(resident.id) || resident.movedOutAt !== null) continue
    const buildingId = buildingOfHousehold.get(resident.householdId)
    if (buildingId === undefined || !named.has(buildingId)) continue
    counts.residents.movedOut++
    writes.push({ table: 'residents', record: { ...resident, movedOutAt: options.at }, buildingId })
  }
  return { writes, counts }
}

// ---- export ----

/** The header row of an export and of the template: each column's first name. */
export const ROSTER_HEADER_ROW: string[] = ROSTER_COLUMNS.map((c) => ROSTER_HEADERS[c][0])

/** Columns that must stay text in a spreadsheet, or Excel drops leading zeros and shows long numbers as 1.38E+10. */
export const ROSTER_TEXT_COLUMNS: ReadonlySet<RosterColumn> = new Set(['building', 'entrance', 'unit', 'name', 'phone', 'occupancy', 'careTags', 'grid'])

export type RosterCell = string | number | null

/** One row of cells in ROSTER_COLUMNS order. */
function rosterRow(values: Record<RosterColumn, RosterCell>): RosterCell[] {
  return ROSTER_COLUMNS.map((c) => values[c])
}

/** A filled-in example for the template. */
export const ROSTER_EXAMPLE_ROW: RosterCell[] = rosterRow({
  building: '南门路115号之二',
  entrance: '1',
  unit: '302',
  floor: 3,
  name: '陈秀英',
  phone: '13800138000',
  birthYear: 1948,
  area: 65.5,
  occupancy: OCCUPANCY_LABELS.owner[0],
  careTags: CARE_TAG_LABELS.elderly_alone[0],
  grid: '第一网格',
})

/**
 * The roster as it is now, one row per resident who has not moved out, in the import's format: importing
 * it again changes nothing. Households with nobody living there have no row.
 */
export function rosterRows(state: RosterState): RosterCell[][] {
  const gridName = new Map(state.grids.map((g) => [g.id, g.name]))
  const buildingsById = new Map(state.buildings.map((b) => [b.id, b]))
  const householdsById = new Map(state.households.map((h) => [h.id, h]))
  const rows: Array<{ building: Building; household: Household; resident: Resident }> = []
  for (const resident of state.residents) {
    const household = householdsById.get(resident.householdId)
    const building = household && buildingsById.get(household.buildingId)
    if (resident.movedOutAt === null && household && building) rows.push({ building, household, resident })
  }
  const collator = new Intl.Collator('zh-CN', { numeric: true })
  rows.sort(
    (a, b) =>
      collator.compare(a.building.address, b.building.address) ||
      collator.compare(a.household.entrance, b.household.entrance) ||
      a.household.floor - b.household.floor ||
      collator.compare(a.household.unit, b.household.unit),
  )
  return rows.map(({ building, household, resident }) =>
    rosterRow({
      building: building.address,
      entrance: household.entrance,
      unit: household.unit,
      floor: household.floor,
      name: resident.name,
      phone: resident.phone,
      birthYear: resident.birthYear,
      area: household.area,
      occupancy: household.occupancy && OCCUPANCY_LABELS[household.occupancy][0],
      careTags: resident.careTags.map((t) => CARE_TAG_LABELS[t][0]).join('、'),
      grid: gridName.get(building.gridId) ?? null,
    }),
  )
}
