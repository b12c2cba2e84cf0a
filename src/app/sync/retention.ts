import { Dexie } from 'dexie'
import { chinaDay, chinaDayStart, photosOf, retainedOnPhone, retentionStart, type IssueReport, type User, type Visit } from '@/domain'
import type { DoorstepDatabase } from '@/app/db/database'

/*
 * Retention on a leader's phone (the rule is retainedOnPhone in src/domain/retention.ts): the sync engine
 * runs it over what the phone holds after a pull (see prune in ./engine), and on every pulled page, so that
 * a pull from scratch (a new sign-in, a change of buildings) never brings back what retention took. Only the server's copies
 * are judged: a record with a change in the outbox, a refusal kept for the leader, a version held back, or a
 * form open on it (a draft names it) stays, whatever its age. The photos of what leaves go with it, unless
 * something that stays names them. An office device keeps everything: the workspace reads the community's
 * reports from it.
 */

/** The tables a judgement reads: a transaction that prunes or drops on arrival must hold them all. */
export function retentionTables(db: DoorstepDatabase) {
  return [db.meta, db.outbox, db.rejections, db.held, db.drafts, db.communities, db.buildings, db.visits, db.issues]
}

interface Judge {
  today: string
  /** The months of the community of a building; null when the phone does not know it yet (then it keeps). */
  monthsOf(buildingId: string): number | null
  /** Records retention must not touch: in the outbox, refused, held back, or named by a draft. */
  protectedIds: Set<string>
}

/** What a judgement needs to know, read in the caller's transaction; null on a device that keeps everything. */
async function judge(db: DoorstepDatabase, now: number): Promise<Judge | null> {
  const user = (await db.meta.get('user'))?.value
  if (!user || (JSON.parse(user) as Pick<User, 'role'>).role !== 'leader') return null
  const [communities, buildings, outbox, rejections, held, drafts] = await Promise.all([
    db.communities.toArray(),
    db.buildings.toArray(),
    db.outbox.orderBy('recordId').uniqueKeys(),
    db.rejections.orderBy('recordId').uniqueKeys(),
    db.held.toCollection().primaryKeys(),
    db.drafts.toCollection().primaryKeys(),
  ])
  const months = new Map(communities.map((c) => [c.id, c.settings.retentionMonths]))
  const communityOf = new Map(buildings.map((b) => [b.id, b.communityId]))
  // Draft keys name the records their forms are about: visit:<id>, visit:follows:<id>, issue:<id>:comment …
  const drafted = drafts.flatMap((key) => key.split(':'))
  return {
    today: chinaDay(new Date(now)),
    monthsOf: (buildingId) => months.get(communityOf.get(buildingId) ?? '') ?? null,
    protectedIds: new Set([...outbox, ...rejections, ...held, ...drafted].map(String)),
  }
}

/** The newest visitedAt of each household's visits (deleted ones aside) on the phone, and among `more`. */
async function newestVisits(db: DoorstepDatabase, householdIds: Iterable<string>, more: readonly Visit[] = []): Promise<Map<string, string>> {
  const newest = new Map<string, string>()
  // All at once, not one after another: IndexedDB answers queued requests back to back, where awaiting each
  // costs a round trip (1–2 ms a household in Chromium).
  const households = [...new Set(householdIds)]
  const found = await Promise.all(
    households.map((householdId) =>
      db.visits
        .where('[householdId+visitedAt]')
        .between([householdId, Dexie.minKey], [householdId, Dexie.maxKey])
        .reverse()
        .filter((v) => !v.deletedAt)
        .first(),
    ),
  )
  found.forEach((local, i) => local && newest.set(households[i]!, local.visitedAt))
  for (const v of more) if (!v.deletedAt && v.visitedAt > (newest.get(v.householdId) ?? '')) newest.set(v.householdId, v.visitedAt)
  return newest
}

/**
 * Whether a record leaves the phone. `newest` holds the newest visit of the households concerned; without
 * it, every visit is judged as if it were not its household's newest (a first pass that finds the few
 * worth looking up).
 */
function leaves(j: Judge, table: 'visits' | 'issues', record: Visit | IssueReport, newest?: Map<string, string>): boolean {
  const months = j.monthsOf(record.buildingId)
  if (months === null || j.protectedIds.has(record.id)) return false
  const settings = { retentionMonths: months }
  if (table === 'issues') return !retainedOnPhone({ table, record: record as IssueReport }, settings, j.today)
  const visit = record as Visit
  const newestOfHousehold = !visit.deletedAt && newest?.get(visit.householdId) === visit.visitedAt
  return !retainedOnPhone({ table, record: visit, newestOfHousehold }, settings, j.today)
}

