import { Inspection, answersRefusal, type InspectionFields } from '@/domain'
import type { DoorstepDatabase } from './database'
import { recordRepository } from './records'

/** Inspections, whose answers must name items of the template version they follow, as the server requires. */
export const inspectionRepository = (db: DoorstepDatabase) =>
  recordRepository<Inspection, InspectionFields>(db, 'inspections', Inspection, {
    tables: [db.templates],
    async refusal(inspection) {
      const message = answersRefusal(inspection, await db.templates.get([inspection.templateId, inspection.templateVersion]))
      return message === null ? null : { path: ['answers'], message }
    },
  })
