import { Visit, type VisitFields } from '@/domain'
import type { DoorstepDatabase } from './database'
import { recordRepository } from './records'

export const visitRepository = (db: DoorstepDatabase) => recordRepository<Visit, VisitFields>(db, 'visits', Visit)
