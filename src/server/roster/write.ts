import ExcelJS from 'exceljs'
import { ROSTER_COLUMNS, ROSTER_HEADER_ROW, ROSTER_TEXT_COLUMNS, type RosterCell } from '@/domain'

/**
 * A roster as an .xlsx file: the header row, then `rows` (in ROSTER_COLUMNS order). Room numbers and phones
 * are text cells (format `@`, string values), so that Excel and WPS show 13800138000 whole and keep 0302's
 * zero; every string is a plain value, never a formula, whatever it starts with.
 */
export async function writeRosterXlsx(rows: RosterCell[][]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook()
  const sheet = workbook.addWorksheet('花名册')
  sheet.columns = ROSTER_COLUMNS.map((column, i) => ({
    header: ROSTER_HEADER_ROW[i],
    key: column,
    width: column === 'building' ? 24 : column === 'phone' || column === 'careTags' ? 16 : 10,
    style: ROSTER_TEXT_COLUMNS.has(column) ? { numFmt: '@' } : {},
  }))
  for (const cells of rows) {
    sheet.addRow(cells.map((cell, i) => (cell === null ? null : ROSTER_TEXT_COLUMNS.has(ROSTER_COLUMNS[i]!) ? String(cell) : cell)))
  }
  sheet.getRow(1).font = { bold: true }
  sheet.views = [{ state: 'frozen', ySplit: 1 }]
  return Buffer.from(await workbook.xlsx.writeBuffer())
}
