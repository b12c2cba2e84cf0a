import { watch, type WatchSource } from 'vue'
import { db } from '@/app/db/database'
import { markIssuesSeen } from '@/app/db/issue-news'

/**
 * Marks the office's news on the leader's reports seen while a page shows them: all of them (the list), or
 * one (`issue`: its page). Again whenever `changed` changes, so that news arriving while the page is open is
 * seen too.
 */
export function useIssuesSeen(changed: WatchSource, issueId?: () => string): void {
  watch(
    changed,
    () => void markIssuesSeen(db, issueId?.()).catch((error: unknown) => console.warn('report news not marked seen', error)),
    { immediate: true },
  )
}
