import type { Visit } from './visits'

/*
 * The follow-up rules of visits, apart from the schemas in ./visits: a module that declares schemas brings
 * zod with it wherever it is imported, and the home screen needs these rules on the first screen.
 */

export type FollowUpState = 'none' | 'overdue' | 'today' | 'upcoming'

/** Where a visit's follow-up stands on `today` (a local `YYYY-MM-DD`). */
export function followUpState(visit: Pick<Visit, 'followUpOn' | 'deletedAt'>, today: string): FollowUpState {
  if (!visit.followUpOn || visit.deletedAt) return 'none'
  if (visit.followUpOn < today) return 'overdue'
  return visit.followUpOn === today ? 'today' : 'upcoming'
}

/** A local calendar day as `YYYY-MM-DD` (not UTC: a follow-up is due on the leader's day). */
export function localDay(date: Date = new Date()): string {
  const y = date.getFullYear()
  const m = String(date.getMonth() + 1).padStart(2, '0')
  const d = String(date.getDate()).padStart(2, '0')
  return `${y}-${m}-${d}`
}
