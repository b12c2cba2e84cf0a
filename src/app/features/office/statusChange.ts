import { z } from 'zod'
import { IssueStatus, noteRequired, text } from '@/domain'

/**
 * The office's status change form. Returning or resolving a report needs a note (`noteRequired`, the rule
 * the server holds the move to as well): the leader has to explain it at the door. Other moves may go
 * without one.
 */
export const StatusChange = z.object({ to: IssueStatus, note: text(500) }).superRefine((change, ctx) => {
  if (noteRequired(change.to) && !change.note) {
    // Reported as an empty required text, so that the field says 这一项要填 like every other required one.
    ctx.addIssue({ code: 'too_small', origin: 'string', minimum: 1, inclusive: true, path: ['note'], input: change.note })
  }
})
export type StatusChange = z.infer<typeof StatusChange>
