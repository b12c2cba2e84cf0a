import { db } from '@/app/db/database'
import { heldWhileSyncing, useLiveQuery } from '@/app/db/read'
import { readWorklist } from '@/app/db/worklist'
import { useChinaDay } from '@/app/ui/useChinaDay'

/**
 * The leader's worklist for today (an Asia/Shanghai day, whatever the phone's time zone), live from IndexedDB.
 * Not one of `queries`: those load with the first screen, and the worklist's rules follow it a moment later.
 */
export function useWorklist() {
  const today = useChinaDay()
  // It reads every visit: during a sync's pull it waits for the last page rather than re-reading after each.
  return useLiveQuery(() => readWorklist(db, today.value), [today], heldWhileSyncing)
}
