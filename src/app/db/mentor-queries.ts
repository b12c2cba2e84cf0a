import type { MenteeView, MentorNote, MentorNoteSubject } from '@/domain'
import { db as appDb, type DoorstepDatabase } from './database'

/** A mentor's note as the mentee reads it: with the mentor's name, from the community's name cards. */
export interface NoteFromMentor {
  note: MentorNote
  /** Undefined until the mentor's card has arrived. */
  mentorName: string | undefined
}

/** Newest first; notes made in the same millisecond by id, which is made in time order too. */
export const newestFirst = (a: MentorNote, b: MentorNote) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id)

/** 老带新 from IndexedDB: the mentor's copies of their mentees' work, and the notes either side reads offline. */
export function createMentorQueries(db: DoorstepDatabase) {
  return {
    /** The mentor's copies, one per pairing that lasts, by the mentee's name. */
    async views(): Promise<MenteeView[]> {
      return (await db.menteeViews.toArray()).sort((a, b) => a.mentee.name.localeCompare(b.mentee.name, 'zh-CN'))
    },

    view: (mentorshipId: string): Promise<MenteeView | undefined> => db.menteeViews.get(mentorshipId),

    /**
     * A pairing's notes as the mentor sees them: those of the server's copy and those made here since (by id:
     * a note made here is in the copy once it has synced), newest first.
     */
    async notesOf(view: MenteeView): Promise<MentorNote[]> {
      const local = await db.mentorNotes.filter((n) => n.mentorshipId === view.mentorship.id).toArray()
      const byId = new Map([...view.notes, ...local].map((n) => [n.id, n]))
      return [...byId.values()].filter((n) => !n.deletedAt).sort(newestFirst)
    },

    /** Notes on the mentee's phone about any of `subjects` (a report; a household and its visits), newest first. */
    async about(subjects: readonly MentorNoteSubject[]): Promise<NoteFromMentor[]> {
      if (!subjects.length) return []
      const keys = subjects.map((s) => [s.kind, s.id])
      const notes = (await db.mentorNotes.where('[subject.kind+subject.id]').anyOf(keys).toArray()).filter((n) => !n.deletedAt).sort(newestFirst)
      const cards = await db.users.bulkGet([...new Set(notes.map((n) => n.createdBy))])
      const names = new Map(cards.flatMap((card) => (card ? [[card.id, card.displayName] as const] : [])))
      return notes.map((note) => ({ note, mentorName: names.get(note.createdBy) }))
    },
  }
}

export const mentorQueries = createMentorQueries(appDb)
