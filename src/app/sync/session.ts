import { RECORD_TABLES, type EarlierDevice, type PasswordChange, type User } from '@/domain'
import type { DoorstepDatabase, MetaEntry, RecoveryFound, SyncedRecord } from '@/app/db/database'
import { LOCAL_USER } from '@/app/db/device'
import { SessionError, TransportError, type SyncErrorInfo } from './errors'
import { fetchTransport, type SyncTransport } from './transport'

/**
 * The sync session kept on this device: who signed in, where, and the device token. Local work never needs
 * it; sync does. It lives in the `meta` table so that every tab and the service worker share it.
 */
export interface StoredSession {
  serverUrl: string
  token: string
  /** The id the server gave this device at sign-in; push names it. */
  deviceId: string
}

export interface SignInInput {
  serverUrl: string
  username: string
  password: string
  /** Lets the office tell a user's phones apart when one is lost. */
  deviceName?: string
}

/** Who signed in, and whether they must change their one-time password before anything syncs. */
export interface SignedIn {
  user: User
  mustChangePassword: boolean
  /** For the app PIN about to be chosen (src/app/lock): kept in memory only. */
  recoveryKey: string
}

/** The session, or null when nobody is signed in or the server has refused the token since. */
export async function readSession(db: DoorstepDatabase): Promise<StoredSession | null> {
  const [serverUrl, token, deviceId] = await db.meta.bulkGet(['serverUrl', 'token', 'syncDeviceId'])
  if (!serverUrl?.value || !token?.value || !deviceId?.value) return null
  return { serverUrl: serverUrl.value, token: token.value, deviceId: deviceId.value }
}

/** A transport speaking for the session. */
export function sessionTransport(session: Pick<StoredSession, 'serverUrl' | 'token'>): SyncTransport {
  return fetchTransport({ baseUrl: session.serverUrl, token: session.token })
}

/**
 * Signs in and keeps the session. Records made from now on carry the user's id. Signing in as someone else,
 * or to another server, forgets the pull cursor: the next pull starts from scratch and replaces what the
 * previous session had pulled (never the records with changes still waiting).
 *
 * It also notices a phone whose data the browser cleared (see `clearedByBrowser`), for the notice that the
 * first sync's records came back and unsynced ones did not. A sign-in with a one-time password is kept as
 * the sync error `password_change`, as the server would answer the first sync, so that every screen that
 * shows sync's state leads to the password change, also after a reload.
 */
export async function signIn(db: DoorstepDatabase, transport: SyncTransport, input: SignInInput): Promise<SignedIn> {
  let answer
  try {
    answer = await transport.login({ username: input.username, password: input.password, deviceName: input.deviceName || 'Doorstep' })
  } catch (error) {
    throw asSessionError(error)
  }
  const { token, deviceId, user, earlierDevices = [], mustChangePassword, recoveryKey, appLock } = answer
  await db.transaction('rw', [db.meta, ...RECORD_TABLES.map((table) => db.table(table))], async () => {
    const [previousUser, previousServer] = await db.meta.bulkGet(['userId', 'serverUrl'])
    if (previousUser?.value !== user.id || previousServer?.value !== input.serverUrl) await db.meta.delete('cursor')
    const entries: MetaEntry[] = [
      { key: 'serverUrl', value: input.serverUrl },
      { key: 'token', value: token },
      { key: 'syncDeviceId', value: deviceId },
      { key: 'user', value: JSON.stringify(user) },
      { key: 'userId', value: user.id },
      { key: 'appLock', value: appLock },
    ]
    if (await clearedByBrowser(db, earlierDevices)) {
      const lastSeenAt = earlierDevices.flatMap((d) => d.lastSeenAt ?? []).sort().at(-1) ?? null
      entries.push({ key: 'recovery', value: JSON.stringify({ userId: user.id, lastSeenAt } satisfies RecoveryFound) })
    }
    await db.meta.bulkPut(entries)
    if (mustChangePassword) {
      const info: SyncErrorInfo = { code: 'password_change', message: 'one-time password', at: new Date().toISOString() }
      await db.meta.put({ key: 'lastError', value: JSON.stringify(info) })
    } else {
      await db.meta.delete('lastError')
    }
  })
  return { user, mustChangePassword, recoveryKey }
}

