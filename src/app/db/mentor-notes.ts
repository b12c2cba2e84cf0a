import { MentorNote, type MentorNoteFields } from '@/domain'
import type { DoorstepDatabase } from './database'
import { recordRepository } from './records'

/** A mentor's notes on what their mentee has to do (老带新); the server checks the pairing when they arrive. */
export const mentorNoteRepository = (db: DoorstepDatabase) => recordRepository<MentorNote, MentorNoteFields>(db, 'mentorNotes', MentorNote)
