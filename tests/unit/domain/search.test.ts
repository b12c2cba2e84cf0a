import { describe, expect, it } from 'vitest'
import type { Resident } from '@/domain'
import { matchHousehold, phoneContains, searchable, textContains } from '@/domain/search'

const resident = (name: string, phone: string | null, movedOutAt: string | null = null): Resident => ({
  id: `r-${name}`,
  householdId: 'h-1',
  name,
  phone,
  birthYear: null,
  careTags: [],
  movedOutAt,
})
const place = { address: '南门路115号之二', household: { unit: '302', entrance: '2' } }

describe('search matching', () => {
  it('compares text without width, case or spaces', () => {
    expect(searchable('南门路 １１５号 ＡB')).toBe('南门路115号ab')
    expect(textContains('3楼楼道窗户玻璃裂了', '窗户')).toBe(true)
    expect(textContains('3楼楼道窗户', '３楼 楼道')).toBe(true)
    expect(textContains('3楼楼道窗户', '天台')).toBe(false)
    expect(textContains('3楼楼道窗户', '  ')).toBe(false)
  })

  it('finds a phone number by any run of three or more of its digits, whatever separates them', () => {
    expect(phoneContains('138-0013 8000', '8000')).toBe(true)
    expect(phoneContains('13800138000', '138 0013')).toBe(true)
    expect(phoneContains('13800138000', '１３８０')).toBe(true)
    expect(phoneContains('13800138000', '13')).toBe(false)
    expect(phoneContains('13800138000', '李138')).toBe(false)
    expect(phoneContains(null, '138')).toBe(false)
  })

  it('finds a household by its room, with its entrance or address, or by a resident it names', () => {
    const li = resident('李秀英', '13800138000')
    const chen = resident('陈伯', null)
    expect(matchHousehold('302', place, [li, chen])).toEqual([])
    expect(matchHousehold('2-302', place, [])).toEqual([])
    expect(matchHousehold('115号之二302', place, [])).toEqual([])
    expect(matchHousehold('秀英', place, [li, chen])).toEqual([li])
    expect(matchHousehold('8000', place, [li, chen])).toEqual([li])
    expect(matchHousehold('王', place, [li, chen])).toBeNull()
  })

  it('never finds a resident who has moved out', () => {
    const gone = resident('张伟', '13912345678', '2026-10-01T00:00:00.000Z')
    expect(matchHousehold('张伟', place, [gone])).toBeNull()
    expect(matchHousehold('12345', place, [gone])).toBeNull()
  })
})