/**
 * Changes the signed-in account's password. A refusal is the TransportError itself: its `apiError` says
 * whether the current password was wrong (`forbidden`) or the new one too weak (`weak_password`). Once
 * changed, the `password_change` error goes, and sync may run.
 */
export async function changePassword(db: DoorstepDatabase, transport: SyncTransport, change: PasswordChange): Promise<void> {
  await transport.changePassword(change)
  await db.transaction('rw', db.meta, async () => {
    const last = await db.meta.get('lastError')
    if (last && (JSON.parse(last.value) as SyncErrorInfo).code === 'password_change') await db.meta.delete('lastError')
  })
}

/**
 * Whether the browser cleared this phone's data, as far as anyone can tell: IndexedDB and the token go
 * together, so the phone alone cannot. It can when the server knows an earlier device of the user with
 * this phone's name, never signed out, that made records (`earlierDevices`), while the phone has no sync
 * session (it never signed in, or lost everything; one signed out here keeps `signedOutAt`) and none of the
 * records that sync brings or that a signed-in user makes; records made here since, before signing in, do not count. A new
 * phone of the same model and browser, never signed in, looks the same and is told so wrongly; what it is
 * told came back from the server is right all the same. Call inside a transaction over meta and the
 * record tables.
 */
async function clearedByBrowser(db: DoorstepDatabase, earlierDevices: EarlierDevice[]): Promise<boolean> {
  if (!earlierDevices.length || (await db.meta.get('syncDeviceId')) || (await db.meta.get('signedOutAt'))) return false
  const synced = (record: SyncedRecord) => record.createdBy !== LOCAL_USER
  const found = await Promise.all(RECORD_TABLES.map((table) => db.table<SyncedRecord, string>(table).filter(synced).first()))
  return found.every((record) => record === undefined)
}

/** The leader has read the notice about data the browser cleared. */
export async function dismissRecovery(db: DoorstepDatabase): Promise<void> {
  await db.meta.delete('recovery')
}

function asSessionError(error: unknown): SessionError {
  if (!(error instanceof TransportError)) return new SessionError('server', String(error))
  switch (error.code) {
    case 'unauthorized':
    case 'refused':
      return new SessionError('invalid_credentials', error.message)
    case 'throttled':
      return new SessionError('throttled', error.message, 0, error.details.retryAfterMs)
    case 'offline':
    case 'timeout':
      return new SessionError('offline', error.message)
    default:
      return new SessionError('server', error.message)
  }
}

/** What a sign-out keeps: the phone's own id, where the next sign-in goes, and that the demo was shown once. */
const KEPT_META: MetaEntry['key'][] = ['deviceId', 'serverUrl', 'seededAt']

/**
 * Work on this phone the server does not have: changes waiting in the outbox and changes it refused (kept
 * with the leader's record). A sign-out that would lose it asks first, and what the leader agreed to lose is
 * exactly what they were shown: the outbox up to its last entry then, and the refusals then kept.
 */
export interface UnsentWork {
  /** Records with a change waiting or refused: the number the confirmation shows. */
  records: number
  /** The outbox's last seq when counted (0: empty). */
  outboxUpTo: number
  /** The refusals counted, by mutation id. */
  refusals: string[]
}

/** What a sign-out may drop: changes up to an outbox seq (Infinity: all) and the refusals named (or all). */
export interface Discard {
  outboxUpTo: number
  refusals: readonly string[] | 'all'
}

/** Counted from the indexes alone, so that a locked phone (whose changes are sealed) can count too. */
export async function unsentWork(db: DoorstepDatabase): Promise<UnsentWork> {
  return db.transaction('r', [db.outbox, db.rejections], async () => {
    const [waiting, refused, lastSeq, refusals] = await Promise.all([
      db.outbox.orderBy('recordId').uniqueKeys(),
      db.rejections.orderBy('recordId').uniqueKeys(),
      db.outbox.orderBy('seq').lastKey(),
      db.rejections.toCollection().primaryKeys(),
    ])
    return { records: new Set([...waiting, ...refused]).size, outboxUpTo: Number(lastSeq ?? 0), refusals: refusals as string[] }
  })
}

