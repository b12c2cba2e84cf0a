import { queries, useLiveQuery } from '@/app/db/read'

/**
 * The sync state of the records a screen shows, live: one read for a whole list, refreshed when a save,
 * a sync run or a pull touches them, and when the list itself changes.
 */
export function useSyncStates(ids: () => string[]) {
  return useLiveQuery(() => queries.recordSyncStates(ids()), [() => ids().join()])
}
