import { describe, expect, it } from 'vitest'
import { chinaDayStart, householdCareTags, monthSpan } from '@/domain'
import { median } from '@/server/field/report'

describe('chinaDayStart', () => {
  it('is midnight in Beijing, 16:00 UTC the day before', () => {
    expect(chinaDayStart('2026-12-01')).toBe('2026-11-30T16:00:00.000Z')
    expect(chinaDayStart('2027-01-01')).toBe('2026-12-31T16:00:00.000Z')
    expect(monthSpan('2026-12')).toMatchObject({ from: chinaDayStart('2026-12-01'), to: chinaDayStart('2027-01-01') })
  })
})

describe('householdCareTags', () => {
  it('takes the tags of residents still living there, each once', () => {
    const residents = [
      { careTags: ['elderly_alone', 'low_income'] as const, movedOutAt: null },
      { careTags: ['low_income'] as const, movedOutAt: null },
      { careTags: ['disabled'] as const, movedOutAt: '2026-10-01T00:00:00.000Z' },
    ]
    expect(householdCareTags(residents)).toEqual(['elderly_alone', 'low_income'])
    expect(householdCareTags([])).toEqual([])
  })
})

describe('median', () => {
  it('is the middle value, or the mean of the two middle ones, to a tenth; null for none', () => {
    expect(median([])).toBeNull()
    expect(median([5])).toBe(5)
    expect(median([48, 2, 6])).toBe(6)
    expect(median([2, 6])).toBe(4)
    expect(median([1, 2 / 3])).toBe(0.8)
  })
})
