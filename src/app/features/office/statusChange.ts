import { z } from 'zod'
import { IssueStatus, requiredText, text } from '@/domain'

/**
 * The office's status change form. Returning a report (`rejected`) ends it for the resident, so the office
 * must say why: the leader has to explain it at the door. Other moves may go without a note.
 */
export const StatusChange = z.discriminatedUnion('to', [
  z.object({ to: z.literal('rejected'), note: requiredText(500) }),
  z.object({ to: IssueStatus.exclude(['rejected']), note: text(500) }),
])
export type StatusChange = z.infer<typeof StatusChange>
