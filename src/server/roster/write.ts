import { ROSTER_COLUMNS, ROSTER_HEADER_ROW, ROSTER_TEXT_COLUMNS, type RosterCell } from '@/domain'
import type { Table } from '../exports/cells'
import { bufferOf, writeXlsx } from '../exports/write'

/**
 * A roster as an .xlsx file: the header row, then `rows` (in ROSTER_COLUMNS order). Room numbers and phones
 * are text cells, so that Excel and WPS show 13800138000 whole and keep 0302's zero; every string is a plain
 * value, never a formula, whatever it starts with (the rules of ../exports/cells).
 */
export async function writeRosterXlsx(rows: RosterCell[][]): Promise<Buffer> {
  const table: Table = {
    title: '花名册',
    columns: ROSTER_COLUMNS.map((column, i) => ({
      header: ROSTER_HEADER_ROW[i]!,
      kind: ROSTER_TEXT_COLUMNS.has(column) ? 'text' : 'number',
      width: column === 'building' ? 24 : column === 'phone' || column === 'careTags' ? 16 : 10,
    })),
    rows,
  }
  return bufferOf((out) => writeXlsx([table], out))
}
