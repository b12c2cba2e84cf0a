import {
  MISSING_MAX_HASHES,
  PROTOCOL_VERSION,
  PULL_SCHEMAS,
  PULL_TABLES,
  PUSH_MAX_BYTES,
  PUSH_MAX_MUTATIONS,
  RECORD_TABLES,
  chinaDay,
  sentMutation,
  photosOf,
  type Change,
  type ChecklistTemplate,
  type EchoStamps,
  type FieldConflict,
  type IssueReport,
  type Mutation,
  type MutationAnswer,
  type OutboxChange,
  type PullResponse,
  type PullTable,
  type RecordTable,
  type Visit,
} from '@/domain'
import type { DoorstepDatabase, HeldChange, Rejection, SyncedRecord } from '@/app/db/database'
import { isQuotaExceeded } from '@/app/db/errors'
import { APP_VERSION } from '@/app/version'
import { madeAhead } from './ahead'
import { SessionError, TransportError, type SyncErrorCode, type SyncErrorInfo } from './errors'
import { deviceHealth, readStorageState, type StorageState } from './health'
import { withSyncLock } from './lock'
import { toMutation, type QueuedEntry } from './mutations'
import { refreshMenteeViews } from './mentees'
import { judgeArrivals, pruneOldRecords, retentionTables } from './retention'
import { epochChanged, replayAfterRestore } from './restore'
import { endAsOfficeAsked, readSession, sessionTransport, type StoredSession } from './session'
import type { EncodedPush, PushBatch, SyncTransport } from './transport'

/**
 * The device's sync engine: drains the outbox to the server, then pulls what changed. The traps it avoids:
 *
 * - **Nothing lost, nothing twice.** An outbox entry leaves the outbox only in the transaction that records
 *   the server's answer to it. A batch whose answer never arrives (timeout, dropped connection) stays whole
 *   and goes again; the server answers the mutations it had already applied `duplicate`. Batches are read and
 *   their requests built ahead, and each request leaves as soon as the one before is answered: the answers are
 *   settled in a chain behind the requests, in answer order, those that arrived during one settling together in
 *   the next. A settling that fails ends the run; the batches answered behind it go again.
 * - **One bad mutation never blocks the queue.** A refused mutation leaves the outbox with its reason in
 *   `rejections`; the record stays on the phone as the leader saved it.
 * - **Local changes stay on top.** Pull never overwrites a record that has changes waiting: the server's
 *   version is held back (`held`) until the server has answered those changes, then replaces the local copy
 *   unless the answer is newer (in which case the next pull brings the server's merged version).
 * - **A push's own changes stay home.** The answers' stamps make the phone's copy the server's, so pull asks
 *   the server to leave those revisions out (`echoes=skip`); anything else the server wrote comes back. Only
 *   a stamped answer's revision is taken: the server reads a put's base revision as what the phone holds.
 * - **A page and its cursor are one.** Each pull page is written in the same transaction as its cursor (or a
 *   later page's: the pages that arrived while the one before was written go together), so a run cut short
 *   resumes after the last page written, never before it (twice) nor after it (a gap).
 * - **Batches fit the network.** They start at 64 KB on the wire (and the server's count), halve on a timeout
 *   or a 413 and double after each success, up to the server's limits. A single mutation larger than the server
 *   takes is refused locally (`too_large`) rather than retried for ever.
 * - **Retries back off.** After a failed run the next automatic one waits an exponentially growing delay
 *   with jitter (so that a hundred phones coming back online together do not retry in step).
 * - **The office hears how the phone stands.** Each run that reached the server ends by reporting the phone's
 *   health (app version, what waits in the outbox, storage): best effort, as a lost report must never turn
 *   a good run into a failed one, and the next run reports again.
 * - **Old work leaves a leader's phone.** After a pull (once a day, or when it brought anything), closed
 *   reports and visits older than the community keeps them on phones are removed (./retention), and a page
 *   never writes one back; anything not yet on the server, refused, or open in a form stays.
 * - **One session per run.** A run reads the stored session once and speaks for it throughout: a sign-in
 *   landing mid-run (another tab) never mixes one session's token with another's device id. A new session
 *   starts with fresh batch sizes and backoff, as a new network and server may behave otherwise.
 * - **A restored server loses nothing.** Answered `epoch_changed` (the server's database was restored from an
 *   older backup), the phone sends every record of its leader's again and pulls from the beginning (./restore.ts).
 * - **The office may end the session.** Answered `device_wiped`, the phone empties itself at once, unsent
 *   changes and all (a lost phone's: the server took nothing of that request). Answered
 *   `device_signed_out`, where the push was still taken, it empties itself once the outbox is empty; a
 *   change saved during the run is pushed by the next run first.
 */

export interface SyncEngineOptions {
  db: DoorstepDatabase
  /** The transport speaking for a session; called at the start of each run with the session stored then. */
  transport: (session: StoredSession) => SyncTransport
  /** Milliseconds since the epoch; tests pass a fake clock. */
  now?: () => number
  /** In [0, 1): the jitter of the backoff. */
  random?: () => number
  /** Wait for another tab's (or the worker's) run to finish instead of leaving it the work. */
  waitForLock?: boolean
  pullLimit?: number
  /** The version reported to the server; the build's by default. */
  appVersion?: string
  /** The phone's storage as the browser tells it; navigator.storage by default. */
  storage?: () => Promise<StorageState>
}

export type SyncOutcome =
  | { status: 'done'; pushed: number; rejected: number; pulled: number; skipped: number }
  /** Another tab or the service worker is syncing this device right now. */
  | { status: 'busy' }
  /** Nobody is signed in, or the server no longer accepts the token: local work goes on, sync waits. */
  | { status: 'signed_out' }
  /** The app is locked (src/app/lock): sealed work can be neither read nor written until the PIN is typed. */
  | { status: 'locked' }
  | { status: 'failed'; error: SyncErrorInfo; nextRetryAt: number | null }

export interface SyncEngine {
  /** One run: push, then pull. Calls during a run get that run's outcome, and one more run follows it. */
  sync(): Promise<SyncOutcome>
  /** When automatic runs may try again after a failure (null: any time). */
  readonly nextRetryAt: number | null
  /** The current batch limits: they adapt to the network. */
  readonly batch: Readonly<Limits>
  /**
   * Fetches the first pages of the stored session's first pull into memory, before its first run may start (a
   * new phone's PIN offer: what the pull writes is sealed as it lands, so nothing is written until then).
   */
  fetchFirstPages(): Promise<void>
  /** Drops the pages fetched by fetchFirstPages (a sign-out). */
  dropFirstPages(): void
}

/**
 * The first batch is held by its body's bytes on the wire, as the time limit is: 64 KB, which even a weak signal
 * (50 kbps) carries in some 10 s of the 20 s limit. Its JSON's bytes tell that only roughly (gzip shrinks a
 * batch of visits ninefold, one of long notes twofold), and a count below the server's held back only batches of
 * small records, that carry fastest: 1,000 visits (about 70 KB) went in three requests (200, 400, 400), a round
 * trip each, where two do.
 */
