import { describe, expect, it } from 'vitest'
import { ISSUE_CATEGORIES, ISSUE_STATUSES, type Building, type Household, type IssueReport, type Resident } from '@/domain'
import { buildingCounts, countByStatus, householdRows, issueRows, pageOf, residentRows } from '@/app/features/office/tables'

const N = 10_000
const BUILDINGS = ['b-1', 'b-2', 'b-3', 'b-4']

/** 10,000 reports spread over statuses, categories and buildings, one minute apart, in no particular order. */
const issues: IssueReport[] = Array.from({ length: N }, (_, i) => {
  const n = (i * 7919) % N // a permutation of 0…N-1, so that the input is not already sorted
  return {
    id: `i-${n}`,
    buildingId: BUILDINGS[n % 4]!,
    householdId: null,
    category: ISSUE_CATEGORIES[n % ISSUE_CATEGORIES.length]!,
    location: n % 100 === 0 ? `${n}号 楼道窗户` : `${n}号 信报箱`,
    description: n % 250 === 0 ? '玻璃碎了' : '',
    urgency: 'normal',
    photos: [],
    source: null,
    status: ISSUE_STATUSES[n % ISSUE_STATUSES.length]!,
    assignee: null,
    timeline: [],
    createdAt: new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString(),
    updatedAt: new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString(),
    createdBy: 'u-leader1',
    deletedAt: n === 5 ? '2026-02-01T00:00:00.000Z' : null,
    rev: 1,
  } as unknown as IssueReport
})

