import { chinaDay } from '@/domain/days'
import { queries, useLiveQuery } from '@/app/db/read'

/** The leader's worklist for today (an Asia/Shanghai day, whatever the phone's time zone), live from IndexedDB. */
export function useWorklist() {
  return useLiveQuery(() => queries.worklist(chinaDay()))
}