export const INITIAL_BATCH = { count: PUSH_MAX_MUTATIONS, bytes: 512 * 1024, wire: 64 * 1024 }
/** Batches read, and their requests built, ahead of the one being sent (see batchesAhead). */
const PUSH_AHEAD = 2
/** Batches that may wait answered but unsettled (see settlements): what a failed settling sends again. */
export const SETTLE_LAG = 4
/** Room for the request's envelope around the mutations. */
const MAX_BATCH_BYTES = PUSH_MAX_BYTES - 16 * 1024
const MIN_BATCH_BYTES = 16 * 1024
export const BACKOFF = { baseMs: 5_000, maxMs: 15 * 60_000 }
const DEFAULT_PULL_LIMIT = 500
/** Pages fetched ahead of the one being written; as many may go into one transaction (see pagesAhead). */
const PULL_AHEAD = 4
const HEALTH_REPEAT_MS = 15 * 60_000
/** How often a phone holding no mentee's copy asks whether it has one now (see refreshMentees). */
export const MENTEES_REPEAT_MS = 10 * 60_000
/** Failures after which a health report would not get through either (or, throttled, should not try). */
const UNREACHED: readonly SyncErrorCode[] = ['offline', 'timeout', 'throttled', 'unauthorized', 'password_change', 'ended_by_office']

const REFERENCE_TABLES = PULL_TABLES.filter((t): t is Exclude<PullTable, RecordTable> => !(RECORD_TABLES as readonly string[]).includes(t))

/** How many mutations a batch may hold, how many bytes of JSON (the server's limit), and of body on the wire. */
interface Limits {
  count: number
  bytes: number
  wire: number
}

/** Outbox entries that fit a batch's limits, their mutations, and those mutations' size. */
interface Fitted {
  entries: QueuedEntry[]
  mutations: Mutation[]
  /** Each mutation's JSON in UTF-8, made to measure it: the request's body is built of these (SyncTransport.encodePush). */
  json: Uint8Array[]
  bytes: number
}

/** A batch read from the outbox, its request built. */
interface Prepared extends Fitted {
  request: PushBatch
  encoded: EncodedPush | undefined
  /** The body's bytes on the wire (see onTheWire). */
  wire: number
}

/** The server's answer to a mutation, or the device's own refusal of one the server can never take. */
type Answer = MutationAnswer | { status: 'rejected'; code: 'too_large'; message: string }

/** What the answers of one batch say of one record. */
interface Answered {
  table: RecordTable
  rev: number | null
  conflicts: FieldConflict[]
  /**
   * The stamps of its last answer (EchoStamps), which the server makes whole for a device that settles those
   * alone: an earlier answer's could undo a later put. Pull will not bring that revision back.
   */
  stamps: EchoStamps
  /**
   * Whether every answer was an exact echo (stamps, no conflict). Any other answer's revision holds what the
   * phone does not (another device's edit merged in, the office's): the phone keeps its older revision, so that
   * pull brings that one whole and the server never takes this copy for it.
   */
  whole: boolean
}

/** What settling a batch reads before it writes (see readForSettling). */
interface SettlingRead {
  /** The records with later changes waiting in the outbox. */
  waiting: Set<string>
  held: Map<string, HeldChange>
  stored: Map<string, SyncedRecord>
}

/** A pull page, its records checked against their tables' schemas on arrival (see checkPage). */
interface CheckedPage {
  page: PullResponse
  /** The records that passed, by table, each with its revision: what the page writes. */
  records: Map<PullTable, Record<string, unknown>[]>
  /** The changes that failed their schema: counted and logged, never written. */
  failed: Change[]
}

/** Pull pages fetched, and checked, ahead of their writing (see pagesAhead). */
type Pages = ReturnType<typeof madeAhead<{ checked: Promise<CheckedPage> }>>

/**
 * After the tasks already queued: what is queued now goes first. A message, not a timer: a hidden page's timers
 * wait for the next whole second, and a pull goes on in a tab the leader switched away from.
 */
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    const { port1, port2 } = new MessageChannel()
    port1.onmessage = () => {
      port1.close()
      resolve()
    }
    port2.postMessage(null)
  })
}

const encoder = new TextEncoder()

/**
 * A built body's bytes on the wire: gzip's, or the text's (a small body goes plain). 0 when the transport builds
 * the body only as it sends it (a test double): the JSON's bytes alone limit the batch then.
 */
function onTheWire(encoded: EncodedPush | undefined): number {
  if (typeof encoded?.body === 'string') return encoder.encode(encoded.body).length
  return ArrayBuffer.isView(encoded?.body) ? encoded.body.byteLength : 0
}

/** A page's records against their tables' schemas; one malformed record must not stop every later page. */
function checkPage(page: PullResponse): CheckedPage {
  const records = new Map<PullTable, Record<string, unknown>[]>()
  const failed: Change[] = []
  for (const change of page.changes) {
    // A deleted reference row only needs its key; a record's tombstone is a whole record, and is kept.
    const parsed =
      change.record.deletedAt && !isRecordTable(change.table) ? { success: true, data: change.record } : PULL_SCHEMAS[change.table].safeParse(change.record)
    if (!parsed.success) {
      failed.push(change)
      continue
    }
    const list = records.get(change.table) ?? []
    records.set(change.table, list)
    // The parsed record is this page's own: it takes the revision as it is, not in a third copy of every record.
    const record = parsed.data as Record<string, unknown>
    record.rev = change.rev
    list.push(record)
  }
  return { page, records, failed }
}

/** A pulled row's key in its table: templates are kept per version, the rest by id. */
function rowKey(table: PullTable, row: Record<string, unknown>): string | [string, number] {
  return table === 'templates' ? [row.id as string, row.version as number] : (row.id as string)
}

/** Which session a run, or pages fetched for one, speak for. */
const keyOf = ({ serverUrl, token }: Pick<StoredSession, 'serverUrl' | 'token'>) => `${serverUrl} ${token}`

const isRecordTable = (table: PullTable): table is RecordTable => (RECORD_TABLES as readonly string[]).includes(table)

/** A refusal is superseded by a later success of the same kind: a put by a put or delete, a status by a status … Comments never are. */
function supersedes(success: OutboxChange['kind'], refused: OutboxChange['kind']): boolean {
  const group = (kind: OutboxChange['kind']) => (kind === 'put' || kind === 'delete' ? 'record' : kind)
  return success !== 'issue.comment' && group(success) === group(refused)
}

