import { Inspection, type InspectionFields } from '@/domain'
import type { DoorstepDatabase } from './database'
import { recordRepository } from './records'

export const inspectionRepository = (db: DoorstepDatabase) =>
  recordRepository<Inspection, InspectionFields>(db, 'inspections', Inspection)
