import { z } from 'zod'
import { MediationKind, MediationOutcome, requiredText, text, type MediationFields } from '@/domain'

/*
 * What the mediation forms hold while the leader types: plain JSON, stored as drafts as it is. Their schemas
 * check what was typed and give the record's fields; the repository applies the record's own schema on save.
 */

export interface MediationStartDraft {
  /** Not saved from the form (the route gives it). */
  buildingId: string
  /** Households of the building picked as parties. */
  households: string[]
  /** People named, one a field; empty ones are left out. */
  names: string[]
  kind: MediationKind | ''
  description: string
}

export const emptyStartDraft = (buildingId: string): MediationStartDraft => ({ buildingId, households: [], names: [''], kind: '', description: '' })

const named = (names: string[]) => names.map((name) => name.trim()).filter(Boolean)

export const MediationStartForm = z
  .object({
    buildingId: z.string(),
    households: z.array(z.string()),
    names: z.array(text(40)),
    kind: MediationKind,
    description: requiredText(1000),
  })
  // A quarrel takes two (the message is the form's own, mediation.problem.parties); told with the other
  // problems, not after they are fixed.
  .refine((form) => form.households.length + named(form.names).length >= 2, {
    path: ['parties'],
    params: { key: 'parties' },
    when: ({ value }) => {
      const form = value as Partial<MediationStartDraft> | undefined
      return Array.isArray(form?.households) && Array.isArray(form.names) && form.names.every((name) => typeof name === 'string')
    },
  })
  .transform(({ households, names, ...rest }) => ({
    ...rest,
    parties: [...households.map((householdId) => ({ householdId, name: '' })), ...named(names).map((name) => ({ householdId: null, name }))],
  }))
export type MediationStartForm = z.output<typeof MediationStartForm>

/** A new case's fields from the form: open, no sessions yet. */
export function newMediation(form: MediationStartForm): MediationFields {
  return { ...form, sessions: [], outcome: null, outcomeAt: null, photos: [] }
}

export interface SessionDraft {
  attendees: string
  notes: string
}
export const emptySessionDraft = (): SessionDraft => ({ attendees: '', notes: '' })
export const SessionForm = z.object({ attendees: text(200), notes: requiredText(2000) })

export interface OutcomeDraft {
  outcome: MediationOutcome | ''
  photos: string[]
}
export const emptyOutcomeDraft = (): OutcomeDraft => ({ outcome: '', photos: [] })
export const OutcomeForm = z.object({ outcome: MediationOutcome, photos: z.array(z.string()).max(9) })
export type OutcomeForm = z.output<typeof OutcomeForm>
