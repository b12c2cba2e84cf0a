import { attachmentRepository } from './attachments'
import { canvassAnswerRepository, canvassRepository } from './canvasses'
import { db, type DoorstepDatabase } from './database'
import { draftRepository } from './drafts'
import { inspectionRepository } from './inspections'
import { issueRepository } from './issues'
import { mediationRepository } from './mediations'
import { mentorNoteRepository } from './mentor-notes'
import { templateRepository } from './templates'
import { visitRepository } from './visits'

/** Every write, validated against the domain schemas; reads are in ./queries. */
export function createRepositories(database: DoorstepDatabase) {
  return {
    visits: visitRepository(database),
    issues: issueRepository(database),
    inspections: inspectionRepository(database),
    canvasses: canvassRepository(database),
    canvassAnswers: canvassAnswerRepository(database),
    mediations: mediationRepository(database),
    mentorNotes: mentorNoteRepository(database),
    templates: templateRepository(database),
    attachments: attachmentRepository(database),
    drafts: draftRepository(database),
  }
}
export type Repositories = ReturnType<typeof createRepositories>

/** The app's repositories over its one database. */
export const repos = createRepositories(db)

export { db } from './database'
export { deviceAuthor, LOCAL_USER } from './device'
export { ValidationError, StorageFullError, ReportLockedError } from './errors'
export { InvalidTransitionError } from './issues'
export type { Author } from './records'