/** Of `records`, those that leave; a household's newest visit is looked up only for the visits old enough to go. */
async function leaving<R extends Visit | IssueReport>(db: DoorstepDatabase, j: Judge, table: 'visits' | 'issues', records: readonly R[], arriving: readonly Visit[] = []): Promise<R[]> {
  const old = records.filter((r) => leaves(j, table, r))
  if (table === 'issues' || !old.length) return old
  const newest = await newestVisits(db, old.map((v) => (v as Visit).householdId), arriving)
  return old.filter((r) => leaves(j, table, r, newest))
}

/**
 * Of the records a pull page brings (none with changes waiting: those are held back), those that may be
 * written, and the ids retention takes instead, local copies included. Call it inside the page's transaction.
 */
export async function judgeArrivals<R extends Visit | IssueReport>(
  db: DoorstepDatabase,
  table: 'visits' | 'issues',
  records: R[],
  now: number,
): Promise<{ write: R[]; drop: string[] }> {
  const j = records.length ? await judge(db, now) : null
  if (!j) return { write: records, drop: [] }
  const going = new Set(await leaving(db, j, table, records, table === 'visits' ? (records as Visit[]) : []))
  return { write: records.filter((r) => !going.has(r)), drop: [...going].map((r) => r.id) }
}

/**
 * Removes from the phone, in one transaction, the closed reports and visits retention no longer keeps, and
 * the photos only they named; answers how many records left. Only records older than the newest start of
 * the phone's communities are read (a record's last activity is never before its creation or its visit), so
 * a run with nothing old is cheap.
 */
export function pruneOldRecords(db: DoorstepDatabase, now: number): Promise<number> {
  return db.transaction('rw', [...retentionTables(db), db.inspections, db.attachments, db.photoCache], async () => {
    const j = await judge(db, now)
    if (!j) return 0
    const months = (await db.communities.toArray()).map((c) => c.settings.retentionMonths)
    if (!months.length) return 0
    const before = chinaDayStart(retentionStart(j.today, Math.min(...months)))
    const [visits, issues] = await Promise.all([db.visits.where('visitedAt').below(before).toArray(), db.issues.where('createdAt').below(before).toArray()])
    const going = [...(await leaving(db, j, 'visits', visits)), ...(await leaving(db, j, 'issues', issues))]
    if (!going.length) return 0
    const photos = await photosOnlyOf(db, going, now)
    await Promise.all([
      db.visits.bulkDelete(going.filter((r) => 'visitedAt' in r).map((r) => r.id)),
      db.issues.bulkDelete(going.filter((r) => !('visitedAt' in r)).map((r) => r.id)),
      db.attachments.bulkDelete(photos),
      db.photoCache.bulkDelete(photos.flatMap((sha256) => [[sha256, 'thumb'] as const, [sha256, 'full'] as const])),
    ])
    return going.length
  })
}

/** A photo stored this recently may belong to a form being filled in (picked again before its draft is saved). */
const FRESH_PHOTO_MS = 24 * 60 * 60 * 1000

/**
 * The photos that `going` names and nothing else on the phone does: no other record, queued change,
 * refusal, held version or form (a draft's data is searched for the hash). A photo is shared when a failed
 * inspection item became a report, or the same picture was attached twice.
 */
async function photosOnlyOf(db: DoorstepDatabase, going: Array<Visit | IssueReport>, now: number): Promise<string[]> {
  const only = new Set(going.flatMap((r) => photosOf(r)))
  if (!only.size) return []
  const goingIds = new Set(going.map((r) => r.id))
  // Any record: a template version in the outbox names no photos, and photosOf finds none in it.
  const named = (record: object) => photosOf(record as Parameters<typeof photosOf>[0]).forEach((sha256) => only.delete(sha256))
  for (const table of [db.visits, db.issues] as const) await table.each((r) => void (goingIds.has(r.id) || named(r)))
  await db.inspections.each(named)
  await db.outbox.each((e) => named(e.record))
  await db.rejections.each((r) => named(r.record))
  await db.held.each((h) => named(h.record))
  await db.drafts.each((d) => {
    const data = JSON.stringify(d.data) ?? ''
    for (const sha256 of [...only]) if (data.includes(sha256)) only.delete(sha256)
  })
  const fresh = await db.attachments.bulkGet([...only])
  return [...only].filter((_, i) => !fresh[i] || now - Date.parse(fresh[i].createdAt) >= FRESH_PHOTO_MS)
}
