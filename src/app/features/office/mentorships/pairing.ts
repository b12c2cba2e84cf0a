import { pairingRefusal, type Mentorship, type NewMentorship } from '@/domain/mentorship'

/** The 结成对子 dialog as the office fills it in. */
export interface PairingForm {
  mentorId: string
  menteeId: string
  note: string
}

export type PairingField = 'mentorId' | 'menteeId'
export type PairingRefusal = NonNullable<ReturnType<typeof pairingRefusal>>
/** What stops a pairing, each shown by the field the office must change (mentor.office.problem.*). */
export type PairingProblem = 'required' | PairingRefusal

/** Where each refusal is shown: by the leader to choose again (either one, for a leader no longer active). */
const REFUSAL_FIELDS: Record<PairingRefusal, PairingField[]> = {
  samePerson: ['menteeId'],
  notLeader: ['mentorId', 'menteeId'],
  menteeTaken: ['menteeId'],
  mentorIsMentee: ['mentorId'],
}

export const isPairingRefusal = (code: string): code is PairingRefusal => code in REFUSAL_FIELDS

/** The problems of a refusal by field: the page's own check and the server's answer say them the same way. */
export const refusalProblems = (refusal: PairingRefusal): Partial<Record<PairingField, PairingProblem>> =>
  Object.fromEntries(REFUSAL_FIELDS[refusal].map((field) => [field, refusal]))

/**
 * The request the dialog makes, or the problems by field: both leaders chosen, then the domain's rule over the
 * community's active leaders and the pairings the page lists (the server asks the same rule of what it holds).
 */
export function pairingRequest(
  form: PairingForm,
  leaders: ReadonlySet<string>,
  active: readonly Pick<Mentorship, 'mentorId' | 'menteeId'>[],
): { request: NewMentorship } | { problems: Partial<Record<PairingField, PairingProblem>> } {
  const missing = (['mentorId', 'menteeId'] as const).filter((field) => !form[field])
  if (missing.length) return { problems: Object.fromEntries(missing.map((field) => [field, 'required'])) }
  const refusal = pairingRefusal(form, leaders, active)
  if (refusal) return { problems: refusalProblems(refusal) }
  return { request: { mentorId: form.mentorId, menteeId: form.menteeId, note: form.note.trim() } }
}
