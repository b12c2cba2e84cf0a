import { describe, expect, it } from 'vitest'
import {
  ISSUE_STATUSES,
  IssueFields,
  IssueReport,
  addComment,
  allowedTransitions,
  noteRequired,
  reporterMayEdit,
  resubmit,
  returnReason,
  transition,
  uuidv7,
  type IssueStatus,
} from '@/domain'
import { issueFields } from '../../fixtures'

function report(status: IssueStatus = 'submitted'): IssueReport {
  const at = '2026-11-20T02:00:00.000Z'
  return IssueReport.parse({
    ...issueFields(),
    id: uuidv7(),
    createdAt: at,
    updatedAt: at,
    createdBy: 'leader-1',
    deviceId: 'device-1',
    rev: null,
    deletedAt: null,
    status,
    events: [],
  })
}

const change = (n: number) => ({ eventId: uuidv7(), at: `2026-11-2${n}T00:00:00.000Z`, by: 'office-1' })

describe('issue status', () => {
  it('follows submitted → accepted → in_progress → resolved → closed, one event per move', () => {
    let current = report()
    for (const [n, to] of (['accepted', 'in_progress', 'resolved', 'closed'] as const).entries()) {
      const result = transition(current, to, { ...change(n + 1), note: `step ${n}` })
      if (!result.ok) throw new Error(`refused ${to}`)
      current = result.report
    }
    expect(current.status).toBe('closed')
    expect(current.events.map((e) => (e.type === 'status' ? `${e.from}>${e.to}` : e.type))).toEqual([
      'submitted>accepted',
      'accepted>in_progress',
      'in_progress>resolved',
      'resolved>closed',
    ])
  })

  it('refuses moves the graph does not allow and leaves the report as it was', () => {
    const submitted = report('submitted')
    expect(transition(submitted, 'resolved', change(1))).toEqual({ ok: false, reason: 'invalid_transition', from: 'submitted', to: 'resolved' })
    expect(transition(report('closed'), 'in_progress', change(1)).ok).toBe(false)
    expect(transition(report('rejected'), 'accepted', change(1)).ok).toBe(false)
    expect(submitted.events).toHaveLength(0)
  })

  it('allows rejection until work has started, and reopening a resolved report', () => {
    expect(allowedTransitions('submitted')).toContain('rejected')
    expect(allowedTransitions('accepted')).toContain('rejected')
    expect(allowedTransitions('in_progress')).not.toContain('rejected')
    expect(allowedTransitions('resolved')).toContain('in_progress')
  })

  it('asks for a note when a report is returned or resolved, and for no other move', () => {
    expect(ISSUE_STATUSES.filter(noteRequired)).toEqual(['resolved', 'rejected'])
  })

  it('leaves the office no move out of closed and rejected (a returned report goes back only by its reporter’s resubmit)', () => {
    for (const status of ISSUE_STATUSES) {
      const terminal = status === 'closed' || status === 'rejected'
      expect(allowedTransitions(status).length === 0).toBe(terminal)
    }
  })

  it('appends comments without touching earlier events', () => {
    const moved = transition(report(), 'accepted', change(1))
    if (!moved.ok) throw new Error('refused')
    const commented = addComment(moved.report, { ...change(2), text: '物业明天来修' })
    expect(commented.events).toHaveLength(2)
    expect(commented.events[0]).toBe(moved.report.events[0])
    expect(commented.events[1]).toMatchObject({ type: 'comment', text: '物业明天来修' })
    expect(IssueReport.safeParse(commented).success).toBe(true)
  })
})

describe('a returned report', () => {
  const returned = () => {
    const moved = transition(report('submitted'), 'rejected', { ...change(1), note: '请写清楚是几楼' })
    if (!moved.ok) throw new Error('refused')
    return moved.report
  }

  it('shows the office’s reason while it stands returned', () => {
    expect(returnReason(returned())).toBe('请写清楚是几楼')
    expect(returnReason(report('submitted'))).toBeNull()
  })

  it('goes back to the office when the reporter resubmits it, with the reporter’s note in a status event', () => {
    const result = resubmit(returned(), { eventId: uuidv7(), at: '2026-11-23T00:00:00.000Z', by: 'leader-1', note: '已补上：三楼' })
    if (!result.ok) throw new Error('refused')
    expect(result.report.status).toBe('submitted')
    expect(result.report.events.at(-1)).toMatchObject({ type: 'status', from: 'rejected', to: 'submitted', by: 'leader-1', note: '已补上：三楼' })
    expect(returnReason(result.report)).toBeNull()
    expect(IssueReport.safeParse(result.report).success).toBe(true)
  })

  it('is the only report a resubmit moves', () => {
    for (const status of ISSUE_STATUSES.filter((s) => s !== 'rejected')) {
      expect(resubmit(report(status), { ...change(1), by: 'leader-1' })).toEqual({ ok: false, reason: 'invalid_transition', from: status, to: 'submitted' })
    }
  })

  it('may be edited by its reporter, as one waiting for the office may; one the office has taken on may not', () => {
    expect(ISSUE_STATUSES.filter(reporterMayEdit)).toEqual(['submitted', 'rejected'])
  })
})

describe('issue fields', () => {
  it('require a location and a description', () => {
    const result = IssueFields.safeParse(issueFields({ location: '  ', description: '' }))
    expect(result.success).toBe(false)
    expect(result.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['description', 'location'])
  })

  it('refuse an unknown category and a photo that is not a SHA-256', () => {
    expect(IssueFields.safeParse({ ...issueFields(), category: 'noise' }).success).toBe(false)
    expect(IssueFields.safeParse(issueFields({ photos: ['abc'] })).success).toBe(false)
  })
})
