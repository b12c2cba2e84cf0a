import type { Inspection } from './inspections'
import type { IssueReport, IssueStatus } from './issues'
import type { Visit } from './visits'
import { addMonths, chinaDay } from './days'

/*
 * How long a leader's phone keeps old work (the server keeps everything). A lost or shared phone should
 * carry as little about residents as the leader's work needs: closed reports and old visits leave it once
 * their last activity is older than the community's setting. Work is never lost by this: only records the
 * server has are judged (the device keeps anything unsent, refused or open in a form apart, see the sync
 * engine), and a visit the leader still works from stays whatever its age — the household's newest visit,
 * which the worklist counts the next visit from and which holds any open follow-up (see openFollowUps).
 * Zod-free: the sync engine runs it in the service worker too.
 */

/** How many months phones keep closed reports and visits unless the community sets another. */
export const DEFAULT_RETENTION_MONTHS = 12

/** Reports the office has finished with: 已解决 and 已办结. A returned (rejected) one waits for the leader. */
export const CLOSED_STATUSES: readonly IssueStatus[] = ['resolved', 'closed']

/** A record as retention judges it, with what the device knows around it. */
export type RetentionSubject =
  | {
      table: 'visits'
      record: Pick<Visit, 'rev' | 'visitedAt' | 'updatedAt' | 'deletedAt'>
      /** The newest (not deleted) visit to its household that the device knows of. */
      newestOfHousehold: boolean
    }
  | { table: 'issues'; record: Pick<IssueReport, 'rev' | 'status' | 'updatedAt' | 'deletedAt'> }
  | { table: 'inspections'; record: Pick<Inspection, 'rev'> }

/** The first China day whose records phones keep on `today`: the same day `months` months back. */
export function retentionStart(today: string, months: number): string {
  return addMonths(today, -months)
}

/** Whether a record stays on a leader's phone on `today` (a China day), by the community's settings. */
export function retainedOnPhone(subject: RetentionSubject, settings: { retentionMonths: number }, today: string): boolean {
  // Never acknowledged by the server: the phone holds the only copy.
  if (subject.record.rev === null) return true
  const start = retentionStart(today, settings.retentionMonths)
  switch (subject.table) {
    case 'inspections':
      return true
    case 'issues': {
      const { status, updatedAt, deletedAt } = subject.record
      // A deleted report has nothing left to do either, whatever status it stopped at.
      return (!deletedAt && !CLOSED_STATUSES.includes(status)) || chinaDay(updatedAt) >= start
    }
    case 'visits': {
      const { visitedAt, updatedAt } = subject.record
      // Its last activity: a visit written up (or corrected) long after the day it happened counts from then.
      const last = visitedAt > updatedAt ? visitedAt : updatedAt
      return subject.newestOfHousehold || chinaDay(last) >= start
    }
  }
}
