import { deflateRawSync } from 'node:zlib'
import ExcelJS from 'exceljs'
import iconv from 'iconv-lite'
import { describe, expect, it } from 'vitest'
import { readRoster, ROSTER_COLUMNS, ROSTER_EXAMPLE_ROW, ROSTER_HEADER_ROW, ROSTER_MAX_BYTES, type RosterSheet } from '@/domain'
import { parseRosterFile } from '@/server/roster/parse'
import { writeRosterXlsx } from '@/server/roster/write'
import { png } from '../../fixtures/images'

const CSV = '楼栋,房号,姓名,电话,关爱标签\r\n南门路117号,302,陈秀英,13800138000,独居老人\r\n"桥湖路32号,之二",101,"李""四""",,\r\n'

async function sheetOf(bytes: Buffer): Promise<RosterSheet> {
  const parsed = await parseRosterFile(bytes)
  if (!parsed.ok) throw new Error(`not read: ${parsed.fault}`)
  return parsed.sheet
}

/** A zip of one deflated file (CRC left 0: what is checked here is read before anything is unpacked). */
function zip(name: string, content: Buffer): Buffer {
  const data = deflateRawSync(content, { level: 1 })
  const file = Buffer.from(name)
  const local = Buffer.alloc(30)
  local.writeUInt32LE(0x04034b50, 0)
  local.writeUInt16LE(20, 4)
  local.writeUInt16LE(8, 8)
  local.writeUInt32LE(data.length, 18)
  local.writeUInt32LE(content.length, 22)
  local.writeUInt16LE(file.length, 26)
  const central = Buffer.alloc(46)
  central.writeUInt32LE(0x02014b50, 0)
  central.writeUInt16LE(20, 4)
  central.writeUInt16LE(20, 6)
  central.writeUInt16LE(8, 10)
  central.writeUInt32LE(data.length, 20)
  central.writeUInt32LE(content.length, 24)
  central.writeUInt16LE(file.length, 28)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(1, 8)
  end.writeUInt16LE(1, 10)
  end.writeUInt32LE(central.length + file.length, 12)
  end.writeUInt32LE(local.length + file.length + data.length, 16)
  return Buffer.concat([local, file, data, central, file, end])
}

async function xlsx(fill: (sheet: ExcelJS.Worksheet) => void): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook()
  fill(workbook.addWorksheet('Sheet1'))
  return Buffer.from(await workbook.xlsx.writeBuffer())
}

