import Dexie from 'dexie'
import type { Building, Household } from '@/domain'
import type { Canvass, CanvassAnswer } from '@/domain/canvass'
import { tallyCanvass, type CanvassTally } from '@/domain/canvass-tally'
import { db as appDb, type DoorstepDatabase } from './database'

/** A canvass with its figures, for lists. */
export interface CanvassItem {
  canvass: Canvass
  tally: CanvassTally
}

/** A canvass as its screen shows it: the building, the households in scope as the roster has them, every answer. */
export interface CanvassView extends CanvassItem {
  building: Building | undefined
  /** The households of the roster that are in scope, by id (one moved off the roster since is missing). */
  households: Map<string, Household>
  answers: CanvassAnswer[]
}

/** Open ones first, then the newest. */
const openFirst = (a: Canvass, b: Canvass) => Number(Boolean(a.closedAt)) - Number(Boolean(b.closedAt)) || b.createdAt.localeCompare(a.createdAt)

/** The leader's canvasses, all from IndexedDB: they are opened and answered offline. */
export function createCanvassQueries(db: DoorstepDatabase) {
  /** Every answer to the canvass, earlier ones included (each household's history). */
  const answersOf = (canvassId: string): Promise<CanvassAnswer[]> =>
    db.canvassAnswers
      .where('[canvassId+householdId]')
      .between([canvassId, Dexie.minKey], [canvassId, Dexie.maxKey])
      .filter((a) => !a.deletedAt)
      .toArray()
  const withTally = async (canvass: Canvass): Promise<CanvassItem> => ({ canvass, tally: tallyCanvass(canvass, await answersOf(canvass.id)) })

  return {
    answersOf,

    /** A building's canvasses with their figures, open ones first. */
    async ofBuilding(buildingId: string): Promise<CanvassItem[]> {
      const canvasses = await db.canvasses.where('buildingId').equals(buildingId).filter((c) => !c.deletedAt).toArray()
      return Promise.all(canvasses.sort(openFirst).map(withTally))
    },

    /** Open canvasses on this phone (the leader's buildings), with each building. */
    async open(): Promise<{ canvass: Canvass; building: Building | undefined }[]> {
      const canvasses = await db.canvasses.filter((c) => !c.deletedAt && !c.closedAt).toArray()
      const buildings = await db.buildings.bulkGet(canvasses.map((c) => c.buildingId))
      return canvasses.sort(openFirst).map((canvass, i) => ({ canvass, building: buildings[i] }))
    },

    async view(id: string): Promise<CanvassView | undefined> {
      const canvass = await db.canvasses.get(id)
      if (!canvass || canvass.deletedAt) return undefined
      const [building, households, answers] = await Promise.all([
        db.buildings.get(canvass.buildingId),
        db.households.bulkGet(canvass.households.map((h) => h.householdId)),
        answersOf(id),
      ])
      return {
        canvass,
        tally: tallyCanvass(canvass, answers),
        building,
        households: new Map(households.flatMap((h) => (h ? [[h.id, h]] : []))),
        answers,
      }
    },
  }
}

export const canvassQueries = createCanvassQueries(appDb)
