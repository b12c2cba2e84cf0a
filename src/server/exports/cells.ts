import { chinaTime } from '@/domain'

/*
 * How a value becomes a spreadsheet cell, for every file the server writes (exports, the monthly report, the
 * roster). Three traps: text that a spreadsheet would run as a formula (`=cmd|' /C calc'!A0` typed in a
 * visit's notes), long digit strings it would turn into numbers (a phone shown as 1.38E+10, room 0302 shown
 * as 302), and instants that exceljs writes as UTC serials (a visit at 09:00 in Taishan shown at 01:00).
 */

/** What a column holds: text (kept as typed), a number, an instant (ISO timestamp) or a day (`YYYY-MM-DD`). */
export type ColumnKind = 'text' | 'number' | 'datetime' | 'date'

export type Cell = string | number | null

export interface Column {
  header: string
  kind: ColumnKind
  /** In characters; each kind has a default. */
  width?: number
}

/** A sheet of a workbook, or a section of a CSV file. Rows may come from the database page by page. */
export interface Table {
  title: string
  columns: Column[]
  rows: Iterable<Cell[]> | AsyncIterable<Cell[]>
  /** Lines above the header (what the table is of), and below the rows (its figures); plain text, no column types. */
  heading?: string[][]
  footing?: string[][]
}

/** Excel's number formats: `@` makes a cell text, so that typing into it later keeps it text too. */
export const NUMBER_FORMATS: Record<ColumnKind, string | undefined> = {
  text: '@',
  number: undefined,
  datetime: 'yyyy-mm-dd hh:mm',
  date: 'yyyy-mm-dd',
}

export const DEFAULT_WIDTHS: Record<ColumnKind, number> = { text: 14, number: 10, datetime: 17, date: 12 }

/** What Excel, WPS and LibreOffice take for the start of a formula in a CSV file (OWASP, "CSV Injection"). */
const FORMULA_START = /^[=+\-@\t\r]/

/**
 * An .xlsx cell's value. Text is always a string value, which exceljs writes as a string and never as a
 * formula, whatever it starts with; instants are shifted to China's wall clock because Excel has no time
 * zones and shows the serial exceljs computes from UTC.
 */
export function xlsxValue(value: Cell, kind: ColumnKind): string | number | Date | null {
  if (value === null || value === '') return null
  if (kind === 'text') return String(value)
  if (kind === 'number') return Number(value)
  if (kind === 'date') return new Date(`${String(value)}T00:00:00Z`)
  return new Date(`${chinaTime(String(value))}Z`)
}

/** Digits Excel and WPS would turn into a number: a phone (1.38E+10), a room with a leading zero (0302 → 302). */
const NUMBER_LOOKING = /^(\d{6,}|0\d+)$/

/**
 * A CSV field. A CSV cell has no type, so text that starts like a formula gets a single quote in front, as
 * OWASP advises: the spreadsheet shows it as text and the quote is visible, not run. Digits that must stay
 * text (phones, rooms) get a tab in front, which Excel and WPS keep as text and show as blank. Instants are
 * written in China's wall-clock time.
 */
export function csvField(value: Cell, kind: ColumnKind): string {
  if (value === null) return ''
  let text: string
  if (kind === 'datetime') text = chinaTime(String(value)).slice(0, 16).replace('T', ' ')
  else if (kind === 'number') text = String(value)
  else if (FORMULA_START.test(String(value))) text = `'${String(value)}`
  else text = NUMBER_LOOKING.test(String(value)) ? `\t${String(value)}` : String(value)
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}
