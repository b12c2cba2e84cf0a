import Dexie from 'dexie'
import { compareMediations, type IssueReport, type Mediation } from '@/domain'
import { db as appDb, type DoorstepDatabase } from './database'

/** The leader's mediation cases, from IndexedDB: they are made and kept offline. */
export function createMediationQueries(db: DoorstepDatabase) {
  return {
    /** The building's cases, open ones first, then the newest. */
    async ofBuilding(buildingId: string): Promise<Mediation[]> {
      const cases = await db.mediations.where('buildingId').equals(buildingId).toArray()
      return cases.filter((m) => !m.deletedAt).sort(compareMediations)
    },

    /** Every case this device holds (the office's: the community's), open ones first, then the newest. */
    async all(): Promise<Mediation[]> {
      return (await db.mediations.toArray()).filter((m) => !m.deletedAt).sort(compareMediations)
    },

    async get(id: string): Promise<Mediation | undefined> {
      const found = await db.mediations.get(id)
      return found && !found.deletedAt ? found : undefined
    },

    /** The report a case was made into, if any (reports are filed under the case's building). */
    issueOf(mediation: Pick<Mediation, 'id' | 'buildingId'>): Promise<IssueReport | undefined> {
      return db.issues
        .where('[buildingId+createdAt]')
        .between([mediation.buildingId, Dexie.minKey], [mediation.buildingId, Dexie.maxKey])
        .filter((r) => !r.deletedAt && r.source !== null && 'mediationId' in r.source && r.source.mediationId === mediation.id)
        .first()
    },
  }
}

export const mediationQueries = createMediationQueries(appDb)
