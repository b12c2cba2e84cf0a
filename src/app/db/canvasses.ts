import { Canvass, CanvassAnswer, type CanvassAnswerFields, type CanvassFields } from '@/domain'
import type { DoorstepDatabase } from './database'
import { recordRepository } from './records'

export const canvassRepository = (db: DoorstepDatabase) => recordRepository<Canvass, CanvassFields>(db, 'canvasses', Canvass)

/** Answers are only ever created: a household asked again gets a new answer, and the latest counts. */
export const canvassAnswerRepository = (db: DoorstepDatabase) => recordRepository<CanvassAnswer, CanvassAnswerFields>(db, 'canvassAnswers', CanvassAnswer)