/** What the answers of a batch say of each of its records (templates have no revision to settle). */
function answeredRecords(entries: QueuedEntry[], results: Answer[]): Map<string, Answered> {
  const outcome = new Map<string, Answered>()
  for (const [i, entry] of entries.entries()) {
    if (entry.table === 'templates') continue
    const result = results[i]!
    const record = outcome.get(entry.recordId) ?? { table: entry.table, rev: null, conflicts: [], stamps: {}, whole: true }
    outcome.set(entry.recordId, record)
    if (result.status === 'rejected') continue
    if (result.rev !== null) record.rev = Math.max(record.rev ?? 0, result.rev)
    if (result.status === 'conflict') record.conflicts.push(...result.conflicts)
    const stamps = result.status !== 'conflict' ? result.stamps : undefined
    record.stamps = stamps ?? {}
    record.whole &&= stamps !== undefined
  }
  return outcome
}

/** The copy an answered record settles to (`kept`: the version pull held for it), or none to write. */
function settledCopy(answered: Answered, found: SyncedRecord | undefined, kept: HeldChange | undefined): SyncedRecord[] {
  if (kept && (answered.rev === null || kept.rev >= answered.rev)) return [kept.record]
  if (answered.rev === null || !found) return []
  const known = new Set(found.conflicts.map((c) => `${c.mutationId} ${c.field}`))
  const conflicts = [...found.conflicts, ...answered.conflicts.filter((c) => !known.has(`${c.mutationId} ${c.field}`))]
  if (!answered.whole) return conflicts.length > found.conflicts.length ? [{ ...found, conflicts }] : []
  // Stamps older than the copy (a newer revision settled already) would take it back.
  const local = answered.rev >= (found.rev ?? 0) ? ({ ...found, ...answered.stamps } as SyncedRecord) : found
  return [{ ...local, rev: Math.max(local.rev ?? 0, answered.rev), conflicts }]
}

