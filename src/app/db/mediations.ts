import { Mediation, sessionsRefusal, type MediationFields } from '@/domain'
import type { DoorstepDatabase } from './database'
import { recordRepository } from './records'

/** A case's sessions are only ever appended to (as the server holds them: sessionsRefusal). */
export const mediationRepository = (db: DoorstepDatabase) =>
  recordRepository<Mediation, MediationFields>(db, 'mediations', Mediation, {
    tables: [db.mediations],
    async refusal(mediation) {
      const stored = await db.mediations.get(mediation.id)
      return stored && sessionsRefusal(stored.sessions, mediation.sessions) ? { path: ['sessions'], message: 'a session is never changed' } : null
    },
  })