describe('the workspace tables over 10,000 rows', () => {
  it('filters reports by status, category and building together, newest first', () => {
    const rows = issueRows(issues, { status: 'submitted', category: ISSUE_CATEGORIES[0], buildingId: 'b-1' })
    const expected = issues.filter(
      (r) => !r.deletedAt && r.status === 'submitted' && r.category === ISSUE_CATEGORIES[0] && r.buildingId === 'b-1',
    )
    expect(rows.length).toBe(expected.length)
    expect(rows.length).toBeGreaterThan(0)
    expect(rows.every((r) => r.status === 'submitted' && r.category === ISSUE_CATEGORIES[0] && r.buildingId === 'b-1')).toBe(true)
    for (let i = 1; i < rows.length; i++) expect(rows[i - 1]!.createdAt >= rows[i]!.createdAt).toBe(true)
  })

  it('finds reports by every word of the search in the place or description, and leaves out deleted ones', () => {
    expect(issueRows(issues, {}).length).toBe(N - 1)
    const windows = issueRows(issues, { words: '楼道  窗户' })
    expect(windows.map((r) => r.id).sort()).toEqual(
      issues.filter((r) => r.location.includes('楼道窗户')).map((r) => r.id).sort(),
    )
    expect(windows).toHaveLength(100)
    expect(issueRows(issues, { words: '玻璃' })).toHaveLength(40)
    expect(issueRows(issues, { words: '玻璃 楼道' })).toHaveLength(20)
    expect(issueRows(issues, { words: '没有这样的字' })).toHaveLength(0)
  })

  it('reads full-width digits as the phone does', () => {
    expect(issueRows(issues, { words: '４３００号 窗户' }).map((r) => r.id)).toEqual(['i-4300'])
  })

  it('counts each status among the reports the other filters let through', () => {
    const counts = countByStatus(issues, { buildingId: 'b-1', words: '楼道' })
    for (const status of ISSUE_STATUSES) {
      expect(counts[status]).toBe(issueRows(issues, { status, buildingId: 'b-1', words: '楼道' }).length)
    }
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(100)
    expect(Object.values(countByStatus(issues, {})).reduce((a, b) => a + b, 0)).toBe(N - 1)
  })

  it('sorts by date either way', () => {
    const oldest = issueRows(issues, {}, 'ascending')
    expect(oldest[0]!.id).toBe('i-0')
    expect(oldest.at(-1)!.id).toBe(`i-${N - 1}`)
    expect(issueRows(issues, {}, 'descending')[0]!.id).toBe(`i-${N - 1}`)
  })

  it('pages 50 at a time, and a page past the end shows the last page', () => {
    const rows = issueRows(issues, {}, 'ascending')
    const third = pageOf(rows, 3, 50)
    expect(third.rows.map((r) => r.id)).toEqual(rows.slice(100, 150).map((r) => r.id))
    expect(third).toMatchObject({ total: N - 1, page: 3 })
    const last = pageOf(rows, 9999, 50)
    expect(last.page).toBe(200)
    expect(last.rows).toHaveLength(49)
    expect(pageOf([], 4, 50)).toEqual({ rows: [], total: 0, page: 1 })
  })

  const buildings = new Map<string, Building>(
    BUILDINGS.map((id, i) => [id, { id, gridId: 'g', communityId: 'c', address: `南门路${110 + i}号`, name: '', floors: 9 }]),
  )
  const households: Household[] = Array.from({ length: 2_500 }, (_, i) => ({
    id: `h-${i}`,
    buildingId: BUILDINGS[i % 4]!,
    entrance: String((i % 2) + 1),
    unit: `${(i % 9) + 1}0${i % 7}`,
    floor: (i % 9) + 1,
    area: null,
    occupancy: null,
  }))
  const residents: Resident[] = Array.from({ length: N }, (_, i) => ({
    id: `r-${i}`,
    householdId: `h-${i % 2_500}`,
    name: i === 4321 ? '陈秀英' : `居民${i}`,
    phone: `138${String(i).padStart(8, '0')}`,
    birthYear: null,
    careTags: [],
    movedOutAt: i % 10 === 0 ? '2026-03-01T00:00:00.000Z' : null,
  }))
  const byId = new Map(households.map((h) => [h.id, h]))

  it('finds residents by name or phone, without those who moved out unless asked', () => {
    expect(residentRows(residents, byId, {})).toHaveLength(9_000)
    expect(residentRows(residents, byId, { movedOut: true })).toHaveLength(N)
    expect(residentRows(residents, byId, { words: '陈秀英' }).map((r) => [r.resident.id, r.household?.id])).toEqual([['r-4321', 'h-1821']])
    expect(residentRows(residents, byId, { words: '13800004321' }).map((r) => r.resident.id)).toEqual(['r-4321'])
    // r-4320 moved out: found by its phone only when moved-out residents are shown.
    expect(residentRows(residents, byId, { words: '13800004320' })).toHaveLength(0)
    expect(residentRows(residents, byId, { words: '13800004320', movedOut: true })).toHaveLength(1)
  })

  it('finds a phone number typed in full-width digits or with separators, as the phone does', () => {
    for (const words of ['１３８００００４３２１', '138-0000-4321', '138 0000 4321']) {
      expect(residentRows(residents, byId, { words }).map((r) => r.resident.id), words).toEqual(['r-4321'])
    }
    const dashed = [{ ...residents[4321]!, phone: '138-0000 4321' }]
    expect(residentRows(dashed, byId, { words: '13800004321' })).toHaveLength(1)
  })

  it('finds households by room or by address, ordered by entrance, floor and room', () => {
    const inOneBuilding = householdRows(households, buildings, '南门路111号')
    expect(inOneBuilding).toHaveLength(625)
    expect(inOneBuilding.every((h) => h.buildingId === 'b-2')).toBe(true)
    for (let i = 1; i < inOneBuilding.length; i++) {
      const [a, b] = [inOneBuilding[i - 1]!, inOneBuilding[i]!]
      expect(a.entrance < b.entrance || (a.entrance === b.entrance && a.floor <= b.floor)).toBe(true)
    }
    expect(householdRows(households, buildings, '南门路111号 2单元 506').every((h) => h.unit === '506' && h.entrance === '2')).toBe(true)
    expect(householdRows(households, buildings, '南门路111号 2单元 506').length).toBeGreaterThan(0)
    // Full-width digits, and a room written as the phone finds it (entrance-room).
    expect(householdRows(households, buildings, '南门路１１１号 ２单元 ５０６')).toEqual(householdRows(households, buildings, '南门路111号 2单元 506'))
    const entranceRoom = householdRows(households, buildings, '2-506')
    expect(entranceRoom.length).toBeGreaterThan(0)
    expect(entranceRoom.every((h) => h.unit === '506' && h.entrance === '2')).toBe(true)
  })

  it('counts households and residents still living in each building', () => {
    const counts = buildingCounts(households, residents)
    expect([...counts.values()].reduce((sum, c) => sum + c.households, 0)).toBe(2_500)
    expect([...counts.values()].reduce((sum, c) => sum + c.residents, 0)).toBe(9_000)
    expect(counts.get('b-1')).toEqual({ households: 625, residents: residents.filter((r, i) => !r.movedOutAt && (i % 2_500) % 4 === 0).length })
  })
})
