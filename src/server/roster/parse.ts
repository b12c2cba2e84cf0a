import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import type { RosterFileFault, RosterSheet } from '@/domain'

/*
 * An uploaded roster's bytes → rows of text cells (src/domain/roster.ts checks them). Offices send .xlsx,
 * or .csv as Excel and WPS save it: UTF-8 with a BOM, UTF-8 without, GBK from older versions, or UTF-16 with
 * tabs ("Unicode text"). Nothing is evaluated: a formula cell is flagged, not computed, and text starting
 * with `=` is just text.
 */

const ZIP = Buffer.from([0x50, 0x4b, 0x03, 0x04])
/** The compound-file signature of the old .xls format, which exceljs cannot read. */
const OLE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0])
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf])
const UTF16LE_BOM = Buffer.from([0xff, 0xfe])

export type ParsedRoster = { ok: true; sheet: RosterSheet } | { ok: false; fault: RosterFileFault }

/** Reads an .xlsx or .csv file, whichever the bytes are. */
export async function parseRosterFile(bytes: Buffer): Promise<ParsedRoster> {
  if (bytes.length === 0) return { ok: false, fault: 'empty' }
  if (bytes.subarray(0, 4).equals(OLE)) return { ok: false, fault: 'old_xls' }
  if (bytes.subarray(0, 4).equals(ZIP)) return parseXlsx(bytes)
  const text = decodeText(bytes)
  // Binary files decode to control characters (or, as GBK, to replacement characters).
  if (text === undefined || /[\u0000-\u0008\u000e-\u001f\ufffd]/.test(text)) return { ok: false, fault: 'not_spreadsheet' }
  return { ok: true, sheet: parseCsv(text) }
}

/** The text of a CSV: by its BOM, else UTF-8 when the bytes are valid UTF-8, else GBK. */
function decodeText(bytes: Buffer): string | undefined {
  if (bytes.subarray(0, 3).equals(UTF8_BOM)) return bytes.subarray(3).toString('utf8')
  if (bytes.subarray(0, 2).equals(UTF16LE_BOM)) return bytes.subarray(2).toString('utf16le')
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return iconv.decode(bytes, 'gbk')
  }
}

/** RFC 4180 fields (quotes, doubled quotes, line breaks inside quotes); tab-separated when the first line has tabs and no commas. */
export function parseCsv(text: string): RosterSheet {
  const firstLine = text.slice(0, text.search(/\r?\n|$/))
  const separator = firstLine.includes('\t') && !firstLine.includes(',') ? '\t' : ','
  const rows: RosterSheet['rows'] = []
  let cells: string[] = []
  let cell = ''
  let quoted = false
  let row = 1
  let startRow = 1
  const endRow = () => {
    cells.push(cell)
    rows.push({ row: startRow, cells })
    cells = []
    cell = ''
    startRow = row
  }
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"'
        i++
      } else if (c === '"') quoted = false
      else {
        if (c === '\n') row++
        cell += c
      }
    } else if (c === '"' && cell === '') quoted = true
    else if (c === separator) {
      cells.push(cell)
      cell = ''
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++
      row++
      endRow()
    } else cell += c
  }
  if (cell !== '' || cells.length) endRow()
  return { rows: trimTrailingEmpty(rows), flagged: [] }
}

/** Empty rows after the last filled one are Excel's leftovers, not mistakes. */
function trimTrailingEmpty(rows: RosterSheet['rows']): RosterSheet['rows'] {
  let end = rows.length
  while (end > 0 && rows[end - 1]!.cells.every((c) => c.trim() === '')) end--
  return rows.slice(0, end)
}

/** The central directory's end, and one of its entries. */
const ZIP_END = 0x06054b50
const ZIP_ENTRY = 0x02014b50
/**
 * What the parts of an .xlsx may unpack to: far more than 50,000 rows of a roster need. A file under 20 MB
 * can unpack to gigabytes of repetitive XML, which exceljs would build in memory before any row is counted.
 */
const XLSX_MAX_UNPACKED_BYTES = 200 * 1024 * 1024

/** What a zip's entries unpack to, as its central directory says; undefined when it has none that reads. */
function unpackedSize(bytes: Buffer): number | undefined {
  const end = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]))
  if (end < 0 || end + 22 > bytes.length || bytes.readUInt32LE(end) !== ZIP_END) return undefined
  let at = bytes.readUInt32LE(end + 16)
  let total = 0
  for (let entries = bytes.readUInt16LE(end + 10); entries > 0; entries--) {
    if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== ZIP_ENTRY) return undefined
    const size = bytes.readUInt32LE(at + 24)
    // 0xffffffff: the size is in a Zip64 field, 4 GB and more.
    total += size === 0xffffffff ? Infinity : size
    at += 46 + bytes.readUInt16LE(at + 28) + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32)
  }
  return total
}

async function parseXlsx(bytes: Buffer): Promise<ParsedRoster> {
  const unpacked = unpackedSize(bytes)
  if (unpacked === undefined) return { ok: false, fault: 'not_spreadsheet' }
  if (unpacked > XLSX_MAX_UNPACKED_BYTES) return { ok: false, fault: 'too_large' }
  const workbook = new ExcelJS.Workbook()
  try {
    // exceljs's types predate Node's generic Buffer.
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer)
  } catch {
    return { ok: false, fault: 'not_spreadsheet' }
  }
  const sheet = workbook.worksheets.find((ws) => ws.actualRowCount > 0)
  if (!sheet) return { ok: false, fault: 'empty' }
  const rows: RosterSheet['rows'] = []
  const flagged: RosterSheet['flagged'] = []
  const mergedMasters = new Set<string>()
  sheet.eachRow({ includeEmpty: true }, (row, number) => {
    const cells: string[] = []
    row.eachCell({ includeEmpty: true }, (cell, col) => {
      if (cell.type === ExcelJS.ValueType.Merge) {
        // Reported once per merged block, at its first covered cell.
        if (!mergedMasters.has(cell.master.address)) flagged.push({ row: number, col: col - 1, reason: 'merged' })
        mergedMasters.add(cell.master.address)
      } else if (cell.type === ExcelJS.ValueType.Formula) flagged.push({ row: number, col: col - 1, reason: 'formula' })
      cells[col - 1] = cellText(cell)
    })
    rows.push({ row: number, cells: Array.from(cells, (c) => c ?? '') })
  })
  return { ok: true, sheet: { rows: trimTrailingEmpty(rows), flagged } }
}

/** A cell as the text a person reads in it: a number stored as a number (a phone typed into a General cell) as all its digits. */
function cellText(cell: ExcelJS.Cell): string {
  const value = cell.value
  if (value === null || value === undefined) return ''
  if (typeof value === 'number') return Number.isInteger(value) ? value.toFixed(0) : String(value)
  if (typeof value === 'string' || typeof value === 'boolean') return String(value)
  if (value instanceof Date) return value.toISOString().slice(0, 10)
  if ('richText' in value) return value.richText.map((part) => part.text).join('')
  if ('text' in value && typeof value.text === 'string') return value.text
  // Formulas (flagged) and error values: nothing to read.
  return ''
}
