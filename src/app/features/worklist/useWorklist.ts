import { db } from '@/app/db/database'
import { useSettledLiveQuery } from '@/app/db/live'
import { readWorklist, WORKLIST_TABLES } from '@/app/db/worklist'
import { useChinaDay } from '@/app/ui/useChinaDay'

/**
 * The leader's worklist for today (an Asia/Shanghai day, whatever the phone's time zone), live from IndexedDB.
 * Not one of `queries`: those load with the first screen, and the worklist's rules follow it a moment later.
 * It reads every visit, so it settles rather than re-running for each page a sync writes (useSettledLiveQuery).
 */
export function useWorklist() {
  const today = useChinaDay()
  return useSettledLiveQuery(db, WORKLIST_TABLES, () => readWorklist(db, today.value), [today])
}
