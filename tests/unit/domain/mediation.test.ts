import { describe, expect, it } from 'vitest'
import { compareMediations, Mediation, mediationToIssue, sessionsRefusal, IssueFields } from '@/domain'
import { mediation, mediationSession } from '../../fixtures/mediation'

describe('a mediation case not settled, as an issue report', () => {
  const place = (party: { householdId: string | null; name: string }) => party.name || `户 ${party.householdId}`
  const words = ({ description, sessions }: { description: string; sessions: string[] }) => [description, ...sessions].join(' / ')

  it('is a dispute at the parties’ doors, described from the case and its sessions, naming the case', () => {
    const open = mediation({ sessions: [mediationSession({ notes: ' 第一次调解没谈拢 ' }), mediationSession({ notes: '' })] })
    const report = mediationToIssue(open, place, words)
    expect(report).toEqual({
      buildingId: open.buildingId,
      householdId: null,
      category: 'dispute',
      location: `陈国强、户 ${open.parties[1]!.householdId}`,
      description: '楼上夜里装修，楼下睡不着 / 第一次调解没谈拢',
      urgency: 'normal',
      photos: [],
      source: { mediationId: open.id },
    })
    // What it prefills is a report the phone can save as it is.
    expect(IssueFields.safeParse(report).success).toBe(true)
  })

  it('names the one household when only one party is a household, and is referred on after an outcome other than settled', () => {
    const one = mediation({ parties: [{ householdId: 'h1', name: '' }, { householdId: null, name: '王阿姨' }], outcome: 'toCommunity', outcomeAt: '2026-11-22T02:00:00.000Z' })
    expect(mediationToIssue(one, place, words)?.householdId).toBe('h1')
  })

  it('is nothing for a settled case', () => {
    expect(mediationToIssue(mediation({ outcome: 'settled', outcomeAt: '2026-11-22T02:00:00.000Z' }), place, words)).toBeNull()
  })
})

describe('a case’s sessions', () => {
  const [a, b] = [mediationSession(), mediationSession()]
  it('may only gain sessions after those kept', () => {
    expect(sessionsRefusal([a], [a, b])).toBeNull()
    expect(sessionsRefusal([a, b], [a])).toBe('sessionsChanged')
    expect(sessionsRefusal([a], [{ ...a, notes: '改了' }])).toBe('sessionsChanged')
    expect(sessionsRefusal([a], [b, a])).toBe('sessionsChanged')
  })
})

describe('a mediation case record', () => {
  it('has an outcome and its time together', () => {
    expect(Mediation.safeParse(mediation()).success).toBe(true)
    expect(Mediation.safeParse(mediation({ outcome: 'settled' })).success).toBe(false)
    expect(Mediation.safeParse(mediation({ outcomeAt: '2026-11-22T02:00:00.000Z' })).success).toBe(false)
  })

  it('lists open cases first, then the newest', () => {
    const closed = mediation({ id: 'x1', createdAt: '2026-11-25T00:00:00.000Z', outcome: 'settled', outcomeAt: '2026-11-26T00:00:00.000Z' })
    const older = mediation({ id: 'x2', createdAt: '2026-11-01T00:00:00.000Z' })
    const newer = mediation({ id: 'x3', createdAt: '2026-11-10T00:00:00.000Z' })
    expect([closed, older, newer].sort(compareMediations).map((m) => m.id)).toEqual(['x3', 'x2', 'x1'])
  })
})
