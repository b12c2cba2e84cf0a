import type { Dexie } from 'dexie'
import { shallowRef } from 'vue'
import { flushDrafts } from '@/app/forms/flush'

/** True once another tab upgraded (or deleted) the database: this tab can only go on after a reload. */
export const databaseReplaced = shallowRef(false)

/**
 * A newer version of the app, open in another tab, upgrades the database schema. IndexedDB holds the
 * upgrade until every other connection closes, and Dexie's default would close and then quietly reopen
 * this tab's connection on a schema its (older) code does not know. Instead this tab stores the drafts of
 * its open forms (the other tab waits meanwhile), closes for good, and asks the leader to reload into the
 * new version.
 */
export function closeOnVersionChange(database: Dexie) {
  database.on('versionchange', () => {
    databaseReplaced.value = true
    void flushDrafts().finally(() => database.close({ disableAutoOpen: true }))
    // Skips Dexie's own handler, which would allow the reopen.
    return false
  })
}