describe('reading a roster file', () => {
  it('reads CSV in UTF-8 with and without a BOM, in GBK and in UTF-16 with tabs, alike', async () => {
    const expected = [
      { row: 1, cells: ['楼栋', '房号', '姓名', '电话', '关爱标签'] },
      { row: 2, cells: ['南门路117号', '302', '陈秀英', '13800138000', '独居老人'] },
      { row: 3, cells: ['桥湖路32号,之二', '101', '李"四"', '', ''] },
    ]
    // Excel's "Unicode text" is UTF-16 with tabs.
    const unicodeText = CSV.replace(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/gm, '\t')
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(unicodeText, 'utf16le')])
    for (const bytes of [Buffer.from(CSV), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(CSV)]), iconv.encode(CSV, 'gbk'), utf16]) {
      expect((await sheetOf(bytes)).rows).toEqual(expected)
    }
    // GBK bytes are not valid UTF-8: read as UTF-8 they would have been garbled, not refused.
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(iconv.encode(CSV, 'gbk'))).toThrow()
  })

  it('keeps CSV text that starts with = as text, and a mangled phone as the text it is', async () => {
    const sheet = await sheetOf(Buffer.from('楼栋,房号,姓名,电话\n=HYPERLINK("x"),101,@张三,1.38101E+10\n'))
    expect(sheet.rows[1]!.cells).toEqual(['=HYPERLINK("x")', '101', '@张三', '1.38101E+10'])
    expect(readRoster(sheet, 2026).problems.map((p) => p.code)).toEqual(['scientific_phone'])
  })

  it('refuses what is not a spreadsheet, an old .xls and an empty file', async () => {
    expect(await parseRosterFile(png(4, 4))).toEqual({ ok: false, fault: 'not_spreadsheet' })
    expect(await parseRosterFile(Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100)]))).toEqual({ ok: false, fault: 'not_spreadsheet' })
    expect(await parseRosterFile(Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0]), Buffer.alloc(100)]))).toEqual({ ok: false, fault: 'old_xls' })
    expect(await parseRosterFile(Buffer.alloc(0))).toEqual({ ok: false, fault: 'empty' })
  })

  it('refuses an .xlsx whose sheet unpacks to far more than 50,000 rows, before unpacking it', async () => {
    // A zip bomb: 3,000,000 repeated rows (about 310 MB of XML) in about 2 MB.
    const row = '<row><c t="inlineStr"><is><t>南门路117号</t></is></c><c t="inlineStr"><is><t>302</t></is></c></row>'
    const chunk = Buffer.from(row.repeat(10_000))
    const sheet = Buffer.concat([Buffer.from('<worksheet><sheetData>'), ...Array.from({ length: 300 }, () => chunk), Buffer.from('</sheetData></worksheet>')])
    const bomb = zip('xl/worksheets/sheet1.xml', sheet)
    expect(bomb.length).toBeLessThan(ROSTER_MAX_BYTES / 5)
    const started = Date.now()
    expect(await parseRosterFile(bomb)).toEqual({ ok: false, fault: 'too_large' })
    expect(Date.now() - started).toBeLessThan(1000)
  }, 20_000)

  it('reads a phone stored as a number cell as its 11 digits, and columns in any order', async () => {
    const bytes = await xlsx((ws) => {
      ws.addRow(['手机', '户主', '房间号', '地址', '面积'])
      ws.addRow([13800138000, '陈秀英', 302, '南门路117号', 65.5])
    })
    const { entries, problems } = readRoster(await sheetOf(bytes), 2026)
    expect(problems).toEqual([])
    expect(entries[0]).toMatchObject({ phone: '13800138000', unit: '302', building: '南门路117号', area: 65.5 })
  })

  it('flags formula cells and merged cells, and ignores empty rows after the last', async () => {
    const bytes = await xlsx((ws) => {
      ws.addRow(['楼栋', '房号', '姓名', '电话'])
      ws.addRow(['南门路117号', '101', '甲', '13800138000'])
      ws.addRow(['南门路117号', '102', '乙', { formula: 'A2&"1"', result: '13800138001' }])
      ws.mergeCells('A2:A3')
      ws.getCell('A8').value = null
      ws.getRow(9).height = 20
    })
    const sheet = await sheetOf(bytes)
    expect(sheet.rows.map((r) => r.row)).toEqual([1, 2, 3])
    const problems = readRoster(sheet, 2026).problems.map((p) => `${p.row} ${p.column} ${p.code}`)
    expect(problems).toEqual(['3 楼栋 merged', '3 电话 formula'])
  })

  it('reads 50,000 rows of a CSV and refuses them', async () => {
    const lines = ['楼栋,房号,姓名', ...Array.from({ length: 50_000 }, (_, i) => `南门路117号,${i + 1},甲`)]
    const { problems } = readRoster(await sheetOf(Buffer.from(lines.join('\n'))), 2026)
    expect(problems.map((p) => p.code)).toEqual(['too_many_rows'])
  })
})

describe('writing a roster file', () => {
  it('writes phones and rooms as text cells, never as formulas, and reads back what it wrote', async () => {
    const tricky = [...ROSTER_EXAMPLE_ROW]
    tricky[ROSTER_COLUMNS.indexOf('unit')] = '0302'
    tricky[ROSTER_COLUMNS.indexOf('name')] = '=1+1'
    const bytes = await writeRosterXlsx([ROSTER_EXAMPLE_ROW, tricky])
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer)
    const ws = workbook.worksheets[0]!
    for (const column of ['phone', 'unit'] as const) {
      const cell = ws.getRow(2).getCell(ROSTER_COLUMNS.indexOf(column) + 1)
      expect(cell.numFmt).toBe('@')
      expect(typeof cell.value).toBe('string')
    }
    expect(ws.getRow(3).getCell(ROSTER_COLUMNS.indexOf('name') + 1).type).toBe(ExcelJS.ValueType.String)

    const sheet = await sheetOf(bytes)
    expect(sheet.rows[0]!.cells).toEqual(ROSTER_HEADER_ROW)
    expect(sheet.rows[2]!.cells).toEqual(tricky.map((c) => String(c ?? '')))
    const { entries, problems } = readRoster(sheet, 2026)
    expect(problems).toEqual([])
    expect(entries[0]).toMatchObject({ phone: '13800138000', floor: 3, area: 65.5, occupancy: 'owner', careTags: ['elderly_alone'], grid: '第一网格' })
  })
})
