import type { IssueReport } from '@/domain'
import { reportsWithNews, seeing, type IssuesSeen } from '@/app/features/issues/news'
import type { DoorstepDatabase } from './database'

/*
 * Where the leader's "seen" marks of report news live: one meta row (`issuesSeen`), JSON of the user's id
 * and their IssuesSeen. The marks are made after the phone's first full sync with everything on it counted
 * as seen: a new sign-in (another leader on a handed-down phone too) must not greet the leader with years of
 * old progress as news.
 */

interface StoredSeen {
  userId: string
  seen: IssuesSeen
}

/** The signed-in user and their marks (null before they are made, or when they are another user's). */
async function read(db: DoorstepDatabase): Promise<{ userId: string | null; seen: IssuesSeen | null }> {
  const [row, user] = await Promise.all([db.meta.get('issuesSeen'), db.meta.get('userId')])
  const stored = row ? (JSON.parse(row.value) as StoredSeen) : null
  const userId = user?.value ?? null
  return { userId, seen: stored && stored.userId === userId ? stored.seen : null }
}

const ownReports = (db: DoorstepDatabase, userId: string): Promise<IssueReport[]> => db.issues.filter((r) => r.createdBy === userId).toArray()

const write = (db: DoorstepDatabase, userId: string, seen: IssuesSeen) =>
  db.meta.put({ key: 'issuesSeen', value: JSON.stringify({ userId, seen } satisfies StoredSeen) })

/** The leader's reports with news (a live query's body); none until the marks are made. */
export async function issueNews(db: DoorstepDatabase): Promise<IssueReport[]> {
  const { userId, seen } = await read(db)
  if (!userId || !seen) return []
  return reportsWithNews(await ownReports(db, userId), userId, seen)
}

/** Makes the marks, everything on the phone seen, once the first full sync has brought it all. */
export function startIssueNews(db: DoorstepDatabase): Promise<void> {
  return db.transaction('rw', db.meta, db.issues, async () => {
    const [{ userId, seen }, fullSync] = await Promise.all([read(db), db.meta.get('lastFullSyncAt')])
    if (!userId || seen || !fullSync) return
    await write(db, userId, seeing(await ownReports(db, userId), {}))
  })
}

/** Marks the news seen: of one report (its page is open), or of all (the list is open). */
export function markIssuesSeen(db: DoorstepDatabase, issueId?: string): Promise<void> {
  return db.transaction('rw', db.meta, db.issues, async () => {
    const { userId, seen } = await read(db)
    if (!userId || !seen) return
    const looked = issueId === undefined ? await ownReports(db, userId) : [await db.issues.get(issueId)].filter((r) => r?.createdBy === userId)
    const next = seeing(looked as IssueReport[], seen)
    // Unchanged marks are not written: every screen watching meta would wake for nothing.
    if (Object.keys(next).some((id) => next[id] !== seen[id])) await write(db, userId, next)
  })
}
