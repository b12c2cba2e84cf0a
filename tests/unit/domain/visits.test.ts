import { describe, expect, it } from 'vitest'
import { VisitFields, fieldErrors, followUpState, localDay } from '@/domain'
import { visitFields } from '../../fixtures'

describe('follow-up state', () => {
  const visit = (followUpOn: string | null, deletedAt: string | null = null) => ({ followUpOn, deletedAt })

  it('is overdue before today, due today, upcoming after', () => {
    expect(followUpState(visit('2026-11-26'), '2026-11-27')).toBe('overdue')
    expect(followUpState(visit('2026-11-27'), '2026-11-27')).toBe('today')
    expect(followUpState(visit('2026-12-01'), '2026-11-27')).toBe('upcoming')
  })

  it('is none without a date or for a deleted visit', () => {
    expect(followUpState(visit(null), '2026-11-27')).toBe('none')
    expect(followUpState(visit('2026-11-01', '2026-11-02T00:00:00.000Z'), '2026-11-27')).toBe('none')
  })

  it('uses the local calendar day, not the UTC one', () => {
    // 23:30 local on 27 November is still the 27th whatever the UTC date is.
    expect(localDay(new Date(2026, 10, 27, 23, 30))).toBe('2026-11-27')
  })
})

describe('visit validation messages', () => {
  it('say in Chinese what is wrong, next to each field', () => {
    const result = VisitFields.safeParse({ ...visitFields(), householdId: '', purpose: 'chatting', needs: '长'.repeat(2001) })
    if (result.success) throw new Error('should fail')
    expect(fieldErrors(result.error, 'zh-CN')).toEqual({
      householdId: '这一项要填',
      purpose: '请从列表里选一项',
      needs: '最多 2000 个字',
    })
  })

  it('say it in English for an English-speaking user', () => {
    const result = VisitFields.safeParse({ ...visitFields(), followUpOn: '2026-13-45' })
    if (result.success) throw new Error('should fail')
    expect(fieldErrors(result.error, 'en')).toEqual({ followUpOn: 'Not a valid date' })
  })

  it('trim free text, so spaces alone do not count as an answer', () => {
    expect(VisitFields.parse(visitFields({ needs: '  要装扶手  ' })).needs).toBe('要装扶手')
  })
})
