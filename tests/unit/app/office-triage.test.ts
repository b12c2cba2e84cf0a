import { describe, expect, it } from 'vitest'
import type { IssueReport } from '@/domain'
import { countByStatus, triage } from '@/app/features/office/triage'

let n = 0
/** A report with only what triage reads. */
function report(overrides: Partial<IssueReport>): IssueReport {
  n += 1
  return {
    id: `r${n}`,
    buildingId: 'b1',
    status: 'submitted',
    urgency: 'normal',
    createdAt: `2026-11-${String(10 + n).padStart(2, '0')}T01:00:00.000Z`,
    deletedAt: null,
    ...overrides,
  } as IssueReport
}

describe('the office triage board', () => {
  const old = report({ urgency: 'urgent', createdAt: '2026-11-01T00:00:00.000Z' })
  const fresh = report({ urgency: 'low', createdAt: '2026-11-20T00:00:00.000Z' })
  const middle = report({ urgency: 'normal', createdAt: '2026-11-10T00:00:00.000Z', status: 'accepted', buildingId: 'b2' })
  const newUrgent = report({ urgency: 'urgent', createdAt: '2026-11-15T00:00:00.000Z' })
  const deleted = report({ urgency: 'urgent', deletedAt: '2026-11-16T00:00:00.000Z' })
  const all = [old, fresh, middle, newUrgent, deleted]

  it('puts the most urgent first and the newest first within an urgency, leaving out deleted reports', () => {
    expect(triage(all, {}, 'urgent').map((r) => r.id)).toEqual([newUrgent.id, old.id, middle.id, fresh.id])
    expect(triage(all, {}, 'newest').map((r) => r.id)).toEqual([fresh.id, newUrgent.id, middle.id, old.id])
  })

  it('narrows by status, building and urgency together', () => {
    expect(triage(all, { status: 'submitted', urgency: 'urgent' }, 'newest').map((r) => r.id)).toEqual([newUrgent.id, old.id])
    expect(triage(all, { buildingId: 'b2' }, 'newest').map((r) => r.id)).toEqual([middle.id])
  })

  it('counts each status within the building and urgency filters, whatever status is chosen', () => {
    expect(countByStatus(all, {})).toMatchObject({ submitted: 3, accepted: 1, in_progress: 0 })
    expect(countByStatus(all, { buildingId: 'b1' })).toMatchObject({ submitted: 3, accepted: 0 })
    expect(countByStatus(all, { urgency: 'urgent' })).toMatchObject({ submitted: 2, accepted: 0 })
  })
})
