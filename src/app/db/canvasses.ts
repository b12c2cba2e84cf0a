import { answerRefusal, Canvass, CanvassAnswer, type CanvassAnswerFields, type CanvassFields } from '@/domain'
import type { DoorstepDatabase } from './database'
import { recordRepository } from './records'

export const canvassRepository = (db: DoorstepDatabase) => recordRepository<Canvass, CanvassFields>(db, 'canvasses', Canvass)

/**
 * Answers are only ever created: a household asked again gets a new answer, and the latest counts. A closed
 * canvass takes none (its figures are final), nor does one for a household outside its scope.
 */
export const canvassAnswerRepository = (db: DoorstepDatabase) =>
  recordRepository<CanvassAnswer, CanvassAnswerFields>(db, 'canvassAnswers', CanvassAnswer, {
    tables: [db.canvasses],
    async refusal(answer) {
      const canvass = await db.canvasses.get(answer.canvassId)
      if (!canvass || canvass.deletedAt) return { path: ['canvassId'], message: 'no such canvass' }
      const refusal = answerRefusal(canvass, answer)
      if (refusal === 'closed') return { path: ['canvassId'], message: 'canvass closed' }
      return refusal ? { path: ['householdId'], message: `household ${refusal === 'notAsked' ? 'not asked' : 'of another building'}` } : null
    },
  })
