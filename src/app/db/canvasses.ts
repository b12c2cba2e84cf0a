import { Canvass, CanvassAnswer, type CanvassAnswerFields, type CanvassFields } from '@/domain'
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
      if (!canvass || canvass.deletedAt || canvass.closedAt) return { path: ['canvassId'], message: 'canvass closed' }
      if (!canvass.households.some((h) => h.householdId === answer.householdId)) return { path: ['householdId'], message: 'household not in scope' }
      return null
    },
  })
