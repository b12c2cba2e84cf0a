import { describe, expect, it } from 'vitest'
import { addComment, newReportState, transition, type IssueReport } from '@/domain'
import { officeNews, reportsWithNews, seeing } from '@/app/features/issues/news'
import { author, issueFields } from '../../fixtures'

let n = 0
const at = () => new Date(Date.parse('2026-11-20T03:00:00Z') + ++n * 60_000).toISOString()
const eventId = () => `0193${String(++n).padStart(4, '0')}-0000-7000-8000-000000000000`

function report(createdBy = author.userId): IssueReport {
  const t = at()
  return { id: `i-${++n}`, createdBy, deviceId: 'device-1', createdAt: t, updatedAt: t, deletedAt: null, conflicts: [], rev: 1, ...issueFields(), ...newReportState() }
}
const accepted = (r: IssueReport) => {
  const moved = transition(r, 'accepted', { eventId: eventId(), at: at(), by: 'office-1', note: '' })
  if (!moved.ok) throw new Error('invalid')
  return moved.report
}
const comment = (r: IssueReport, by: string) => addComment(r, { eventId: eventId(), at: at(), by, text: '好的' })

describe('news on a leader’s reports', () => {
  it('is the newest event by anyone but the reporter', () => {
    const r = comment(accepted(report()), author.userId)
    expect(officeNews(r)).toBe(r.events[0])
    expect(officeNews(report())).toBeNull()
  })

  it('counts the leader’s own, not deleted, reports whose newest office event is not the one seen', () => {
    const seenOne = accepted(report())
    const fresh = accepted(report())
    const deleted = { ...accepted(report()), deletedAt: at() }
    const theirs = accepted(report('leader-2'))
    const quiet = report()
    const seen = seeing([seenOne], {})
    expect(reportsWithNews([seenOne, fresh, deleted, theirs, quiet], author.userId, seen).map((r) => r.id)).toEqual([fresh.id])

    // The office's reply after the leader looked is news again; the leader's own comment is not.
    const replied = comment(seenOne, 'office-1')
    expect(reportsWithNews([comment(seenOne, author.userId), replied], author.userId, seen).map((r) => r.id)).toEqual([replied.id])
    expect(reportsWithNews([replied], author.userId, seeing([replied], seen))).toEqual([])
  })
})
