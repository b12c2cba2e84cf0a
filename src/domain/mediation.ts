import { z } from 'zod'
import { checkRecordBytes, Id, Photos, RecordMeta, RefId, requiredText, text, Timestamp } from './common'
import type { IssueFields } from './issues'

/*
 * Mediation cases (矛盾纠纷调解): a quarrel between neighbours of a building — noise, a leak, a corridor used as a
 * store room, a dog — that its leader sits down with the parties to settle. A record made on the leader's phone,
 * offline, and carried by sync like visits: the parties, what it is about, each session as it happens (appended,
 * never rewritten), and the outcome, with photos of the signed agreement (调解协议). Only the leaders of the
 * building and the office see it, as for every record (visibility is the building's).
 */

export const MEDIATION_KINDS = ['noise', 'leak', 'obstruction', 'pet', 'neighbours', 'other'] as const
export const MediationKind = z.enum(MEDIATION_KINDS)
export type MediationKind = z.infer<typeof MediationKind>

/** 调解成功, 转交社区, 转交司法所. */
export const MEDIATION_OUTCOMES = ['settled', 'toCommunity', 'toJudicial'] as const
export const MediationOutcome = z.enum(MEDIATION_OUTCOMES)
export type MediationOutcome = z.infer<typeof MediationOutcome>

/** Where a case stands: open, or its outcome. */
export const MEDIATION_STATES = ['open', ...MEDIATION_OUTCOMES] as const
export type MediationState = (typeof MEDIATION_STATES)[number]
export const mediationState = (mediation: Pick<MediationFields, 'outcome'>): MediationState => mediation.outcome ?? 'open'

/** A party: a household of the building (its name optional: who came for it), or a person named alone. */
export const MediationParty = z
  .object({ householdId: RefId.nullable(), name: text(40) })
  .refine((party) => party.householdId !== null || party.name !== '', { params: { key: 'party' } })
export type MediationParty = z.infer<typeof MediationParty>

/** One sitting with the parties: when, who came, what was said and agreed. */
export const MediationSession = z.object({ id: Id, at: Timestamp, attendees: text(200), notes: text(2000) })
export type MediationSession = z.infer<typeof MediationSession>

export const MediationFields = z.object({
  buildingId: RefId,
  parties: z.array(MediationParty).min(2).max(10),
  kind: MediationKind,
  description: requiredText(1000),
  sessions: z.array(MediationSession).max(50),
  /** Null while the case is open. */
  outcome: MediationOutcome.nullable(),
  outcomeAt: Timestamp.nullable(),
  /** Photos of the signed agreement. */
  photos: Photos,
})
export type MediationFields = z.infer<typeof MediationFields>

export const Mediation = z
  .object({ ...RecordMeta.shape, ...MediationFields.shape })
  .check(checkRecordBytes)
  // An outcome has a time, and a time is an outcome's: one without the other says nothing.
  .refine((m) => (m.outcome === null) === (m.outcomeAt === null), { params: { key: 'outcomeAt' }, path: ['outcomeAt'] })
export type Mediation = z.infer<typeof Mediation>

/** The households a case names, for checking that they are of its building. */
export function partyHouseholds(parties: readonly Pick<MediationParty, 'householdId'>[]): string[] {
  return parties.flatMap((party) => (party.householdId ? [party.householdId] : []))
}

/**
 * Why an edit of a case is refused, or null. Sessions are a record of what happened: a later edit may only add
 * sessions after those already kept, never change or drop one, or two phones' sessions would overwrite each other.
 */
export function sessionsRefusal(before: readonly MediationSession[], after: readonly MediationSession[]): 'sessionsChanged' | null {
  const kept = before.every((session, i) => JSON.stringify(after[i]) === JSON.stringify(session))
  return kept && after.length >= before.length ? null : 'sessionsChanged'
}

/** Open cases first, then the newest. */
export function compareMediations(a: Pick<Mediation, 'outcome' | 'createdAt'>, b: Pick<Mediation, 'outcome' | 'createdAt'>): number {
  const open = Number(b.outcome === null) - Number(a.outcome === null)
  return open || (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0)
}

/**
 * A case not settled, as an issue report for the office, for the leader to check before it goes: a dispute, at
 * the parties' doors (`place` words a party: its flat or name), described by `describe` in the leader's language
 * from the case and its sessions' notes; the report names the case it came from. Null for a settled case.
 */
export function mediationToIssue(
  mediation: Pick<Mediation, 'id' | 'buildingId' | 'parties' | 'description' | 'sessions' | 'outcome'>,
  place: (party: MediationParty) => string,
  describe: (about: { description: string; sessions: string[] }) => string,
): IssueFields | null {
  if (mediation.outcome === 'settled') return null
  const households = partyHouseholds(mediation.parties)
  const sessions = mediation.sessions.map((s) => s.notes.trim()).filter(Boolean)
  return {
    buildingId: mediation.buildingId,
    householdId: households.length === 1 ? households[0]! : null,
    category: 'dispute',
    location: mediation.parties.map(place).filter(Boolean).join('、').slice(0, 100),
    description: describe({ description: mediation.description.trim(), sessions }).slice(0, 2000),
    urgency: 'normal',
    photos: [],
    source: { mediationId: mediation.id },
  }
}
