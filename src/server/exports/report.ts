import { writeFile } from 'node:fs/promises'
import { ISSUE_CATEGORIES, ISSUE_STATUSES, VISIT_PURPOSES, type Community, type MonthlyReport } from '@/domain'
import type { Cell, Column, Table } from './cells'
import { CATEGORY_WORDS, PURPOSE_WORDS, STATUS_WORDS } from './words'
import { bufferOf, writeCsv, writeXlsx } from './write'

/*
 * The monthly report for the subdistrict as a file: four sheets (走访, 诉求, 巡查, 覆盖率), or the same four as
 * sections of one CSV. The figures come from the server's aggregation (src/domain/reports.ts); this only lays
 * them out, in the words a community office uses.
 */

const GROUPED: Column[] = [
  { header: '分类', kind: 'text', width: 12 },
  { header: '项目', kind: 'text', width: 28 },
  { header: '数量', kind: 'number' },
]

const hours = (value: number | null) => (value === null ? null : Math.round(value * 10) / 10)

/** The report's four sheets. */
export function monthlyReportTables(report: MonthlyReport): Table[] {
  const { visits, issues, inspections, coverage } = report
  const visitRows: Cell[][] = [
    ['合计', '走访次数', visits.total],
    ...VISIT_PURPOSES.map((purpose): Cell[] => ['按走访类型', PURPOSE_WORDS[purpose], visits.byPurpose[purpose] ?? 0]),
    ...visits.byBuilding.map((b): Cell[] => ['按楼栋', b.label, b.count]),
    ['关爱对象', '本月走访到的关爱户', visits.careHouseholdsReached],
    ['关爱对象', '关爱户总数', visits.careHouseholds],
  ]
  const issueRows: Cell[][] = [
    ['合计', '本月上报', issues.opened],
    ...ISSUE_CATEGORIES.map((category): Cell[] => ['按类别', CATEGORY_WORDS[category], issues.byCategory[category] ?? 0]),
    ...ISSUE_STATUSES.map((status): Cell[] => ['按目前状态', STATUS_WORDS[status], issues.byStatus[status] ?? 0]),
    ['办理用时', '受理用时中位数（小时）', hours(issues.medianHoursToAccept)],
    ['办理用时', '解决用时中位数（小时）', hours(issues.medianHoursToResolve)],
  ]
  const titles = new Map(inspections.byTemplate.map((t) => [t.templateId, t.title]))
  const inspectionRows: Cell[][] = [
    ['合计', '巡查次数', inspections.total, inspections.byTemplate.reduce((sum, t) => sum + t.failed, 0)],
    ...inspections.byTemplate.map((t): Cell[] => ['按检查表', t.title, t.count, t.failed]),
    ...inspections.failedItems.map((item): Cell[] => ['不合格项', `${titles.get(item.templateId) ?? item.templateId}：${item.label}`, item.count, null]),
  ]
  const coverageRows: Cell[][] = [
    ['住户', '住户数', coverage.households],
    ['住户', '本月走访到的住户', coverage.visited],
    ['住户', '走访覆盖率（%）', Math.round(coverage.coverage * 1000) / 10],
    ['住户', `应访未访户（截至${report.asOf}）`, coverage.householdsOverdue],
    ['关爱对象', '关爱户', coverage.careHouseholds],
    ['关爱对象', `应访未访关爱户（截至${report.asOf}）`, coverage.careOverdue],
    ['回访', `逾期未回访（截至${report.asOf}）`, coverage.followUpsOverdue],
  ]
  return [
    { title: '走访', columns: GROUPED, rows: visitRows },
    { title: '诉求', columns: GROUPED, rows: issueRows },
    {
      title: '巡查',
      columns: [...GROUPED.slice(0, 2), { header: '次数', kind: 'number' }, { header: '有问题的次数', kind: 'number', width: 12 }],
      rows: inspectionRows,
    },
    { title: '覆盖率', columns: GROUPED, rows: coverageRows },
  ]
}

/** The report as an .xlsx workbook. */
export function monthlyReportWorkbook(report: MonthlyReport): Promise<Buffer> {
  return bufferOf((out) => writeXlsx(monthlyReportTables(report), out))
}

/** The report as one CSV file (UTF-8 with BOM), a section per sheet. */
export function monthlyReportCsv(report: MonthlyReport): Promise<Buffer> {
  return bufferOf((out) => writeCsv(monthlyReportTables(report), out))
}

/** The file name an office saves, e.g. 南门社区2026年11月月报.xlsx. */
export function monthlyReportName(community: Community, month: string, extension: 'xlsx' | 'csv'): string {
  const [year, m] = month.split('-')
  return `${community.name}${year}年${Number(m)}月月报.${extension}`
}

/**
 * Writes the report to `path`, as .csv when the name ends so and as .xlsx otherwise: the admin CLI's
 * `report monthly --community ID --month YYYY-MM --out FILE`.
 */
export async function writeMonthlyReportFile(report: MonthlyReport, path: string): Promise<void> {
  await writeFile(path, path.toLowerCase().endsWith('.csv') ? await monthlyReportCsv(report) : await monthlyReportWorkbook(report))
}