/**
 * Ends the session on this device and leaves no resident data on it: every table is emptied (residents,
 * households, buildings, visits, reports, inspections, templates, campaigns, name cards, photos taken or
 * downloaded, drafts, refusals, held versions) and so is meta, but for the phone's own id, the server address
 * (to prefill the next sign-in) and `seededAt` (the demo is not put back). The first pull after the next
 * sign-in brings back what the server has. `signedOutAt` is kept so that the next sign-in does not take the
 * empty phone for one whose data the browser cleared.
 *
 * While the phone holds unsent work (see UnsentWork) it refuses (SessionError `unsynced`) unless `discard`
 * names it: the work the leader was shown and agreed to lose (see unsentWork), which then goes from the phone
 * with everything else — a leader signing out of a shared or handed-back phone expects nothing of their
 * residents to stay behind. The check is made again inside the clearing transaction: a change saved or
 * refused since the leader was asked (another tab, a form saving its last edit) makes sign-out refuse and
 * clear nothing, so no work is ever dropped unseen. Open forms' drafts go with the rest. Drafts that fell back
 * to localStorage (a full phone) are the page's to forget (src/app/stores/sync.ts).
 *
 * The token is revoked on the server afterwards, when the network allows (best effort: offline, the office
 * can revoke the device); the phone has forgotten it by then either way.
 */
export async function signOut(db: DoorstepDatabase, transport: SyncTransport | null, { discard }: { discard: Discard | null }): Promise<void> {
  await emptyPhone(db, { discard })
  try {
    await transport?.logout()
  } catch (error) {
    // Offline, or the token was revoked already: the session has ended on this phone all the same.
    console.warn('token not revoked on the server', error)
  }
}

/**
 * Empties the phone as sign-out does (see signOut), in one transaction that first looks for unsent work
 * `discard` does not name: then it refuses with SessionError `unsynced` and clears nothing. With `token`, only
 * while that is still the stored token — a sign-in in another tab since keeps its session — and answers
 * whether it emptied. `notice` is left in meta for the screens to show.
 */
export async function emptyPhone(
  db: DoorstepDatabase,
  { discard, token, notice }: { discard: Discard | null; token?: string; notice?: SyncErrorInfo },
): Promise<boolean> {
  const emptied = await db.transaction('rw', db.tables, async () => {
    if (token !== undefined && (await db.meta.get('token'))?.value !== token) return false
    const agreed = discard?.refusals === 'all' ? null : new Set(discard?.refusals ?? [])
    const [waiting, refused] = await Promise.all([
      db.outbox.where('seq').above(discard?.outboxUpTo ?? 0).toArray(),
      agreed ? db.rejections.filter((r) => !agreed.has(r.mutationId)).toArray() : [],
    ])
    const unsent = new Set([...waiting, ...refused].map((change) => change.recordId)).size
    if (unsent) throw new SessionError('unsynced', `${unsent} records hold work the server has not received`, unsent)
    const kept = (await db.meta.bulkGet(KEPT_META)).filter((entry) => entry !== undefined)
    await Promise.all(db.tables.map((table) => table.clear()))
    kept.push({ key: 'signedOutAt', value: new Date().toISOString() })
    if (notice) kept.push({ key: 'lastError', value: JSON.stringify(notice) })
    await db.meta.bulkPut(kept)
    return true
  })
  // The keyring went with the rest: nothing on the phone is sealed any more, and nothing will be until a PIN is chosen.
  if (emptied) db.sealing.plain()
  return emptied
}

/** How the office ended this device's session, as the server answers it on every route (docs/sync-protocol.md). */
export type OfficeEnding = 'device_wiped' | 'device_signed_out'

/**
 * Empties the phone as the office asked, for the session of `token` (see emptyPhone), leaving the notice
 * `ended_by_office` for the screens; answers it, or null when the stored token is no longer `token` (another
 * sign-in since, or the phone emptied already).
 * Wiped, everything goes, unsent changes too; signed out, it refuses (SessionError `unsynced`) while changes
 * wait for their last push. Refusals go either way: the server will never take them, and the session is over.
 */
export async function endAsOfficeAsked(db: DoorstepDatabase, ending: OfficeEnding, token: string, at: string): Promise<SyncErrorInfo | null> {
  const notice: SyncErrorInfo = { code: 'ended_by_office', message: ending, at }
  const discard: Discard = { outboxUpTo: ending === 'device_wiped' ? Infinity : 0, refusals: 'all' }
  return (await emptyPhone(db, { discard, token, notice })) ? notice : null
}
