import { describe, expect, it } from 'vitest'
import {
  DEFAULT_GRID_NAME,
  floorOfUnit,
  planRoster,
  readRoster,
  ROSTER_EXAMPLE_ROW,
  ROSTER_HEADER_ROW,
  ROSTER_MAX_ROWS,
  rosterRows,
  type RosterSheet,
  type RosterState,
} from '@/domain'
import { demoBuildings, demoCommunity, demoGrids, demoHouseholds, demoResidents } from '@/domain/demo'

const YEAR = 2026
const AT = '2026-12-01T08:00:00.000Z'

/** A sheet from rows of cells, numbered from 1 as a spreadsheet numbers them. */
function sheet(rows: string[][], flagged: RosterSheet['flagged'] = []): RosterSheet {
  return { rows: rows.map((cells, i) => ({ row: i + 1, cells })), flagged }
}

const HEADER = ['楼栋', '单元', '房号', '姓名', '电话', '出生年份', '面积', '居住情况', '关爱标签']
const read = (rows: string[][]) => readRoster(sheet([HEADER, ...rows]), YEAR)
const codes = (rows: string[][]) => read(rows).problems.map((p) => `${p.row} ${p.column} ${p.code}`)

describe('reading a roster', () => {
  it('finds the columns under their other names, in any order, below a title row', () => {
    const { entries, problems } = readRoster(
      sheet([
        ['南门社区居民花名册'],
        ['手机号', '居民姓名', '门牌号', '楼栋地址', '建筑面积（㎡）', '居住状态', '重点人群', '所在楼层', '单元号'],
        ['139 0000 1111', '王五', '0302', '桥湖路32号', '58.5', '出租', '老年人、低保户', '3', '2'],
      ]),
      YEAR,
    )
    expect(problems).toEqual([])
    expect(entries).toEqual([
      {
        row: 3,
        building: '桥湖路32号',
        grid: null,
        entrance: '2',
        unit: '0302',
        floor: 3,
        area: 58.5,
        occupancy: 'rented',
        name: '王五',
        phone: '13900001111',
        // No 出生年份 column: an import keeps what is stored.
        birthYear: undefined,
        careTags: ['elderly', 'low_income'],
      },
    ])
  })

  it('derives the floor from the room number when 楼层 is empty', () => {
    expect([floorOfUnit('302'), floorOfUnit('1502'), floorOfUnit('12'), floorOfUnit('A3')]).toEqual([3, 15, 1, 1])
    expect(readRoster(sheet([['楼栋', '房号', '姓名', '楼层'], ['南门路117号', '1502', '张三', '']]), YEAR).entries[0]?.floor).toBe(15)
  })

  it('refuses a file without the required headers, and one with a column twice', () => {
    expect(readRoster(sheet([['名字', '电话'], ['张三', '13800138000']]), YEAR).problems).toEqual([
      { row: null, column: null, code: 'missing_headers', message: expect.stringContaining('「楼栋」「房号」「姓名」') },
    ])
    expect(readRoster(sheet([]), YEAR).problems.map((p) => p.code)).toEqual(['empty'])
    expect(readRoster(sheet([['楼栋', '房号', '姓名', '电话', '手机']]), YEAR).problems[0]).toMatchObject({ row: 1, column: '手机', code: 'duplicate_header' })
  })

  it('lists every bad cell by row and column in plain Chinese', () => {
    const problems = read([
      ['南门路117号', '', '101', '甲', '12345', '', '', '', ''],
      ['南门路117号', '', '102', '乙', '1.38101E+10', '', '', '', ''],
      ['南门路117号', '', '103', '丙', '', '1850', 'abc', '自己住', '外星人'],
      ['', '', '104', '', '', '', '', '', ''],
    ]).problems
    expect(problems.map((p) => `${p.row} ${p.column} ${p.code}`)).toEqual([
      '2 电话 bad_phone',
      '3 电话 scientific_phone',
      '4 出生年份 bad_birth_year',
      '4 面积 bad_area',
      '4 居住情况 bad_occupancy',
      '4 关爱标签 bad_care_tag',
      '5 楼栋 missing_building',
      '5 姓名 missing_name',
    ])
    expect(problems[0]!.message).toBe('不是手机号或座机号')
    expect(problems[1]!.message).toMatch(/科学计数法/)
    expect(problems[5]!.message).toMatch(/不认识「外星人」/)
  })

  it('accepts mobiles with +86 or spaces and landlines with an area code', () => {
    const rows = ['+86 138 0013 8000', '020-83331234', '83331234'].map((phone, i) => ['南门路117号', '', `10${i}`, '甲', phone, '', '', '', ''])
    expect(read(rows).entries.map((e) => e.phone)).toEqual(['13800138000', '020-83331234', '83331234'])
  })

  it('reports an empty row between rows, not the rows after the last one', () => {
    expect(codes([['南门路117号', '', '101', '甲', '', '', '', '', ''], ['', '', '', '', '', '', '', '', ''], ['南门路117号', '', '102', '乙', '', '', '', '', '']])).toEqual([
      '3 null empty_row',
    ])
  })

  it('refuses a room whose rows disagree, and a name twice in one household', () => {
    expect(
      codes([
        ['南门路117号', '', '101', '甲', '', '', '60', '自住', ''],
        ['南门路117号', '', '101', '乙', '', '', '', '', ''],
        ['南门路117号', '', '101', '丙', '', '', '70', '', ''],
        ['南门路117号', '', '101', '甲', '', '', '', '', ''],
      ]),
    ).toEqual(['5 姓名 duplicate_resident', '4 面积 duplicate_unit'].sort())
    // Rows that leave a household cell empty take the household's value.
    const { entries } = read([
      ['南门路117号', '', '101', '甲', '', '', '', '', ''],
      ['南门路117号', '', '101', '乙', '', '', '60', '自住', ''],
    ])
    expect(entries.map((e) => [e.area, e.occupancy])).toEqual([
      [60, 'owner'],
      [60, 'owner'],
    ])
  })

  it('reports formulas and merged cells at their row and column', () => {
    const { problems } = readRoster(
      sheet([HEADER, ['南门路117号', '', '101', '甲', '', '', '', '', '']], [
        { row: 2, col: 4, reason: 'formula' },
        { row: 2, col: 0, reason: 'merged' },
      ]),
      YEAR,
    )
    expect(problems.map((p) => `${p.row} ${p.column} ${p.code}`).sort()).toEqual(['2 楼栋 merged', '2 电话 formula'])
  })

  it(`refuses ${(ROSTER_MAX_ROWS + 1).toLocaleString('en')} rows and reads ${ROSTER_MAX_ROWS.toLocaleString('en')}`, () => {
    const rows = (n: number) => Array.from({ length: n }, (_, i) => ['南门路117号', '', String(i + 1), '甲', '', '', '', '', ''])
    expect(read(rows(ROSTER_MAX_ROWS + 1)).problems.map((p) => p.code)).toEqual(['too_many_rows'])
    expect(read(rows(ROSTER_MAX_ROWS)).problems).toEqual([])
  })
})

