import { IssueReport, addComment, newReportState, reporterMayEdit, resubmit, transition, uuidv7, type IssueFields, type IssueStatus } from '@/domain'
import type { DoorstepDatabase } from './database'
import { ReportLockedError } from './errors'
import { recordRepository, type Author } from './records'

/** The status graph does not allow this move (the screen offers only allowed ones: this is a bug or a race). */
export class InvalidTransitionError extends Error {
  override readonly name = 'InvalidTransitionError'
  constructor(
    readonly from: IssueStatus,
    readonly to: IssueStatus,
  ) {
    super(`an issue report cannot move from ${from} to ${to}`)
  }
}

/**
 * Issue reports. The leader's fields change through `update` (a put); status, assignment and comments change
 * the report here at once (optimistic, so the screen shows them offline) and travel as their own mutation
 * kinds, which the server appends as events. The server's answer and the next pull settle the final state.
 * Notes and comments are trimmed first, as the schema trims the event, so that the mutation sends what the
 * record shows.
 */
export function issueRepository(db: DoorstepDatabase) {
  const records = recordRepository<IssueReport, IssueFields>(db, 'issues', IssueReport)
  return {
    ...records,

    create: (fields: IssueFields, author: Author, now = new Date()) => records.create({ ...fields, ...newReportState() }, author, now),

    /**
     * The reporter's edit, refused before anything is written once the office has taken the report on (it may
     * have, since the form opened): the server would refuse it as `locked`, and the form keeps what was typed.
     */
    update(id: string, patch: Parameters<typeof records.update>[1], now = new Date()): Promise<IssueReport> {
      return db.transaction('rw', [db.issues, db.outbox], async () => {
        const current = await records.get(id)
        if (current && !reporterMayEdit(current.status)) throw new ReportLockedError()
        return records.update(id, patch, now)
      })
    },

    /** Office: moves the report along the status graph, with a note for the reporter. */
    changeStatus(id: string, to: IssueStatus, note: string, author: Author, now = new Date()): Promise<IssueReport> {
      return records.change(
        id,
        (report, at) => {
          const eventId = uuidv7(now.getTime())
          note = note.trim()
          const moved = transition(report, to, { eventId, at, by: author.userId, note })
          if (!moved.ok) throw new InvalidTransitionError(moved.from, moved.to)
          return { record: moved.report, change: { kind: 'issue.status', eventId, to, note } }
        },
        now,
      )
    },

    /**
     * The reporter: the fields fixed as the office asked, and the returned report sent back to it with a
     * note, in one transaction (a put, then the resubmit: the server applies them in that order).
     */
    resubmit(id: string, fields: IssueFields, note: string, author: Author, now = new Date()): Promise<IssueReport> {
      return db.transaction('rw', [db.issues, db.outbox], async () => {
        // Refused before anything is written: nothing queued for a report the office has not returned.
        const current = await records.get(id)
        if (current && current.status !== 'rejected') throw new InvalidTransitionError(current.status, 'submitted')
        await records.update(id, fields, now)
        return records.change(
          id,
          (report, at) => {
            const eventId = uuidv7(now.getTime())
            note = note.trim()
            const moved = resubmit(report, { eventId, at, by: author.userId, note })
            if (!moved.ok) throw new InvalidTransitionError(moved.from, moved.to)
            return { record: moved.report, change: { kind: 'issue.resubmit', eventId, note } }
          },
          now,
        )
      })
    },

    /**
     * Office: who handles the report (a staff member's user id), or nobody. `_author` keeps the office
     * actions alike for their callers; the server records the signed-in user, not a name the device sends.
     */
    assign(id: string, assignee: string | null, _author: Author, now = new Date()): Promise<IssueReport> {
      return records.change(id, (report) => ({ record: { ...report, assignee }, change: { kind: 'issue.assign', assignee } }), now)
    },

    /** Anyone who sees the report: a comment, appended to its events. */
    comment(id: string, text: string, author: Author, now = new Date()): Promise<IssueReport> {
      return records.change(
        id,
        (report, at) => {
          const eventId = uuidv7(now.getTime())
          text = text.trim()
          return { record: addComment(report, { eventId, at, by: author.userId, text }), change: { kind: 'issue.comment', eventId, text } }
        },
        now,
      )
    },
  }
}
