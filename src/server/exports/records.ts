import {
  addDays,
  buildingLabel,
  chinaDayStart,
  overallResult,
  type Building,
  type ChecklistTemplate,
  type Community,
  type Household,
  type Inspection,
  type IssueCategory,
  type IssueReport,
  type IssueStatus,
  type RecordTable,
  type Resident,
  type Visit,
} from '@/domain'
import type { Storage } from '../storage/types'
import type { Cell, Column, Table } from './cells'
import { CARE_TAG_WORDS, CATEGORY_WORDS, OVERALL_WORDS, PURPOSE_WORDS, STATUS_WORDS, topicWords, URGENCY_WORDS } from './words'

/*
 * The office's exports of what the leaders recorded: visits, issue reports and inspections, one row each, in
 * the words an office files (building address, room, residents' names, who recorded it), read from the
 * records table page by page so that a year of visits is never in memory at once.
 */

export const EXPORT_KINDS = ['visits', 'issues', 'inspections'] as const satisfies readonly RecordTable[]
export type ExportKind = (typeof EXPORT_KINDS)[number]

/** China days, inclusive; null for no bound. Status and category narrow issue reports only. */
export interface ExportFilter {
  from: string | null
  to: string | null
  buildingId: string | null
  status?: IssueStatus | null
  category?: IssueCategory | null
}

/** The file name an office saves, e.g. 南门社区走访记录.xlsx. */
export const EXPORT_TITLES: Record<ExportKind, string> = { visits: '走访记录', issues: '居民诉求', inspections: '安全巡查' }

const PAGE = 500

/** The names a row needs, loaded once per export: the roster, the accounts, the templates. */
interface Names {
  building(id: string): string
  household(id: string | null): Household | undefined
  residentsOf(householdId: string): Resident[]
  resident(id: string): Resident | undefined
  user(id: string | null): string
  template(id: string, version: number): ChecklistTemplate | undefined
}

async function loadNames(storage: Storage, communityId: string): Promise<Names> {
  const [roster, users, templates] = await Promise.all([
    storage.roster(communityId),
    storage.listUsers(communityId),
    storage.listReference(communityId, 'templates'),
  ])
  const buildings = new Map(roster.buildings.map((b: Building) => [b.id, buildingLabel(b)]))
  const households = new Map(roster.households.map((h) => [h.id, h]))
  const residents = new Map(roster.residents.map((r) => [r.id, r]))
  const byHousehold = new Map<string, Resident[]>()
  for (const r of roster.residents) {
    const list = byHousehold.get(r.householdId) ?? []
    list.push(r)
    byHousehold.set(r.householdId, list)
  }
  const names = new Map(users.map((u) => [u.id, u.displayName]))
  const versions = new Map((templates as unknown as ChecklistTemplate[]).map((t) => [`${t.id}@${t.version}`, t]))
  return {
    building: (id) => buildings.get(id) ?? id,
    household: (id) => (id === null ? undefined : households.get(id)),
    residentsOf: (id) => byHousehold.get(id) ?? [],
    resident: (id) => residents.get(id),
    user: (id) => (id === null ? '' : (names.get(id) ?? id)),
    template: (id, version) => versions.get(`${id}@${version}`),
  }
}

const join = (parts: Array<string | null | undefined>) => parts.filter((p): p is string => !!p).join('、')

interface Shape<R> {
  columns: Column[]
  /** The timestamp field the date filter applies to: an inspection counts when it was completed, as in the monthly report. */
  dateField: 'visitedAt' | 'createdAt' | 'completedAt'
  keep?(record: R, filter: ExportFilter): boolean
  row(record: R, names: Names): Cell[]
}

const place = (household: Household | undefined): Cell[] => [household?.entrance || null, household?.unit ?? null]

const visits: Shape<Visit> = {
  columns: [
    { header: '走访时间', kind: 'datetime' },
    { header: '楼栋', kind: 'text', width: 24 },
    { header: '单元', kind: 'text', width: 6 },
    { header: '房号', kind: 'text', width: 8 },
    { header: '见到的居民', kind: 'text', width: 16 },
    { header: '联系电话', kind: 'text', width: 16 },
    { header: '关爱对象', kind: 'text' },
    { header: '其他在场的人', kind: 'text' },
    { header: '走访类型', kind: 'text', width: 10 },
    { header: '走访内容', kind: 'text', width: 20 },
    { header: '了解到的需求', kind: 'text', width: 30 },
    { header: '处理结果', kind: 'text', width: 30 },
    { header: '回访日期', kind: 'date' },
    { header: '照片', kind: 'number', width: 6 },
    { header: '走访人', kind: 'text', width: 10 },
    { header: '记录编号', kind: 'text', width: 38 },
  ],
  dateField: 'visitedAt',
  row(visit, names) {
    const met = visit.residentIds.map((id) => names.resident(id))
    const tags = new Set(names.residentsOf(visit.householdId).filter((r) => !r.movedOutAt).flatMap((r) => r.careTags))
    return [
      visit.visitedAt,
      names.building(visit.buildingId),
      ...place(names.household(visit.householdId)),
      join(met.map((r) => r?.name)),
      join(met.map((r) => r?.phone)),
      join([...tags].map((tag) => CARE_TAG_WORDS[tag])),
      visit.othersMet,
      PURPOSE_WORDS[visit.purpose],
      join(visit.topics.map(topicWords)),
      visit.needs,
      visit.outcome,
      visit.followUpOn,
      visit.photos.length,
      names.user(visit.createdBy),
      visit.id,
    ]
  },
}

