import { z } from 'zod'
import { checkRecordBytes, Day, Id, RecordMeta, RefId, requiredText, text, Timestamp } from './common'

/*
 * Old hands and new (老带新): the office pairs a new leader (the mentee) with an experienced one (the mentor)
 * until it ends the pairing. While it lasts, the mentor reads the mentee's worklist and open reports — a copy
 * the server makes for the mentor's phone at each sync (`MenteeView`), never the mentee's records themselves —
 * and leaves notes on them (`MentorNote`, a record synced like visits, seen by the leaders of the building it is
 * about, so the mentee reads it on their phone). The mentor writes nothing else of the mentee's.
 */

/** A pairing, made and ended by the office (a row of the server's, not a synced record). */
export const Mentorship = z.object({
  id: Id,
  communityId: RefId,
  mentorId: RefId,
  menteeId: RefId,
  /** What the office wants the pairing to achieve, e.g. 先带他走一遍 3 号楼的独居老人. */
  note: text(200),
  startedAt: Timestamp,
  startedBy: RefId,
  /** Null while the pairing lasts. */
  endedAt: Timestamp.nullable(),
  endedBy: RefId.nullable(),
})
export type Mentorship = z.infer<typeof Mentorship>

/** A pairing as the workspace lists it (GET /communities/:communityId/mentorships), with both leaders' names. */
export const MentorshipRow = Mentorship.extend({ mentorName: z.string(), menteeName: z.string() })
export type MentorshipRow = z.infer<typeof MentorshipRow>

/** What the office sends to pair two leaders. */
export const NewMentorship = z.object({ mentorId: RefId, menteeId: RefId, note: text(200).default('') })
export type NewMentorship = z.infer<typeof NewMentorship>

export const isActive = (pairing: Pick<Mentorship, 'endedAt'>): boolean => pairing.endedAt === null

/**
 * Why the office may not make a pairing, or null. `leaders` are the community's active leaders; `active` its
 * pairings that last. A mentee has one mentor at a time; a mentor may take several; nobody mentors their own
 * mentor (a cycle of two would let each read the other).
 */
export function pairingRefusal(
  pairing: Pick<NewMentorship, 'mentorId' | 'menteeId'>,
  leaders: ReadonlySet<string>,
  active: readonly Pick<Mentorship, 'mentorId' | 'menteeId'>[],
): 'samePerson' | 'notLeader' | 'menteeTaken' | 'mentorIsMentee' | null {
  if (pairing.mentorId === pairing.menteeId) return 'samePerson'
  if (!leaders.has(pairing.mentorId) || !leaders.has(pairing.menteeId)) return 'notLeader'
  if (active.some((p) => p.menteeId === pairing.menteeId)) return 'menteeTaken'
  if (active.some((p) => p.mentorId === pairing.menteeId && p.menteeId === pairing.mentorId)) return 'mentorIsMentee'
  return null
}

/** What a note is about: one of the mentee's follow-up visits, a household due a visit, or an open report. */
export const MentorNoteSubject = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('visit'), id: RefId }),
  z.object({ kind: z.literal('household'), id: RefId }),
  z.object({ kind: z.literal('issue'), id: RefId }),
])
export type MentorNoteSubject = z.infer<typeof MentorNoteSubject>

export const MentorNoteFields = z.object({
  /** The building of the subject: the mentee's, so that their phone pulls the note. */
  buildingId: RefId,
  mentorshipId: Id,
  subject: MentorNoteSubject,
  text: requiredText(500),
})
export type MentorNoteFields = z.infer<typeof MentorNoteFields>

/** What a note is about stays as it was written: its mentor edits only the text. */
export const MENTOR_NOTE_FIXED_FIELDS: ReadonlySet<string> = new Set(['buildingId', 'mentorshipId', 'subject'] satisfies Array<keyof MentorNoteFields>)

/** A mentor's note, a record table (`mentorNotes`): created by the mentor, read by the building's leaders and the office. */
export const MentorNote = z.object({ ...RecordMeta.shape, ...MentorNoteFields.shape }).check(checkRecordBytes)
export type MentorNote = z.infer<typeof MentorNote>

/** A row of the mentee's worklist as the mentor reads it: the household by its place, no resident's name. */
export const MenteeFollowUp = z.object({
  visitId: RefId,
  householdId: RefId,
  buildingId: RefId,
  /** 2单元302, as the roster words it. */
  place: z.string(),
  followUpOn: Day,
  /** Days past its day: negative while ahead, 0 on the day. */
  overdueDays: z.number().int(),
  /** The needs found at that visit, for the mentor to ask about. */
  needs: z.string(),
})
export type MenteeFollowUp = z.infer<typeof MenteeFollowUp>

export const MenteeDueHousehold = z.object({
  householdId: RefId,
  buildingId: RefId,
  place: z.string(),
  care: z.boolean(),
  lastVisitDay: Day.nullable(),
  /** Days past the day a visit was due; null when nobody has visited it. */
  overdueDays: z.number().int().nullable(),
})
export type MenteeDueHousehold = z.infer<typeof MenteeDueHousehold>

export const MenteeReport = z.object({
  id: RefId,
  buildingId: RefId,
  category: z.string(),
  /** Where in the building the report is about (its `location`, e.g. 3楼楼道窗户): a report has no title of its own. */
  title: z.string(),
  status: z.string(),
  createdAt: Timestamp,
})
export type MenteeReport = z.infer<typeof MenteeReport>

/**
 * What the server sends a mentor's phone for each pairing that lasts (GET /mentorships/mine), read-only: the
 * mentee's worklist as the domain's own worklist rules make it (./leader-worklist), their open reports, and the
 * notes of the pairing. The phone keeps the last copy, so the mentor reads it offline too.
 */
export const MenteeView = z.object({
  mentorship: Mentorship,
  mentee: z.object({ id: RefId, name: z.string(), buildings: z.array(z.object({ id: RefId, address: z.string() })) }),
  followUps: z.array(MenteeFollowUp),
  dueHouseholds: z.array(MenteeDueHousehold),
  openReports: z.array(MenteeReport),
  notes: z.array(MentorNote),
  /** When the server made this copy. */
  at: Timestamp,
})
export type MenteeView = z.infer<typeof MenteeView>
