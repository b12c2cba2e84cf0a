import { describe, expect, it } from 'vitest'
import { mayBeAssigned, UserCard } from '@/domain'

describe('who may be assigned a report', () => {
  const office = { role: 'office', communityId: 'c-1', active: true } as const
  it('is active office staff of the report’s community, and nobody else', () => {
    expect(mayBeAssigned(office, 'c-1')).toBe(true)
    expect(mayBeAssigned({ ...office, active: false }, 'c-1')).toBe(false)
    expect(mayBeAssigned(office, 'c-2')).toBe(false)
    expect(mayBeAssigned({ ...office, role: 'leader' }, 'c-1')).toBe(false)
    expect(mayBeAssigned({ ...office, role: 'admin', communityId: null }, 'c-1')).toBe(false)
  })

  it('reads a card written before `active` existed as an active account', () => {
    const card = UserCard.parse({ id: 'u-1', communityId: 'c-1', displayName: '老王', role: 'office' })
    expect(card.active).toBe(true)
    expect(mayBeAssigned(card, 'c-1')).toBe(true)
  })
})