/** When a report first reached `to`, or null. */
const reached = (report: IssueReport, to: IssueStatus) => report.events.find((e) => e.type === 'status' && e.to === to)?.at ?? null

const issues: Shape<IssueReport> = {
  columns: [
    { header: '上报时间', kind: 'datetime' },
    { header: '楼栋', kind: 'text', width: 24 },
    { header: '单元', kind: 'text', width: 6 },
    { header: '房号', kind: 'text', width: 8 },
    { header: '类别', kind: 'text', width: 10 },
    { header: '位置', kind: 'text', width: 16 },
    { header: '情况说明', kind: 'text', width: 36 },
    { header: '紧急程度', kind: 'text', width: 8 },
    { header: '状态', kind: 'text', width: 8 },
    { header: '受理时间', kind: 'datetime' },
    { header: '解决时间', kind: 'datetime' },
    { header: '经办人', kind: 'text', width: 10 },
    { header: '上报人', kind: 'text', width: 10 },
    { header: '照片', kind: 'number', width: 6 },
    { header: '记录编号', kind: 'text', width: 38 },
  ],
  dateField: 'createdAt',
  keep: (report, filter) => (!filter.status || report.status === filter.status) && (!filter.category || report.category === filter.category),
  row: (report, names) => [
    report.createdAt,
    names.building(report.buildingId),
    ...place(names.household(report.householdId)),
    CATEGORY_WORDS[report.category],
    report.location,
    report.description,
    URGENCY_WORDS[report.urgency],
    STATUS_WORDS[report.status],
    reached(report, 'accepted'),
    reached(report, 'resolved'),
    names.user(report.assignee),
    names.user(report.createdBy),
    report.photos.length,
    report.id,
  ],
}

const inspections: Shape<Inspection> = {
  columns: [
    { header: '开始时间', kind: 'datetime' },
    { header: '完成时间', kind: 'datetime' },
    { header: '楼栋', kind: 'text', width: 24 },
    { header: '检查表', kind: 'text', width: 20 },
    { header: '版本', kind: 'number', width: 6 },
    { header: '结果', kind: 'text', width: 10 },
    { header: '不合格项数', kind: 'number', width: 10 },
    { header: '不合格项', kind: 'text', width: 40 },
    { header: '巡查人', kind: 'text', width: 10 },
    { header: '记录编号', kind: 'text', width: 38 },
  ],
  dateField: 'completedAt',
  row(inspection, names) {
    const template = names.template(inspection.templateId, inspection.templateVersion)
    const failed = Object.entries(inspection.answers).filter(([, answer]) => answer.result === 'fail')
    const label = (itemId: string) => template?.items.find((item) => item.id === itemId)?.label ?? itemId
    return [
      inspection.startedAt,
      inspection.completedAt,
      names.building(inspection.buildingId),
      template?.title ?? inspection.templateId,
      inspection.templateVersion,
      template ? OVERALL_WORDS[overallResult(inspection.answers, template)] : null,
      failed.length,
      join(failed.map(([itemId, answer]) => (answer.note ? `${label(itemId)}：${answer.note}` : label(itemId)))),
      names.user(inspection.createdBy),
      inspection.id,
    ]
  },
}

const SHAPES: { [K in ExportKind]: Shape<never> } = { visits, issues, inspections }

/** Rows of one kind that pass the filter, read from storage a page at a time. */
async function* exportRows<R>(storage: Storage, community: Community, kind: ExportKind, shape: Shape<R>, filter: ExportFilter, names: Names) {
  // China days, as the instants they start at: `to` is the last day asked for, so the span ends a day later.
  const within = {
    field: shape.dateField,
    ...(filter.from && { from: chinaDayStart(filter.from) }),
    ...(filter.to && { to: chinaDayStart(addDays(filter.to, 1)) }),
  }
  let afterRev = 0
  for (;;) {
    const page = await storage.recordsPage(community.id, kind, filter.buildingId, filter.from || filter.to ? within : null, afterRev, PAGE)
    for (const { record } of page) {
      const r = record as R
      if (shape.keep && !shape.keep(r, filter)) continue
      yield shape.row(r, names)
    }
    if (page.length < PAGE) return
    afterRev = page.at(-1)!.rev
  }
}

/** The export of one kind of record of a community, as a table whose rows are read as they are written. */
export async function exportTable(storage: Storage, community: Community, kind: ExportKind, filter: ExportFilter): Promise<Table> {
  const names = await loadNames(storage, community.id)
  const shape = SHAPES[kind] as Shape<unknown>
  return { title: EXPORT_TITLES[kind], columns: shape.columns, rows: exportRows(storage, community, kind, shape, filter, names) }
}
