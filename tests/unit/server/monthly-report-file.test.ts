import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ExcelJS from 'exceljs'
import { describe, expect, it } from 'vitest'
import { demoCommunity } from '@/domain/demo'
import { monthlyReportCsv, monthlyReportName, monthlyReportWorkbook, writeMonthlyReportFile } from '@/server/exports/report'
import { monthlyReportFixture } from '../../fixtures/report'

/** A month as the server's aggregation would answer it, with a building label that looks like a formula. */
const report = monthlyReportFixture('2026-11', {
  total: 42,
  byPurpose: { policy_promotion: 20, community_counselling: 5, opinion_collection: 10, dispute_mediation: 3, property_assistance: 4 },
  byBuilding: [
    { buildingId: 'b-nanmen-115-2', label: '南门路115号之二', count: 30 },
    { buildingId: 'b-qiaohu-32', label: '=桥湖路32号', count: 12 },
  ],
})

/** A sheet's rows as plain values, without exceljs's leading empty slot. */
function valuesOf(sheet: ExcelJS.Worksheet): unknown[][] {
  const rows: unknown[][] = []
  sheet.eachRow((row) => rows.push((row.values as unknown[]).slice(1)))
  return rows
}

describe('the monthly report as a file', () => {
  it('is a workbook of four sheets with Chinese headers and the figures in words', async () => {
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load((await monthlyReportWorkbook(report)) as unknown as ArrayBuffer)
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['走访', '诉求', '巡查', '覆盖率'])
    const [visits, issues, inspections, coverage] = workbook.worksheets.map(valuesOf) as [unknown[][], unknown[][], unknown[][], unknown[][]]

    expect(visits[0]).toEqual(['分类', '项目', '数量'])
    expect(visits).toContainEqual(['合计', '走访次数', 42])
    expect(visits).toContainEqual(['按走访类型', '政策宣讲', 20])
    expect(visits).toContainEqual(['按楼栋', '=桥湖路32号', 12])
    expect(visits).toContainEqual(['关爱对象', '本月走访到的关爱户', 7])
    const formulaLike = workbook.worksheets[0]!.getRow(visits.findIndex((row) => row[1] === '=桥湖路32号') + 1).getCell(2)
    expect(formulaLike.type).toBe(ExcelJS.ValueType.String)

    expect(issues).toContainEqual(['按类别', '电梯', 3])
    expect(issues).toContainEqual(['按目前状态', '已办结', 2])
    expect(issues).toContainEqual(['办理用时', '受理用时中位数（小时）', 5.3])
    // No report was resolved: the cell stays empty rather than 0.
    expect(issues.find((row) => row[1] === '解决用时中位数（小时）')).toEqual(['办理用时', '解决用时中位数（小时）'])

    expect(inspections[0]).toEqual(['分类', '项目', '次数', '有问题的次数'])
    expect(inspections).toContainEqual(['按检查表', '防台风检查', 4, 1])
    expect(inspections).toContainEqual(['不合格项', '防台风检查：楼道窗户关好', 1])

    expect(coverage).toContainEqual(['住户', '走访覆盖率（%）', 62.5])
    expect(coverage).toContainEqual(['关爱对象', '应访未访关爱户（截至2026-11-30）', 2])
    expect(coverage).toContainEqual(['回访', '逾期未回访（截至2026-11-30）', 3])
  })

  it('is one CSV in UTF-8 with a BOM, a titled section per sheet', async () => {
    const bytes = await monthlyReportCsv(report)
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf])
    const text = bytes.toString('utf8').slice(1)
    const sections = text.trimEnd().split('\r\n\r\n')
    expect(sections.map((s) => s.split('\r\n').slice(0, 2))).toEqual([
      ['走访', '分类,项目,数量'],
      ['诉求', '分类,项目,数量'],
      ['巡查', '分类,项目,次数,有问题的次数'],
      ['覆盖率', '分类,项目,数量'],
    ])
    expect(sections[0]).toContain("\r\n按楼栋,'=桥湖路32号,12\r\n")
    expect(sections[1]!.endsWith('\r\n办理用时,解决用时中位数（小时）,')).toBe(true)
  })

  it('is written to the file the CLI names, .csv or .xlsx by its extension, under a name an office saves', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'doorstep-report-'))
    try {
      await writeMonthlyReportFile(report, join(dir, 'report.csv'))
      await writeMonthlyReportFile(report, join(dir, 'report.xlsx'))
      expect((await readFile(join(dir, 'report.csv'))).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]))
      expect((await readFile(join(dir, 'report.xlsx'))).subarray(0, 2).toString()).toBe('PK')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
    expect(monthlyReportName(demoCommunity, '2026-11', 'xlsx')).toBe('南门社区2026年11月月报.xlsx')
  })
})
