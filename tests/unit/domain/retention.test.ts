import { describe, expect, it } from 'vitest'
import { addMonths, CommunitySettings, CommunitySettingsChange, retainedOnPhone, retentionStart, type IssueStatus } from '@/domain'

const twelve = { retentionMonths: 12 }
const TODAY = '2026-12-06'
const visit = (visitedAt: string, fields: { updatedAt?: string; rev?: number | null; deletedAt?: string | null; newestOfHousehold?: boolean } = {}) => ({
  table: 'visits' as const,
  record: { visitedAt, updatedAt: fields.updatedAt ?? visitedAt, rev: fields.rev === undefined ? 3 : fields.rev, deletedAt: fields.deletedAt ?? null },
  newestOfHousehold: fields.newestOfHousehold ?? false,
})
const report = (status: IssueStatus, updatedAt: string, fields: { rev?: number | null; deletedAt?: string | null } = {}) => ({
  table: 'issues' as const,
  record: { status, updatedAt, rev: fields.rev === undefined ? 3 : fields.rev, deletedAt: fields.deletedAt ?? null },
})

describe('how long a leader’s phone keeps old work', () => {
  it('counts whole calendar months back, the last day of a shorter month standing in', () => {
    expect(retentionStart('2026-12-06', 12)).toBe('2025-12-06')
    expect(addMonths('2026-03-31', -1)).toBe('2026-02-28')
    expect(addMonths('2024-02-29', -12)).toBe('2023-02-28')
    expect(addMonths('2026-01-15', -13)).toBe('2024-12-15')
    expect(addMonths('2026-11-30', 3)).toBe('2027-02-28')
  })

  it('keeps a visit of the first China day of the window and lets the one a minute earlier go', () => {
    // 2025-12-06 00:00 in Beijing is 2025-12-05 16:00 UTC.
    expect(retainedOnPhone(visit('2025-12-05T16:00:00.000Z'), twelve, TODAY)).toBe(true)
    expect(retainedOnPhone(visit('2025-12-05T15:59:00.000Z'), twelve, TODAY)).toBe(false)
  })

  it('counts a visit from its last activity: written up or corrected later, it stays longer', () => {
    expect(retainedOnPhone(visit('2025-06-01T02:00:00.000Z', { updatedAt: '2026-01-10T02:00:00.000Z' }), twelve, TODAY)).toBe(true)
  })

  it('keeps a household’s newest visit (and so any open follow-up) whatever its age', () => {
    expect(retainedOnPhone(visit('2023-03-01T02:00:00.000Z', { newestOfHousehold: true }), twelve, TODAY)).toBe(true)
  })

  it('keeps whatever the server has never acknowledged', () => {
    expect(retainedOnPhone(visit('2023-03-01T02:00:00.000Z', { rev: null }), twelve, TODAY)).toBe(true)
    expect(retainedOnPhone(report('closed', '2023-03-01T02:00:00.000Z', { rev: null }), twelve, TODAY)).toBe(true)
  })

  it('lets only resolved and closed reports go, by the day of their last change', () => {
    const old = '2025-12-05T15:59:00.000Z'
    expect(retainedOnPhone(report('resolved', old), twelve, TODAY)).toBe(false)
    expect(retainedOnPhone(report('closed', old), twelve, TODAY)).toBe(false)
    expect(retainedOnPhone(report('closed', '2025-12-05T16:00:00.000Z'), twelve, TODAY)).toBe(true)
    for (const open of ['submitted', 'accepted', 'in_progress', 'rejected'] as const) expect(retainedOnPhone(report(open, '2020-01-01T00:00:00.000Z'), twelve, TODAY), open).toBe(true)
    // A deleted report has nothing left to do.
    expect(retainedOnPhone(report('submitted', old, { deletedAt: old }), twelve, TODAY)).toBe(false)
  })

  it('follows the community’s setting', () => {
    const eightMonthsAgo = visit('2026-04-01T02:00:00.000Z')
    expect(retainedOnPhone(eightMonthsAgo, twelve, TODAY)).toBe(true)
    expect(retainedOnPhone(eightMonthsAgo, { retentionMonths: 6 }, TODAY)).toBe(false)
    expect(retainedOnPhone({ table: 'inspections', record: { rev: 1 } }, { retentionMonths: 1 }, TODAY)).toBe(true)
  })

  it('is twelve months for a community stored before the setting existed, and takes 1 to 60 whole months', () => {
    expect(CommunitySettings.parse({}).retentionMonths).toBe(12)
    expect(CommunitySettingsChange.safeParse({ retentionMonths: 60 }).success).toBe(true)
    for (const bad of [0, 61, 2.5, '12', null]) expect(CommunitySettingsChange.safeParse({ retentionMonths: bad }).success, String(bad)).toBe(false)
  })
})
