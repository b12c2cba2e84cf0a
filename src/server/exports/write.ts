import { once } from 'node:events'
import { PassThrough, type Writable } from 'node:stream'
import ExcelJS from 'exceljs'
import { csvField, DEFAULT_WIDTHS, NUMBER_FORMATS, xlsxValue, type Table } from './cells'

export const CSV_TYPE = 'text/csv; charset=utf-8'

/** The byte order mark that makes Excel and WPS read a CSV file as UTF-8 rather than GBK. */
const UTF8_BOM = '\uFEFF'

/**
 * Writes the tables as an .xlsx workbook, one sheet each, to `out`, row by row (exceljs's streaming writer:
 * a row is zipped once committed, so a large export is never whole in memory), and ends `out`.
 * Shared strings make every text cell `t="s"`: without them exceljs writes `t="str"`, the type of a formula's
 * result, which some spreadsheets treat differently from typed text.
 */
export async function writeXlsx(tables: Table[], out: Writable): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useSharedStrings: true, useStyles: true })
  for (const table of tables) {
    const heading = table.heading ?? []
    const sheet = workbook.addWorksheet(table.title, { views: [{ state: 'frozen', ySplit: heading.length + 1 }] })
    const styles = table.columns.map((column) => {
      const numFmt = NUMBER_FORMATS[column.kind]
      return numFmt ? { numFmt } : {}
    })
    sheet.columns = table.columns.map((column, i) => ({ width: column.width ?? DEFAULT_WIDTHS[column.kind], style: styles[i] }))
    for (const line of heading) sheet.addRow(line.map((text) => xlsxValue(text, 'text'))).commit()
    const header = sheet.addRow(table.columns.map((column) => column.header))
    header.font = { bold: true }
    header.commit()
    for await (const cells of table.rows) {
      const row = sheet.addRow(cells.map((cell, i) => xlsxValue(cell, table.columns[i]!.kind)))
      // exceljs gives each cell a copy of its column's style and looks every copy up anew; the column's own
      // object, the same for every row, is found in its cache instead (half the time of a large export).
      styles.forEach((style, i) => (row.getCell(i + 1).style = style))
      row.commit()
    }
    for (const line of table.footing ?? []) sheet.addRow(line.map((text) => xlsxValue(text, 'text'))).commit()
    sheet.commit()
  }
  await workbook.commit()
}

/**
 * Writes the tables as one CSV file in UTF-8 with a BOM and CRLF line ends, as Excel and WPS save it, and ends
 * `out`. One table is a plain CSV; several are sections, each under its title and apart by an empty line.
 */
export async function writeCsv(tables: Table[], out: Writable): Promise<void> {
  let chunk = UTF8_BOM
  const flush = async () => {
    if (!out.write(chunk)) await once(out, 'drain')
    chunk = ''
  }
  const line = (cells: string[]) => {
    chunk += `${cells.join(',')}\r\n`
  }
  for (const [i, table] of tables.entries()) {
    if (tables.length > 1) {
      if (i > 0) chunk += '\r\n'
      line([csvField(table.title, 'text')])
    }
    for (const heading of table.heading ?? []) line(heading.map((text) => csvField(text, 'text')))
    line(table.columns.map((column) => csvField(column.header, 'text')))
    for await (const cells of table.rows) {
      line(cells.map((cell, n) => csvField(cell, table.columns[n]!.kind)))
      if (chunk.length > 64 * 1024) await flush()
    }
    for (const footing of table.footing ?? []) line(footing.map((text) => csvField(text, 'text')))
  }
  await flush()
  out.end()
}

/** A writer's output as a stream for a reply: an error half-way destroys it, so the client sees a cut download. */
export function streamOf(write: (out: Writable) => Promise<void>): PassThrough {
  const out = new PassThrough()
  write(out).catch((error: unknown) => out.destroy(error instanceof Error ? error : new Error(String(error))))
  return out
}

/** A writer's whole output, for small files (the monthly report) and the CLI. */
export async function bufferOf(write: (out: Writable) => Promise<void>): Promise<Buffer> {
  const out = new PassThrough()
  const parts: Buffer[] = []
  out.on('data', (part: Buffer) => parts.push(part))
  const ended = once(out, 'end')
  await write(out)
  await ended
  return Buffer.concat(parts)
}

/** `attachment` with the name in UTF-8 (RFC 6266), and a plain ASCII fallback for old clients. */
export function attachment(name: string, fallback: string): string {
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(name)}`
}
