import { ISSUE_STATUSES, type Building, type Household, type IssueCategory, type IssueReport, type IssueStatus, type Resident } from '@/domain'
import { householdNames, phoneContains, searchable } from '@/domain/search'

/*
 * The workspace's tables narrow, sort and page in these pure functions, not in the table component: a
 * community holds tens of thousands of residents, and the table draws one page of them. Each function makes
 * one pass (filter, then one sort), so a keystroke in the search box costs a few milliseconds over 10,000
 * rows; the tests check what they return over that many.
 */

export type SortOrder = 'ascending' | 'descending'

/** One collator for every comparison: `localeCompare` with a locale builds one per call, seconds over 10,000 rows. */
const collator = new Intl.Collator('zh-CN', { numeric: true })

/**
 * The search box's words, compared as the phone's search boxes compare (src/domain/search.ts): full-width
 * ３０２ is 302, case does not count. A row matches when every word is in one of its texts.
 */
function searchWords(input: string): string[] {
  return input.split(/\s+/).map(searchable).filter(Boolean)
}

function matchesWords(texts: readonly (string | null | undefined)[], words: readonly string[]): boolean {
  if (!words.length) return true
  const haystacks = texts.map((text) => (text ? searchable(text) : ''))
  return words.every((word) => haystacks.some((haystack) => haystack.includes(word)))
}

export interface Page<T> {
  rows: T[]
  total: number
  /** The page shown, 1-based: clamped to the last one when the filter left fewer rows. */
  page: number
}

/** One page of `rows`; `page` past the end shows the last page rather than an empty table. */
export function pageOf<T>(rows: readonly T[], page: number, size: number): Page<T> {
  const last = Math.max(1, Math.ceil(rows.length / size))
  const shown = Math.min(Math.max(1, Math.floor(page) || 1), last)
  return { rows: rows.slice((shown - 1) * size, shown * size), total: rows.length, page: shown }
}

export interface IssueTableFilter {
  status?: IssueStatus | null
  category?: IssueCategory | null
  buildingId?: string | null
  /** Words of the report's title (category aside: its place) or description. */
  words?: string
}

function issueMatcher(filter: IssueTableFilter): (r: IssueReport) => boolean {
  const words = searchWords(filter.words ?? '')
  return (r) =>
    !r.deletedAt &&
    (!filter.status || r.status === filter.status) &&
    (!filter.category || r.category === filter.category) &&
    (!filter.buildingId || r.buildingId === filter.buildingId) &&
    matchesWords([r.location, r.description], words)
}

/** The reports the filter lets through, by the time they were reported (newest first unless `ascending`). */
export function issueRows(issues: readonly IssueReport[], filter: IssueTableFilter, order: SortOrder = 'descending'): IssueReport[] {
  const sign = order === 'ascending' ? 1 : -1
  return issues.filter(issueMatcher(filter)).sort((a, b) => sign * a.createdAt.localeCompare(b.createdAt))
}

/** How many reports each status holds among those the other filters let through (for the status tabs). */
export function countByStatus(issues: readonly IssueReport[], filter: Omit<IssueTableFilter, 'status'>): Record<IssueStatus, number> {
  const counts = Object.fromEntries(ISSUE_STATUSES.map((s) => [s, 0])) as Record<IssueStatus, number>
  const matches = issueMatcher({ ...filter, status: null })
  for (const r of issues) if (matches(r)) counts[r.status]++
  return counts
}

export interface ResidentRow {
  resident: Resident
  household: Household | undefined
}

/**
 * Residents found by name or phone, with their household, ordered by room. Those a roster import marked as
 * moved out (已搬走) stay out unless `movedOut` asks for them: their visits keep their names.
 */
export function residentRows(
  residents: readonly Resident[],
  households: ReadonlyMap<string, Household>,
  filter: { words?: string; movedOut?: boolean },
): ResidentRow[] {
  const query = filter.words ?? ''
  const words = searchWords(query)
  return residents
    .filter((r) => (filter.movedOut || !r.movedOutAt) && (matchesWords([r.name, r.phone], words) || phoneContains(r.phone, query)))
    .map((resident) => ({ resident, household: households.get(resident.householdId) }))
    .sort((a, b) => roomOrder(a.household, b.household) || collator.compare(a.resident.name, b.resident.name))
}

/** The address of a flat as rosters write it (南门路115号 2单元 302), what the office types to find it. */
export function householdAddress(building: Pick<Building, 'address'> | undefined, household: Pick<Household, 'entrance' | 'unit'>): string {
  return [building?.address, household.entrance && `${household.entrance}单元`, household.unit].filter(Boolean).join(' ')
}

/** Households found by room or address (also as the phone finds them: 2-302, 南门路115号302), by entrance, floor and room. */
export function householdRows(households: readonly Household[], buildings: ReadonlyMap<string, Building>, words: string): Household[] {
  const wanted = searchWords(words)
  return households
    .filter((h) => {
      const building = buildings.get(h.buildingId)
      return matchesWords([householdAddress(building, h), ...householdNames({ address: building?.address ?? '', household: h })], wanted)
    })
    .sort(roomOrder)
}

function roomOrder(a: Household | undefined, b: Household | undefined): number {
  if (!a || !b) return a ? -1 : b ? 1 : 0
  return (
    a.buildingId.localeCompare(b.buildingId) ||
    collator.compare(a.entrance, b.entrance) ||
    a.floor - b.floor ||
    collator.compare(a.unit, b.unit)
  )
}

/** How many households and residents (not moved out) each building has. */
export function buildingCounts(households: readonly Household[], residents: readonly Resident[]): Map<string, { households: number; residents: number }> {
  const buildingOf = new Map<string, string>()
  const counts = new Map<string, { households: number; residents: number }>()
  const entry = (id: string) => counts.get(id) ?? counts.set(id, { households: 0, residents: 0 }).get(id)!
  for (const h of households) {
    buildingOf.set(h.id, h.buildingId)
    entry(h.buildingId).households++
  }
  for (const r of residents) {
    const building = buildingOf.get(r.householdId)
    if (building && !r.movedOutAt) entry(building).residents++
  }
  return counts
}
