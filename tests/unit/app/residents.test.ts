import { describe, expect, it } from 'vitest'
import { careFirst } from '@/app/features/households/residents'
import type { Resident } from '@/domain/households'

const resident = (name: string, fields: Partial<Resident> = {}): Resident => ({
  id: `r-${name}`,
  householdId: 'h-1',
  name,
  phone: null,
  birthYear: null,
  careTags: [],
  movedOutAt: null,
  ...fields,
})

describe('the residents a leader reads in a household', () => {
  it('lists those who need care first, then by name, and leaves out those a roster import moved out', () => {
    const listed = careFirst([
      resident('王', {}),
      resident('李', { movedOutAt: '2026-12-01T08:00:00.000Z' }),
      resident('陈', { careTags: ['elderly_alone'] }),
      resident('黄'),
    ])
    expect(listed.map((r) => r.name)).toEqual(['陈', '黄', '王'])
  })
})
