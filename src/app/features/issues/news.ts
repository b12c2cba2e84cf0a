import type { IssueEvent, IssueReport } from '@/domain'

/*
 * "Something changed on your reports": a report the leader filed has news when the office did something on
 * it (a status change, a note, a reply) that the leader has not seen. Seen is kept per report as the id of
 * the office's newest event the leader saw — an id, not a time, so that news which reached the phone late
 * (made while it was offline, before the leader last looked) still counts as news when it arrives.
 */

/** Per report, the id of the office's newest event the leader has seen. */
export type IssuesSeen = Record<string, string>

/** The newest event on a report by anyone but its reporter (the office's), or null. */
export function officeNews(report: Pick<IssueReport, 'createdBy' | 'events'>): IssueEvent | null {
  for (let i = report.events.length - 1; i >= 0; i--) if (report.events[i]!.by !== report.createdBy) return report.events[i]!
  return null
}

/** The leader's own reports with office news they have not seen. */
export function reportsWithNews(reports: readonly IssueReport[], userId: string, seen: IssuesSeen): IssueReport[] {
  return reports.filter((r) => {
    if (r.createdBy !== userId || r.deletedAt) return false
    const news = officeNews(r)
    return news !== null && seen[r.id] !== news.id
  })
}

/** What the leader has seen after looking at these reports: each one's newest office event, added to `seen`. */
export function seeing(reports: readonly IssueReport[], seen: IssuesSeen): IssuesSeen {
  const next = { ...seen }
  for (const r of reports) {
    const news = officeNews(r)
    if (news) next[r.id] = news.id
  }
  return next
}