/** Creates the engine over one database and one transport (one signed-in session). */
export function createSyncEngine(options: SyncEngineOptions): SyncEngine {
  const { db, now = Date.now, random = Math.random, waitForLock = false, pullLimit = DEFAULT_PULL_LIMIT, appVersion = APP_VERSION, storage = readStorageState } = options
  const batch = { ...INITIAL_BATCH }
  /** What the last health report said and when it went (see reportHealth). */
  let lastHealth: { key: string; at: number } | null = null
  /** The run's transport, made for the session it read. */
  let transport: SyncTransport
  /** Which session the adaptive state below (batch sizes, backoff, known uploads) was learnt with. */
  let sessionKey: string | null = null
  const uploaded = new Set<string>()
  const refusedUploads = new Set<string>()
  let failures = 0
  /** Whether the current run got anything through: a failure after progress is a new failure, not a repeat. */
  let progressed = false
  /**
   * Whether this run left an echo's stamps unsettled (its record had changes still waiting, which may yet be
   * refused): its pull then asks for the echoes too, and holds them back as for any record with changes waiting.
   */
  let stampsLeft = false
  /** Whether this run has set `syncing` in meta (see applyPages), which holds the live summaries until its end. */
  let marked = false
  /** This run's asking for the mentor's copies (see pushAndPull), which the run's end awaits. */
  let mentees: Promise<void> = Promise.resolve()
  let nextRetryAt: number | null = null
  /** The China day old work last left the phone (see prune). */
  let prunedOn: string | null = null
  /** When this session last asked for the mentor's copies (see refreshMentees). */
  let menteesAskedAt: number | null = null
  let current: Promise<SyncOutcome> | null = null
  let again = false
  /**
   * The first pages of a session's first pull, fetched before its first run (see fetchFirstPages): the next run
   * that reaches its push takes them, and its pull writes them only if they are still that run's first pages — the
   * same session, no cursor stored, no run ended since in any tab or the worker (`runs`: each writes its end), and
   * a push that sent nothing — so that no page predates a change of this phone's.
   */
  let firstPages: { key: string; runs: string; pages: Pages } | null = null

  const iso = () => new Date(now()).toISOString()
  const recordTable = (table: RecordTable) => db.table<SyncedRecord, string>(table)

  function sync(): Promise<SyncOutcome> {
    if (current) {
      again = true
      return current
    }
    current = (async () => {
      try {
        let outcome: SyncOutcome
        do {
          again = false
          const locked = await withSyncLock(run, { wait: waitForLock })
          outcome = locked === 'busy' ? { status: 'busy' } : locked
        } while (again && outcome.status === 'done')
        return outcome
      } finally {
        current = null
      }
    })()
    return current
  }

  async function run(): Promise<SyncOutcome> {
    // Under the sync lock a mark left by a run that died (its tab closed, its worker stopped) is stale: the
    // summaries it holds would stay frozen.
    await endSyncing()
    // A PIN chosen in another context since this one read the phone as unlocked-for-good would have this run
    // write in clear: a keyring this context holds no key for is a locked phone (choosing takes this same lock).
    if (db.sealing.state === 'locked' || (db.sealing.state === 'plain' && (await db.meta.get('keyring')))) return { status: 'locked' }
    const session = await readSession(db)
    if (!session) {
      nextRetryAt = null
      return { status: 'signed_out' }
    }
    startSession(session)
    transport = options.transport(session)
    progressed = false
    stampsLeft = false
    marked = false
    // What the server had is asked again in every run: a photo uploaded in an earlier run that no record named
    // since may have been swept from the server (after a day), and must go again rather than be named missing.
    uploaded.clear()
    mentees = Promise.resolve()
    let outcome: SyncOutcome
    try {
      let synced: Awaited<ReturnType<typeof pushAndPull>>
      try {
        synced = await pushAndPull(session)
      } catch (error) {
        if (!epochChanged(error)) throw error
        // The server was restored from a backup: all this phone holds goes again, then a whole pull. The
        // replays carry no epoch and the pull no cursor, so the server cannot refuse them this way twice.
        await replayAfterRestore(db, iso())
        synced = await pushAndPull(session)
      }
      const { pushed, rejected, pulled, skipped, complete, settingsArrived } = synced
      await prune(settingsArrived)
      failures = 0
      nextRetryAt = null
      const at = iso()
      await db.transaction('rw', db.meta, async () => {
        await db.meta.put({ key: 'lastSuccessAt', value: at })
        // Push ends only with the outbox drained; pull may stop short (an empty page that claims more).
        if (complete) await db.meta.put({ key: 'lastFullSyncAt', value: at })
        if (rejected) await db.meta.put({ key: 'lastError', value: JSON.stringify({ code: 'rejected', message: `${rejected} refused`, at } satisfies SyncErrorInfo) })
        else await db.meta.delete('lastError')
        // The summaries re-run only now: on home the worklist's read of every visit, begun after the last page,
        // would hold old work's removal (a write over the visits) and the run's end behind it (0.2–0.6 s in Chromium).
        if (marked) await db.meta.delete('syncing')
      })
      outcome = { status: 'done', pushed, rejected, pulled, skipped }
    } catch (error) {
      outcome = await failed(error, session.token)
    } finally {
      await endSyncing()
      // Asked during the pull; awaited past the summaries' hold, which a slow answer would otherwise prolong.
      await mentees
    }
    if (outcome.status === 'done' || !UNREACHED.includes(outcome.error.code)) await reportHealth()
    return outcome
  }

  async function pushAndPull(session: StoredSession) {
    const fetched = await takeFirstPages(session)
    try {
      const pushed = await push(session.deviceId)
      // The mentor's copies owe nothing to what the pull brings: asked once its first page shows the server is
      // there, their answer comes while the pull runs rather than after it, behind the screens' live queries that
      // re-run when the pull ends (0.2–0.6 s of a first pull in Chromium).
      return { ...pushed, ...(await pull(pushed.pushed ? null : fetched, () => (mentees = refreshMentees(session.token)))) }
    } finally {
      fetched?.stop()
    }
  }

  async function fetchFirstPages() {
    const session = await readSession(db)
    const fresh = session && !(await db.meta.get('cursor'))
    const runs = await runsEnded()
    // Dropped only now: a call made meanwhile may have fetched pages of its own.
    dropFirstPages()
    if (!fresh) return
    // Asked for the pages a pull from no cursor asks first; as in a run, up to PULL_AHEAD of them, then it waits.
    firstPages = { key: keyOf(session), runs, pages: pagesAhead(null, true, options.transport(session)) }
  }

  /** Where the runs of every tab and the worker last ended: it changes with each run that reaches its push. */
  async function runsEnded(): Promise<string> {
    const [success, error] = await db.meta.bulkGet(['lastSuccessAt', 'lastError'])
    return JSON.stringify([success?.value, error?.value])
  }

  function dropFirstPages() {
    firstPages?.pages.stop()
    firstPages = null
  }

  /** The pages fetched before this run for its session's first pull, or null; no later run may take them. */
  async function takeFirstPages(session: StoredSession): Promise<Pages | null> {
    const taken = firstPages
    firstPages = null
    if (!taken) return null
    if (taken.key === keyOf(session) && taken.runs === (await runsEnded())) return taken.pages
    taken.pages.stop()
    return null
  }

  /**
   * Tells the server how this phone stands; a failure is only logged (the next run reports again). The
   * minute's live poll would report each time: a report that says what the last one said (bar the time of
   * the last full sync) waits until HEALTH_REPEAT_MS have passed.
   */
  async function reportHealth() {
    try {
      const health = await deviceHealth(db, appVersion, await storage())
      const { lastFullSyncAt: _at, ...standing } = health
      const key = JSON.stringify(standing)
      if (lastHealth && lastHealth.key === key && now() - lastHealth.at < HEALTH_REPEAT_MS) return
      await transport.reportHealth(health)
      lastHealth = { key, at: now() }
    } catch (error) {
      // A report lost on the way is as expected as the network it rode on; anything else is a bug worth seeing.
      if (!(error instanceof TransportError)) console.warn('health report failed', error)
    }
  }

  /**
   * Old work leaves the phone once a day, and when the community's settings arrive (a shorter time to keep):
   * the minute's live poll does not read the old records each time. What a pull brings is judged on arrival.
   * Best effort: a run that pushed and pulled is not failed by it, and the next run tries again.
   */
  async function prune(settingsArrived: boolean) {
    const today = chinaDay(new Date(now()))
    if (!settingsArrived && prunedOn === today) return
    try {
      await pruneOldRecords(db, now())
      prunedOn = today
    } catch (error) {
      console.error('old records not removed', error)
    }
  }

  /**
   * The mentor's copies of their mentees' worklists (./mentees.ts), while the pull runs. Never throws (best
   * effort: a run that pushed and pulled is not failed by them, and the last copies stay). A mentor's phone asks
   * at every run, as the mentees' work moves; most leaders mentor nobody, and the minute's live poll would ask
   * each time for an empty answer, so a phone holding no copy asks at a session's first run and then every
   * MENTEES_REPEAT_MS.
   */
  async function refreshMentees(token: string) {
    try {
      if (menteesAskedAt !== null && now() - menteesAskedAt < MENTEES_REPEAT_MS && !(await db.menteeViews.count())) return
      menteesAskedAt = now()
      await refreshMenteeViews(db, transport, token)
    } catch (error) {
      // Offline, or a server without pairings yet: the copies wait for a later run. Anything else is a bug.
      if (!(error instanceof TransportError)) console.warn('mentee copies not refreshed', error)
    }
  }

  /** A new sign-in (or another server) starts from the initial batch and no backoff, knowing of no refused upload. */
  function startSession(session: StoredSession) {
    const key = keyOf(session)
    if (key === sessionKey) return
    sessionKey = key
    prunedOn = null
    menteesAskedAt = null
    Object.assign(batch, INITIAL_BATCH)
    refusedUploads.clear()
    failures = 0
    nextRetryAt = null
  }

  /** Records why the run stopped; a refused token ends the session, anything else is retried later. */
  async function failed(error: unknown, token: string): Promise<Extract<SyncOutcome, { status: 'failed' }>> {
    const info: SyncErrorInfo =
      error instanceof TransportError
        ? { code: error.code, message: error.message, at: iso() }
        : { code: isQuotaExceeded(error) ? 'storage_full' : 'unknown', message: String(error), at: iso() }
    if (info.code === 'unknown') console.error('sync failed', error)
    const ended = error instanceof TransportError ? error.details.apiError : undefined
    if (ended === 'device_wiped' || ended === 'device_signed_out') {
      let notice: SyncErrorInfo | null
      try {
        notice = await endAsOfficeAsked(db, ended, token, iso())
      } catch (refusal) {
        if (!(refusal instanceof SessionError)) throw refusal
        // Signed out with a change saved during this run: the next run pushes it, then empties the phone.
        return retryLater(error, info)
      }
      const emptiedBefore = !notice && !(await db.meta.get('token'))
      if (notice || emptiedBefore) {
        nextRetryAt = null
        // Emptied already (the worker's check-in, another tab heard it first): its notice stays as it left it.
        return { status: 'failed', error: notice ?? { code: 'ended_by_office', message: ended, at: iso() }, nextRetryAt }
      }
      // Another tab has signed in since: its session stays, as below.
    }
    if (info.code === 'password_change') {
      // Not a broken sync: nothing goes through until the leader sets a password of their own (/password),
      // and retrying on a timer would only repeat the refusal. The token and the outbox stay.
      nextRetryAt = null
      await db.meta.put({ key: 'lastError', value: JSON.stringify(info) })
      return { status: 'failed', error: info, nextRetryAt }
    }
    if (info.code === 'unauthorized') {
      // The outbox stays: it goes out after the next sign-in. Only the token, which no longer works, goes —
      // unless another tab has signed in again meanwhile, and the stored token is a new one.
      await db.transaction('rw', db.meta, async () => {
        if ((await db.meta.get('token'))?.value === token) await db.meta.delete('token')
        await db.meta.put({ key: 'lastError', value: JSON.stringify(info) })
      })
      nextRetryAt = null
      return { status: 'failed', error: info, nextRetryAt }
    }
    return retryLater(error, info)
  }

  /** Keeps why the run failed, and when the next automatic one may try. */
  async function retryLater(error: unknown, info: SyncErrorInfo): Promise<Extract<SyncOutcome, { status: 'failed' }>> {
    // On a weak network every run may fail part-way; backing off further after one that moved data would
    // stall a queue that is draining, so the delay grows only while nothing gets through.
    failures = progressed ? 1 : failures + 1
    // Equal jitter: at least half the exponential delay, so retries never bunch up at zero.
    const cap = Math.min(BACKOFF.maxMs, BACKOFF.baseMs * 2 ** (failures - 1))
    const retryAfter = error instanceof TransportError ? (error.details.retryAfterMs ?? 0) : 0
    nextRetryAt = now() + Math.max(retryAfter, cap / 2 + random() * (cap / 2))
    await db.meta.put({ key: 'lastError', value: JSON.stringify(info) })
    return { status: 'failed', error: info, nextRetryAt }
  }

  /**
   * A run cut short here, or in a context closed in the middle of one (a tab, the worker), leaves `syncing`
   * set, which would hold the summaries: every run ends with it gone. Read first, as a delete alone would
   * wake the summaries' live queries after every run.
   */
  async function endSyncing() {
    try {
      await db.transaction('rw', db.meta, async () => {
        if (await db.meta.get('syncing')) await db.meta.delete('syncing')
      })
    } catch (error) {
      console.error('syncing mark not cleared', error)
    }
  }

  // ---- push ----

  async function push(deviceId: string): Promise<{ pushed: number; rejected: number }> {
    let pushed = 0
    // The revisions the outbox's base revisions belong to; a restored server refuses them (./restore.ts).
    const epoch = (await db.meta.get('epoch'))?.value
    /** A batch's request, its body built (JSON, gzip) as it is read: a batch read ahead goes out ready. */
    const prepare = async (read: Fitted): Promise<Prepared> => {
      const request: PushBatch = { protocol: PROTOCOL_VERSION, deviceId, ...(epoch && { epoch }), mutations: read.mutations }
      const encoded = await transport.encodePush?.(request, read.json)
      return { ...read, request, encoded, wire: onTheWire(encoded) }
    }
    const settled = settlements()
    let batches = batchesAhead(prepare, { ...batch })
    try {
      for (;;) {
        let next = await batches.take()
        if (!next) {
          // A read ahead misses what was saved after it: the outbox is read again from the start once all is settled.
          await settled.done()
          batches = batchesAhead(prepare, { ...batch })
          next = await batches.take()
          if (!next) return { pushed, rejected: settled.rejected }
        }
        const { entries, bytes, wire, request, encoded } = next
        await settled.room()
        await uploadPhotos(entries)
        let results: MutationAnswer[]
        try {
          results = (await transport.push(request, encoded)).results
        } catch (error) {
          // The batches read ahead are dropped (their entries leave the outbox only with their own answers), and
          // what was answered is settled first: what follows reads the outbox again, or ends the run (`finally`).
          batches.stop()
          if (!(error instanceof TransportError && error.code === 'too_large')) {
            // The request's error is the run's, even when a settling failed meanwhile (its batch goes again).
            if (error instanceof TransportError && error.code === 'timeout') shrink(batch)
            throw error
          }
          await settled.done()
          if (entries.length === 1) settled.add(entries, [{ status: 'rejected', code: 'too_large', message: error.message }])
          else shrink({ count: entries.length, bytes, wire: wire || batch.wire })
          await settled.done()
          batches = batchesAhead(prepare, { ...batch })
          continue
        }
        settled.add(entries, results)
        progressed = true
        pushed += entries.length
        Object.assign(batch, grown(batch))
      }
    } finally {
      // Nothing of this run goes on after it: no read, and no settling behind the run's end.
      batches.stop()
      await settled.idle()
    }
  }

  /**
   * The outbox's batches in order, read and their requests built while earlier ones are out, up to PUSH_AHEAD
   * ahead of the one being sent, each at the limits the success of the one before would give. After the first
   * batch the outbox is read PUSH_AHEAD batches at a time: a read waits for the settling that runs when it is made
   * (IndexedDB runs a transaction after the earlier ones that write its stores), and a batch per settling would
   * hold the requests to the settlings' pace. `take` answers the next batch, or null once the outbox is read to its
   * end; a failed read is thrown by the `take` after the batches read before it. `stop` ends the reading: a batch
   * read ahead goes only with its own answer.
   */
  function batchesAhead(prepare: (read: Fitted) => Promise<Prepared>, limits: Limits) {
    const unbatched: QueuedEntry[] = []
    let seq = 0
    let readToEnd = false
    let next = limits
    return madeAhead(PUSH_AHEAD, async () => {
      if (unbatched.length < next.count && !readToEnd) {
        // The first read takes one batch: the first request waits for it, and no settling runs yet to wait behind.
        const wanted = next.count * (seq ? PUSH_AHEAD : 1)
        const read = (await db.outbox.where('seq').above(seq).limit(wanted).toArray()) as QueuedEntry[]
        readToEnd = read.length < wanted
        unbatched.push(...read)
        seq = read.at(-1)?.seq ?? seq
      }
      if (!unbatched.length) return null
      const prepared = await withinWire(await prepare(fit(unbatched.slice(0, next.count), next.bytes)), next.wire)
      unbatched.splice(0, prepared.entries.length)
      next = grown(next)
      return prepared
    })

    /**
     * The batch cut until its body fits `wire`, to the share of its entries that would fit were the body to shrink
     * with them, and built again (one entry always goes). Gzip packs fewer mutations a little less well: a second
     * cut is rare.
     */
    async function withinWire(prepared: Prepared, wire: number): Promise<Prepared> {
      while (prepared.wire > wire && prepared.entries.length > 1) {
        const kept = Math.max(1, Math.floor((prepared.entries.length * wire) / prepared.wire))
        const json = prepared.json.slice(0, kept)
        prepared = await prepare({
          entries: prepared.entries.slice(0, kept),
          mutations: prepared.mutations.slice(0, kept),
          json,
          bytes: json.reduce((sum, mutation) => sum + mutation.length + 1, 0),
        })
      }
      return prepared
    }
  }

  /**
   * The settling of answered batches, in a chain behind the requests so that neither waits for the other: in
   * answer order, the batches answered while one settling ran going together into the next (one transaction and
   * one commit for them all). At most SETTLE_LAG batches wait answered but unsettled (`room` holds the next
   * request until fewer do). A failed settling ends the chain: the batches behind it are not settled, stay in the
   * outbox and go again in the next run (answered `duplicate`); `room` and `done` throw its error.
   */
  function settlements() {
    const answered: Array<{ entries: QueuedEntry[]; results: Answer[] }> = []
    let unsettled = 0
    let rejected = 0
    let failure: { error: unknown } | null = null
    let chain: Promise<void> | null = null
    let moved = () => {}
    async function drain() {
      try {
        while (answered.length) {
          const taken = answered.splice(0)
          rejected += await settle(
            taken.flatMap((b) => b.entries),
            taken.flatMap((b) => b.results),
          )
          unsettled -= taken.length
          moved()
        }
      } catch (error) {
        failure = { error }
        answered.length = 0
      } finally {
        chain = null
        moved()
      }
    }
    const told = () => {
      if (failure) throw failure.error
    }
    return {
      get rejected() {
        return rejected
      },
      add(entries: QueuedEntry[], results: Answer[]) {
        if (failure) return
        answered.push({ entries, results })
        unsettled++
        // Begun in a microtask: were `drain` ever to end synchronously, its `chain = null` would come before this.
        chain ??= Promise.resolve().then(drain)
      },
      async room() {
        while (unsettled >= SETTLE_LAG && !failure) await new Promise<void>((resolve) => (moved = resolve))
        told()
      },
      async done() {
        await this.idle()
        told()
      },
      async idle() {
        while (chain) await chain
      },
    }
  }

  /** The longest run of entries that fits the byte limit (always at least one). */
  function fit(queued: QueuedEntry[], limit: number): Fitted {
    const mutations = []
    const json = []
    let bytes = 0
    for (const entry of queued) {
      const mutation = toMutation(entry)
      // The transport falls back to protocol 1 from the mutations themselves.
      const encoded = encoder.encode(JSON.stringify(sentMutation(mutation, PROTOCOL_VERSION)))
      const size = encoded.length + 1
      if (mutations.length && bytes + size > limit) break
      mutations.push(mutation)
      json.push(encoded)
      bytes += size
    }
    return { entries: queued.slice(0, mutations.length), mutations, json, bytes }
  }

  /** The limits after a success: double, up to the server's. */
  function grown(limits: Limits): Limits {
    // The wire's limit stops at the JSON's: past it, it limits nothing (a batch's gzip is smaller than its JSON).
    return { count: Math.min(PUSH_MAX_MUTATIONS, limits.count * 2), bytes: Math.min(MAX_BATCH_BYTES, limits.bytes * 2), wire: Math.min(MAX_BATCH_BYTES, limits.wire * 2) }
  }

  /**
   * Halves the limits, from the batch refused as too large (smaller than the limits when the outbox held less:
   * halving the limits alone would send it whole again; its wire bytes are the limit's when not known), or from
   * the limits themselves after a timeout.
   */
  function shrink(refused: Limits) {
    batch.count = Math.max(1, Math.floor(Math.min(batch.count, refused.count) / 2))
    batch.bytes = Math.max(MIN_BATCH_BYTES, Math.floor(Math.min(batch.bytes, refused.bytes) / 2))
    batch.wire = Math.max(MIN_BATCH_BYTES, Math.floor(Math.min(batch.wire, refused.wire) / 2))
  }

  /**
   * Photos go before the mutations that name them, so that the office never sees a record whose photo is
   * missing for longer than the upload takes. One question per batch (not a HEAD per photo, each a round trip
   * and a 404 in the console): the server names those it lacks, or has but this leader may not read yet; an
   * upload of those makes the leader an uploader, who may then name them.
   */
  async function uploadPhotos(entries: QueuedEntry[]) {
    const named = new Set(entries.flatMap((e) => (e.table !== 'templates' && e.change.kind === 'put' ? photosOf(e.record) : [])))
    const unknown = [...named].filter((sha256) => !uploaded.has(sha256) && !refusedUploads.has(sha256))
    for (let i = 0; i < unknown.length; i += MISSING_MAX_HASHES) {
      const part = unknown.slice(i, i + MISSING_MAX_HASHES)
      const missing = new Set(await transport.missingAttachments(part))
      for (const sha256 of part) {
        if (missing.has(sha256) && !(await upload(sha256))) continue
        uploaded.add(sha256)
      }
    }
  }

  /** Uploads one photo the server lacks; false when there is nothing to send or the server will never take it. */
  async function upload(sha256: string): Promise<boolean> {
    const stored = await db.attachments.get(sha256)
    // Not on this phone (a record pulled from the server names it): nothing to send.
    if (!stored) return false
    try {
      await transport.putAttachment(sha256, stored.data, stored.type)
      return true
    } catch (error) {
      // A photo the server will never take must not hold back the records: they show it as missing.
      if (error instanceof TransportError && (error.code === 'refused' || error.code === 'too_large')) {
        console.warn('photo refused by the server', sha256, error.message)
        refusedUploads.add(sha256)
        return false
      }
      throw error
    }
  }

  /**
   * Applies the server's answers in one transaction: every answered entry leaves the outbox, refusals are
   * kept with their reason, and each record whose changes have all been answered gets the server's revision
   * (or the server version pull held back, when that is at least as new). Reads and writes go in bulk, a few
   * per batch rather than a few per record: in Chromium each IndexedDB request waits its turn, 1–2 ms a record.
   */
  function settle(entries: QueuedEntry[], results: Answer[]): Promise<number> {
    const at = iso()
    const tables = [db.outbox, db.rejections, db.held, db.templates, db.meta, ...RECORD_TABLES.map((t) => db.table(t))]
    return db.transaction('rw', tables, async () => {
      const outcome = answeredRecords(entries, results)
      // Settling's reads are asked at once, their round trips overlapping (the last batch's settling is what a push
      // ends on). The batch is the outbox's first entries, and seqs only grow: its range holds its entries alone, and
      // goes in one request rather than one per entry.
      const cleared = db.outbox.where('seq').between(entries[0]!.seq, entries.at(-1)!.seq, true, true).delete()
      const [stored, read] = await Promise.all([
        db.rejections.where('recordId').anyOf([...new Set(entries.map((e) => e.recordId))]).toArray(),
        readForSettling(outcome, cleared),
        // A push of several batches writes records in each: the live summaries hold until the run's pull is done.
        marked || db.meta.put({ key: 'syncing', value: at }),
      ])
      marked = true
      // The refusals of the batch's records, as they stand after each answer in turn.
      const refusals = new Map<string, Rejection[]>()
      for (const refusal of stored) refusals.set(refusal.recordId, [...(refusals.get(refusal.recordId) ?? []), refusal])
      const before = new Set(stored.map((r) => r.mutationId))
      const added = new Set<Rejection>()
      let rejected = 0
      for (const [i, entry] of entries.entries()) {
        const result = results[i]!
        const { mutationId, table, recordId, change } = entry
        const ofRecord = refusals.get(recordId) ?? []
        if (result.status === 'rejected') {
          rejected++
          const refusal: Rejection = { mutationId, table, recordId, kind: change.kind, code: result.code, message: result.message, at, record: entry.record }
          added.add(refusal)
          refusals.set(recordId, [...ofRecord.filter((r) => r.mutationId !== mutationId), refusal])
          if (entry.table === 'templates') await forgetTemplate(entry.record)
        } else {
          refusals.set(recordId, ofRecord.filter((r) => !supersedes(change.kind, r.kind)))
        }
      }
      const after = [...refusals.values()].flat()
      const kept = new Set(after.map((r) => r.mutationId))
      await Promise.all([
        db.rejections.bulkDelete([...before].filter((id) => !kept.has(id))),
        db.rejections.bulkPut(after.filter((r) => added.has(r))),
        settleRecords(outcome, read),
      ])
      return rejected
    })
  }

  /**
   * A version the server refused never was: the phone forgets it, so that the office's next one takes its
   * number. Only this phone's own copy goes: another office's version of that number, pulled meanwhile, has
   * another publishing time.
   */
  async function forgetTemplate({ id, version, publishedAt }: ChecklistTemplate) {
    await db.templates
      .where('[id+version]')
      .equals([id, version])
      .filter((t) => t.publishedAt === publishedAt)
      .delete()
  }

  /**
   * What settling the answered records reads: their stored copies, what pull holds for them, and which of them have
   * later changes waiting (read once `cleared`, the batch's own entries gone).
   */
  async function readForSettling(outcome: Map<string, Answered>, cleared: Promise<unknown>): Promise<SettlingRead> {
    const ids = [...outcome.keys()]
    const [waiting, held, ...stored] = await Promise.all([
      cleared.then(() => db.outbox.where('recordId').anyOf(ids).keys()),
      // Usually nothing is held (pull holds only what arrives while changes wait): one count spares a get per record.
      db.held.count().then((count) => (count ? db.held.bulkGet(ids) : [])),
      ...RECORD_TABLES.map(async (table) => {
        const mine = ids.filter((id) => outcome.get(id)!.table === table)
        const copies = mine.length ? await storedOf(table, mine) : []
        return copies.flatMap((copy) => (copy ? [[copy.id, copy] as const] : []))
      }),
    ])
    return {
      waiting: new Set(waiting as string[]),
      held: new Map(held.flatMap((h) => (h ? [[h.recordId, h] as const] : []))),
      stored: new Map(stored.flat()),
    }
  }

  /**
   * Gives each answered record the server's revision, stamps and conflicts, or the version pull held back for it.
   * With the stamps the copy is the server's, field for field: pull leaves those revisions out.
   */
  async function settleRecords(outcome: Map<string, Answered>, { waiting, held, stored }: SettlingRead) {
    // Records with later changes still waiting are left: those changes' answers settle them.
    const ids = [...outcome.keys()].filter((id) => !waiting.has(id))
    if ([...outcome].some(([id, answered]) => waiting.has(id) && answered.whole && answered.rev !== null)) stampsLeft = true
    const released = ids.filter((id) => held.has(id))
    await Promise.all([
      released.length && db.held.bulkDelete(released),
      ...RECORD_TABLES.map((table) => {
        const writes = ids.flatMap((id) => (outcome.get(id)!.table === table ? settledCopy(outcome.get(id)!, stored.get(id), held.get(id)) : []))
        return writes.length && recordTable(table).bulkPut(writes)
      }),
    ])
  }

  // ---- pull ----

  /**
   * `fetched`: the first pages of a pull from no cursor, fetched before the run (see fetchFirstPages); written
   * first when no cursor is stored. `reached` is called once, when the first page has arrived.
   */
  async function pull(fetched: Pages | null, reached: () => void): Promise<{ pulled: number; skipped: number; complete: boolean; settingsArrived: boolean }> {
    let cursor = (await db.meta.get('cursor'))?.value ?? null
    let pages = (cursor === null && fetched) || pagesAhead(cursor, !stampsLeft)
    let pulled = 0
    let skipped = 0
    let settingsArrived = false
    let fromScratch = cursor === null
    let first = true
    try {
      for (;;) {
        let checked: CheckedPage[]
        try {
          checked = await Promise.all((await pages.takeAll()).map((arrived) => arrived.checked))
        } catch (error) {
          if (pages !== fetched) throw error
          // Asked before the run, perhaps while the network was away: asked again now, after the pages written.
          pages = pagesAhead(cursor, !stampsLeft)
          continue
        }
        if (first) reached()
        first = false
        const last = checked.at(-1)!.page
        const more = last.hasMore && last.changes.length > 0
        await applyPages(checked, fromScratch, more && !marked)
        cursor = last.cursor
        marked ||= more
        // Logged once the transaction is over: a page in the middle of one waits on nothing but IndexedDB.
        const failed = checked.flatMap((c) => c.failed)
        for (const change of failed) console.warn('pulled record failed its schema', change.table, change.id)
        skipped += failed.length
        fromScratch = false
        progressed = true
        for (const { page } of checked) {
          pulled += page.changes.length
          settingsArrived ||= page.changes.some((change) => change.table === 'communities')
        }
        // An empty page that claims more would loop for ever: the next run asks again.
        if (!more) return { pulled, skipped, complete: !last.hasMore, settingsArrived }
      }
    } finally {
      pages.stop()
    }
  }

  /**
   * Fetches pages one after another (each asks from the cursor of the one before) while the pages before are
   * being written, at most PULL_AHEAD ahead, and checks each page's records as it arrives, in a task of its own
   * once the next page's request has gone (that request waits for this page's cursor, not its records): the
   * main thread checks pages while the pages before commit, and the pages fetched before a new phone's first
   * run (its PIN offer) come to it checked. `takeAll` answers every page arrived by then (at least one): written
   * in one transaction, they cost one commit, and one re-run of each live query over what they touch, rather
   * than one per page. A failed request is thrown by the `takeAll` after the pages that arrived before it.
   * `stop` ends the fetching when the pull ends early (a failed write): no request of this run goes after it.
   */
  function pagesAhead(from: string | null, skipEchoes: boolean, source = transport): Pages {
    // The source is this run's (taken now): a run after this one may speak for another session.
    let cursor = from
    let last = false
    return madeAhead(PULL_AHEAD, async () => {
      if (last) return null
      // This engine settles the stamps of its echoes, so it needs none of them pulled back.
      const page = await source.pull(cursor, pullLimit, { skipEchoes })
      cursor = page.cursor
      last = !page.hasMore || !page.changes.length
      return { checked: nextTask().then(() => checkPage(page)) }
    })
  }

  /**
   * Writes pages and the last one's cursor in one transaction. `fromScratch` (the run's first pull from no
   * cursor) and a page's `reset` clear what pull brought first. `mark` sets `syncing` in meta (the first of
   * several transactions), which the run's end clears, so that live summaries re-run once for the whole run,
   * not once per transaction (src/app/db/live.ts).
   */
  function applyPages(pages: CheckedPage[], fromScratch: boolean, mark: boolean): Promise<void> {
    const tables = [...new Set([...retentionTables(db), ...PULL_TABLES.map((t) => db.table(t))])]
    const last = pages.at(-1)!.page
    return db.transaction('rw', tables, async () => {
      // The pages between two clearings go in as one write per table, not one per page: each page's reads (the
      // outbox, the stored copies, retention's) waited in IndexedDB's queue behind the puts of the page before,
      // the main thread idle, and a transaction of four pages took twice the time of its puts.
      let since = 0
      for (const [i, { page }] of pages.entries()) {
        if (!((fromScratch && i === 0) || page.reset)) continue
        await writeRecordsOf(pages.slice(since, i))
        await clearPulled(page.reset)
        since = i
      }
      await writeRecordsOf(pages.slice(since))
      await db.meta.put({ key: 'cursor', value: last.cursor })
      // The cursor's epoch, for push to send: the two are written together.
      if (last.epoch) await db.meta.put({ key: 'epoch', value: last.epoch })
      if (mark) await db.meta.put({ key: 'syncing', value: iso() })
      // The server's reference data replaces the demo data for good: never seed it again.
      if (fromScratch && !(await db.meta.get('seededAt'))) await db.meta.put({ key: 'seededAt', value: iso() })
    })
  }

  /**
   * Writes the checked records of pages, within applyPages' transaction. A record in two of them (changed on the
   * server between their requests) goes in once, as the later page has it: pages come in the order of the
   * server's revisions.
   */
  async function writeRecordsOf(pages: CheckedPage[]): Promise<void> {
    const byTable = new Map<PullTable, Map<string, Record<string, unknown>>>()
    for (const { records } of pages) {
      for (const [table, list] of records) {
        const byKey = byTable.get(table) ?? new Map<string, Record<string, unknown>>()
        byTable.set(table, byKey)
        for (const record of list) byKey.set(JSON.stringify(rowKey(table, record)), record)
      }
    }
    // Reference data first: the records are judged by the community settings the pages may bring.
    for (const [table, records] of byTable) if (!isRecordTable(table)) await writeReference(table, [...records.values()])
    for (const [table, records] of byTable) if (isRecordTable(table)) await writeRecords(table, [...records.values()] as unknown as SyncedRecord[])
  }

  async function writeRecords(table: RecordTable, records: SyncedRecord[]) {
    const ids = records.map((r) => r.id)
    const pending = new Set((await db.outbox.where('recordId').anyOf(ids).keys()) as string[])
    const local = await storedOf(table, ids)
    const write: SyncedRecord[] = []
    const held: HeldChange[] = []
    records.forEach((record, i) => {
      if (pending.has(record.id)) held.push({ recordId: record.id, table, rev: record.rev!, record })
      // Never go back to an older version than the server's answer to this device already gave.
      else if ((local[i]?.rev ?? -1) <= record.rev!) write.push(record)
    })
    // Retention ages out visits and closed reports only; a canvass's answers stay while the canvass does.
    const kept = table === 'visits' || table === 'issues' ? await judgeArrivals(db, table, write as Array<Visit | IssueReport>, now()) : { write, drop: [] }
    await Promise.all([recordTable(table).bulkPut(kept.write), recordTable(table).bulkDelete(kept.drop), db.held.bulkPut(held)])
  }

  /**
   * The stored copies of `ids`, in their order (undefined where none). Dexie's bulkGet asks IndexedDB once per
   * id, 10,000 requests in a first pull of 10,000 visits; so the stored keys between the page's least and
   * greatest id are listed first (one request, keys only: a page's ids are UUIDv7s, mostly near one another),
   * and only the ids among them are read: in one request too when they are most of that range (a pushed batch's
   * records, saved one after another).
   */
  async function storedOf(table: RecordTable, ids: string[]): Promise<Array<SyncedRecord | undefined>> {
    const sorted = [...ids].sort()
    if (!sorted.length) return []
    const range = recordTable(table).where(':id').between(sorted[0]!, sorted.at(-1)!, true, true)
    const listed = await range.primaryKeys()
    const present = new Set(listed)
    const wanted = ids.filter((id) => present.has(id))
    const found = !wanted.length ? [] : listed.length <= 2 * wanted.length ? await range.toArray() : await recordTable(table).bulkGet(wanted)
    const byId = new Map(found.flatMap((record) => (record ? [[record.id, record] as const] : [])))
    return ids.map((id) => byId.get(id))
  }

  async function writeReference(table: Exclude<PullTable, RecordTable>, records: Record<string, unknown>[]) {
    // The rev pull adds is not part of reference records.
    const strip = ({ rev: _rev, ...record }: Record<string, unknown>) => record
    const target = db.table<Record<string, unknown>, unknown>(table)
    await target.bulkDelete(records.filter((r) => r.deletedAt).map((r) => rowKey(table, r)))
    await target.bulkPut(records.filter((r) => !r.deletedAt).map(strip))
  }

  /**
   * Forgets what pull brought — all reference data (the demo data too) and the records the server has —
   * keeping what the server has not answered yet: records with changes waiting or never acknowledged. On a
   * first pull (a new sign-in) the signed-in user's own records stay too: the server has them, and they
   * must not vanish from the phone while later pages are on their way. A reset (the user's buildings
   * changed) takes those as well: the server sends back the ones still in scope.
   */
  async function clearPulled(reset: boolean) {
    // Every request goes at once: some twenty stores asked one after another held the first page's transaction
    // (and the pages queued behind it) for a round trip each.
    const [keys, user] = await Promise.all([db.outbox.orderBy('recordId').uniqueKeys(), db.meta.get('userId')])
    const pending = new Set(keys as string[])
    const goes = (r: SyncedRecord) => r.rev !== null && !pending.has(r.id) && (reset || r.createdBy !== user?.value)
    await Promise.all([
      ...REFERENCE_TABLES.map((table) => db.table(table).clear()),
      ...RECORD_TABLES.map(async (table) => recordTable(table).bulkDelete(await recordTable(table).filter(goes).primaryKeys())),
      db.held.clear(),
    ])
  }

  return {
    sync,
    get nextRetryAt() {
      return nextRetryAt
    },
    get batch() {
      return { ...batch }
    },
    fetchFirstPages,
    dropFirstPages,
  }
}

/** The engine of whoever signs in on this device: each run speaks for the session stored when it starts. */
export function sessionEngine(db: DoorstepDatabase, options: Omit<SyncEngineOptions, 'db' | 'transport'> = {}): SyncEngine {
  return createSyncEngine({ db, transport: sessionTransport, ...options })
}
