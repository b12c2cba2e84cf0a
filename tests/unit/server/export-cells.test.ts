import { describe, expect, it } from 'vitest'
import { chinaTime } from '@/domain'
import { csvField, xlsxValue } from '@/server/exports/cells'

describe('spreadsheet cells', () => {
  it('put a quote before CSV text that a spreadsheet would take for a formula, and only before text', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r']) expect(csvField(`${start}1+1`, 'text')).toMatch(/^"?'/)
    expect(csvField("=cmd|' /C calc'!A0", 'text')).toBe("'=cmd|' /C calc'!A0")
    expect(csvField('-3', 'number')).toBe('-3')
    expect(csvField(-3, 'number')).toBe('-3')
    expect(csvField('南门路115号之二', 'text')).toBe('南门路115号之二')
    // Phones and rooms stay whole in Excel and WPS: a tab in front keeps them text.
    expect(csvField('13800138000', 'text')).toBe('\t13800138000')
    expect(csvField('0302', 'text')).toBe('\t0302')
    expect(csvField('302', 'text')).toBe('302')
    expect(csvField('1=1', 'text')).toBe('1=1')
  })

  it('quote CSV fields with commas, quotes and line breaks', () => {
    expect(csvField('窗户坏了，"很危险"', 'text')).toBe('"窗户坏了，""很危险"""')
    expect(csvField('a,b', 'text')).toBe('"a,b"')
    expect(csvField('第一行\n第二行', 'text')).toBe('"第一行\n第二行"')
    expect(csvField('=a,b', 'text')).toBe('"\'=a,b"')
  })

  it('write instants in China time and days as they are', () => {
    expect(chinaTime('2026-11-30T15:30:00.000Z')).toBe('2026-11-30T23:30:00')
    expect(csvField('2026-11-30T16:05:00.000Z', 'datetime')).toBe('2026-12-01 00:05')
    expect(csvField('2026-12-01', 'date')).toBe('2026-12-01')
    expect((xlsxValue('2026-11-30T16:05:00.000Z', 'datetime') as Date).toISOString()).toBe('2026-12-01T00:05:00.000Z')
    expect((xlsxValue('2026-12-01', 'date') as Date).toISOString()).toBe('2026-12-01T00:00:00.000Z')
  })

  it('keep phones and rooms as text, empty as empty', () => {
    expect(xlsxValue('13800138000', 'text')).toBe('13800138000')
    expect(xlsxValue(302, 'text')).toBe('302')
    expect(xlsxValue('0302', 'text')).toBe('0302')
    expect(xlsxValue('', 'text')).toBeNull()
    expect(xlsxValue(null, 'datetime')).toBeNull()
    expect(csvField(null, 'text')).toBe('')
  })
})
