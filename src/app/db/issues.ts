import { IssueReport, addComment, uuidv7, type IssueFields } from '@/domain'
import type { DoorstepDatabase } from './database'
import { recordRepository, type Author } from './records'

export function issueRepository(db: DoorstepDatabase) {
  const records = recordRepository<IssueReport, IssueFields>(db, 'issues', IssueReport)
  return {
    ...records,

    /** A new report always starts as submitted, with no events: the office moves it on. */
    create: (fields: IssueFields, author: Author, now = new Date()) =>
      records.create({ ...fields, status: 'submitted', assignee: null, events: [] }, author, now),

    comment(id: string, text: string, author: Author, now = new Date()): Promise<IssueReport> {
      const at = now.toISOString()
      return records.update(id, (report) => addComment(report, { eventId: uuidv7(now.getTime()), at, by: author.userId, text }), now)
    },
  }
}