const demo: RosterState = { grids: demoGrids, buildings: demoBuildings, households: demoHouseholds, residents: demoResidents }
let ids = 0
const options = { at: AT, newId: () => `new-${++ids}` }

describe('planning an import', () => {
  it('changes nothing when the export is imported again', () => {
    const { entries, problems } = readRoster(sheet([ROSTER_HEADER_ROW, ...rosterRows(demo).map((r) => r.map((c) => (c === null ? '' : String(c))))]), YEAR)
    expect(problems).toEqual([])
    const { writes, counts } = planRoster(demoCommunity.id, demo, entries, options)
    expect(writes).toEqual([])
    expect(counts).toEqual({
      buildings: { added: 0, changed: 0, unchanged: 4 },
      households: { added: 0, changed: 0, unchanged: demoHouseholds.length },
      residents: { added: 0, changed: 0, unchanged: demoResidents.length, movedOut: 0 },
    })
  })

  it('adds, changes and moves out, and moves a resident back in', () => {
    const first = demoResidents[0]!
    const household = demoHouseholds.find((h) => h.id === first.householdId)!
    const building = demoBuildings.find((b) => b.id === household.buildingId)!
    const row = (unit: string, name: string, phone: string) => [building.address, '', unit, name, phone, '', '', '', '']
    const { entries } = read([row(household.unit, first.name, '13911112222'), row('901', '新人', ''), ['新楼1号', '', '1502', '新人', '', '', '', '', '']])
    const movedOut = { ...demo, residents: demoResidents.map((r, i) => (i === 0 ? { ...r, phone: '13911112222', movedOutAt: '2026-01-01T00:00:00.000Z' } : r)) }
    const { writes, counts } = planRoster(demoCommunity.id, movedOut, entries, options)
    // Only residents of the building the file names move out; the other buildings are left as they are.
    const othersThere = demoResidents.filter((r) => r.id !== first.id && demoHouseholds.find((h) => h.id === r.householdId)!.buildingId === building.id)
    expect(othersThere.length).toBeGreaterThan(0)
    expect(othersThere.length).toBeLessThan(demoResidents.length - 1)
    expect(counts.residents).toEqual({ added: 2, changed: 1, unchanged: 0, movedOut: othersThere.length })
    expect(counts.buildings).toEqual({ added: 1, changed: 1, unchanged: 0 })
    expect(writes.find((w) => w.record.id === first.id)?.record).toMatchObject({ movedOutAt: null })
    const gone = writes.filter((w) => w.table === 'residents' && w.record.movedOutAt === AT)
    expect(gone.map((w) => w.record.id).sort()).toEqual(othersThere.map((r) => r.id).sort())
    // The new building goes to the default grid, made for it; the old one grows to its new ninth floor.
    const grid = writes.find((w) => w.table === 'grids')!.record
    expect(grid).toMatchObject({ name: DEFAULT_GRID_NAME, communityId: demoCommunity.id })
    expect(writes.find((w) => w.table === 'buildings' && w.record.address === '新楼1号')?.record).toMatchObject({ gridId: grid.id, floors: 15 })
    expect(writes.find((w) => w.record.id === building.id)?.record).toMatchObject({ floors: 9 })
    // Each record is pulled by the leaders of its building.
    for (const w of writes) if (w.table === 'residents' || w.table === 'households') expect(w.buildingId).toBeTruthy()
  })

  it('keeps what is stored for a column the file does not have, and empties a field whose cell is empty', () => {
    const exported = [ROSTER_HEADER_ROW, ...rosterRows(demo).map((r) => r.map((c) => (c === null ? '' : String(c))))]
    const keep = ['楼栋', '房号', '姓名', '网格'].map((title) => ROSTER_HEADER_ROW.indexOf(title))
    const { entries, problems } = readRoster(sheet(exported.map((cells) => keep.map((i) => cells[i]!))), YEAR)
    expect(problems).toEqual([])
    // Without 单元, 楼层, 电话, 出生年份, 面积, 居住情况 and 关爱标签: nothing changes, nobody moves out.
    const { writes, counts } = planRoster(demoCommunity.id, demo, entries, options)
    expect(writes).toEqual([])
    expect(counts.residents).toEqual({ added: 0, changed: 0, unchanged: demoResidents.length, movedOut: 0 })

    const withPhone = demoResidents.find((r) => r.phone !== null)!
    const household = demoHouseholds.find((h) => h.id === withPhone.householdId)!
    const address = demoBuildings.find((b) => b.id === household.buildingId)!.address
    const emptied = exported.map((cells) => [...keep.map((i) => cells[i]!), cells[ROSTER_HEADER_ROW.indexOf('电话')]!])
    const row = emptied.findIndex((cells) => cells[0] === address && cells[1] === household.unit && cells[2] === withPhone.name)
    emptied[row]![4] = ''
    const plan = planRoster(demoCommunity.id, demo, readRoster(sheet(emptied), YEAR).entries, options)
    expect(plan.writes.map((w) => w.record)).toEqual([{ ...withPhone, phone: null }])
  })

  it('finds households by building and room when the file has no 单元, while the building has each room once', () => {
    const building = { ...demoBuildings[0]!, floors: 2 }
    const home = (id: string, entrance: string, unit: string) => ({ id, buildingId: building.id, entrance, unit, floor: floorOfUnit(unit), area: null, occupancy: null })
    const person = (id: string, householdId: string, name: string) => ({ id, householdId, name, phone: '13800138000', birthYear: 1950, careTags: [], movedOutAt: null })
    const state: RosterState = {
      grids: demoGrids,
      buildings: [building],
      households: [home('h1', '1', '101'), home('h2', '2', '102')],
      residents: [person('r1', 'h1', '甲'), person('r2', 'h2', '乙')],
    }
    const rows = [['楼栋', '房号', '姓名'], [building.address, '101', '甲'], [building.address, '102', '乙']]
    const { writes, counts } = planRoster(demoCommunity.id, state, readRoster(sheet(rows), YEAR).entries, options)
    expect(writes).toEqual([])
    expect(counts.residents).toEqual({ added: 0, changed: 0, unchanged: 2, movedOut: 0 })
  })

  it("puts a new building without 网格 in the community's only grid, else in the default grid", () => {
    const { entries } = readRoster(sheet([['楼栋', '房号', '姓名'], ['新楼1号', '101', '甲']]), YEAR)
    const only = { grids: [demoGrids[0]!], buildings: [], households: [], residents: [] }
    const { writes } = planRoster(demoCommunity.id, only, entries, options)
    expect(writes.filter((w) => w.table === 'grids')).toEqual([])
    expect(writes.find((w) => w.table === 'buildings')?.record).toMatchObject({ gridId: demoGrids[0]!.id })
  })

  it('puts buildings in the grid the file names, made when new, and refuses two grids for one building', () => {
    const rows = [
      ['楼栋', '房号', '姓名', '网格'],
      ['新楼1号', '101', '甲', '第二网格'],
      ['新楼2号', '101', '乙', '第九网格'],
      ['新楼2号', '102', '丙', ''],
    ]
    const { entries, problems } = readRoster(sheet(rows), YEAR)
    expect(problems).toEqual([])
    expect(entries.map((e) => e.grid)).toEqual(['第二网格', '第九网格', '第九网格'])
    const { writes } = planRoster(demoCommunity.id, demo, entries, options)
    const made = writes.filter((w) => w.table === 'grids').map((w) => w.record)
    expect(made).toMatchObject([{ name: '第九网格' }])
    const gridOf = (address: string) => writes.flatMap((w) => (w.table === 'buildings' && w.record.address === address ? [w.record.gridId] : []))[0]
    expect([gridOf('新楼1号'), gridOf('新楼2号')]).toEqual([demoGrids.find((g) => g.name === '第二网格')!.id, made[0]!.id])

    const conflict = readRoster(sheet([...rows, ['新楼2号', '103', '丁', '第二网格']]), YEAR).problems
    expect(conflict.map((p) => `${p.row} ${p.column} ${p.code}`)).toEqual(['5 网格 grid_conflict'])
  })

  it('the template example reads without a problem', () => {
    const { problems } = readRoster(sheet([ROSTER_HEADER_ROW, ROSTER_EXAMPLE_ROW.map((c) => String(c ?? ''))]), YEAR)
    expect(problems).toEqual([])
  })
})
