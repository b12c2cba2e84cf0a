import { describe, expect, it } from 'vitest'
import { isActive, pairingRefusal } from '@/domain'
import { mentorship } from '../../fixtures/mentorship'

describe('pairing two leaders (老带新)', () => {
  const leaders = new Set(['old-hand', 'new-1', 'new-2', 'other-old-hand'])
  const pair = (mentorId: string, menteeId: string) => ({ mentorId, menteeId })

  it('pairs two of the community’s active leaders, and a mentor with several new ones', () => {
    expect(pairingRefusal(pair('old-hand', 'new-1'), leaders, [])).toBeNull()
    expect(pairingRefusal(pair('old-hand', 'new-2'), leaders, [pair('old-hand', 'new-1')])).toBeNull()
  })

  it('never pairs a leader with themselves', () => {
    expect(pairingRefusal(pair('new-1', 'new-1'), leaders, [])).toBe('samePerson')
  })

  it('pairs only the community’s active leaders, on either side', () => {
    expect(pairingRefusal(pair('office-worker', 'new-1'), leaders, [])).toBe('notLeader')
    expect(pairingRefusal(pair('old-hand', 'disabled-leader'), leaders, [])).toBe('notLeader')
  })

  it('gives a new leader one mentor at a time', () => {
    expect(pairingRefusal(pair('other-old-hand', 'new-1'), leaders, [pair('old-hand', 'new-1')])).toBe('menteeTaken')
  })

  it('never lets a mentee mentor their own mentor (each would read the other)', () => {
    expect(pairingRefusal(pair('new-1', 'old-hand'), leaders, [pair('old-hand', 'new-1')])).toBe('mentorIsMentee')
    // A mentee may mentor someone else meanwhile: only the cycle of two is refused.
    expect(pairingRefusal(pair('new-1', 'new-2'), leaders, [pair('old-hand', 'new-1')])).toBeNull()
  })

  it('calls a pairing active until the office ends it', () => {
    expect(isActive(mentorship())).toBe(true)
    expect(isActive(mentorship({ endedAt: '2026-11-20T00:00:00.000Z', endedBy: 'u-office1' }))).toBe(false)
  })
})
