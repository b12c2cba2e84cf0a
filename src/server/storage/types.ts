import type { AuditFilter, NewAuditEvent } from './audit'
import type { CommunityDevice } from './device-health'
import type { DeviceRevocation, Mentorship, MentorshipRow } from '@/domain'
import type { AttachmentMeta, AuditPage, Campaign, Canvass, CanvassAnswer, Change, Community, DeviceHealth, Inspection, IssueEvent, IssueReport, Mutation, MutationResult, PullTable, RecordTable, Role, RosterCounts, RosterEntry, RosterState } from '@/domain'

/**
 * The storage contract of the sync server. Two engines implement it — SQLite (one file, the embedded
 * default) and PostgreSQL (many stateless servers) — and one contract test suite runs against both.
 */

/** Who is calling, as established from a device token. Every storage call that reads or writes records is scoped by it. */
export interface Principal {
  userId: string
  deviceId: string
  role: Role
  /** Null for an admin, who sets communities up through the office routes and syncs no community's records. */
  communityId: string | null
  /** Buildings assigned to a leader; ignored for office and admin, who see their whole community. */
  buildingIds: string[]
}

/** A caller who belongs to a community: the only kind that pushes records. */
export type MemberPrincipal = Principal & { communityId: string }

/** Sign-in failures in a row of one key (src/server/auth/throttle.ts); times in ms since the epoch. */
export interface ThrottleState {
  failures: number
  /** Until when the next attempt waits (0: it does not). */
  blockedUntil: number
  /** When the failures are forgotten. */
  forgetAt: number
}

export interface UserRecord {
  id: string
  username: string
  displayName: string
  role: Role
  /** Null for an admin (see Principal). */
  communityId: string | null
  buildingIds: string[]
  disabled: boolean
  /** Signed in with a one-time password: every request but the password change is refused until it is changed. */
  mustChangePassword: boolean
  phone: string | null
}

export interface NewUser extends Omit<UserRecord, 'disabled' | 'mustChangePassword' | 'phone'> {
  passwordHash: string
  mustChangePassword?: boolean
  phone?: string | null
}

/** What the office may change of an account; absent fields stay as they are. */
export interface UserChange {
  displayName?: string
  disabled?: boolean
  phone?: string | null
  /** A new password hash, with whether it is one-time. */
  password?: { hash: string; mustChange: boolean }
  /** Who makes the change: a disabled account's 老带新 pairings end in their name. */
  by?: string
}

/** A community's reference rows that are not deleted, as stored (validated when they were put). */
export type ReferenceRows = Array<Record<string, unknown> & { id: string }>

export interface DeviceRecord {
  id: string
  userId: string
  name: string
  createdAt: string
  lastSeenAt: string | null
  revokedAt: string | null
}

/** A device and the records it made that the server still has (not deleted), by type. */
export interface DeviceWithRecords extends DeviceRecord {
  records: Record<RecordTable, number>
}

/** A mutation as it reached the server: parsed, or the reason it could not be. */
export type IncomingMutation = { ok: true; mutation: Mutation; deviceSeq: number } | { ok: false; mutationId: string; message: string }

/** The tables of reference data, which the office owns and pull carries. */
export type ReferenceTable = Exclude<PullTable, RecordTable>

export interface PullPage {
  changes: Change[]
  /** The revision of the last row read (a change, or an echo left out), or the `afterRev` asked for when none was. */
  lastRev: number
  hasMore: boolean
}

export interface Storage {
  /** Applies pending migrations (Kysely Migrator); safe to call at every start. */
  migrate(): Promise<void>
  close(): Promise<void>
  /** True when nothing has ever been stored: demo mode seeds only then. */
  isEmpty(): Promise<boolean>

  /**
   * createUser and updateUser also write the user's name card (UserCard) as a `users` reference row of their
   * community with a new revision, in the same transaction, so that its phones learn who is who; an admin
   * (no community) has no card.
   */
  createUser(user: NewUser): Promise<UserRecord>
  findUserByUsername(username: string): Promise<(UserRecord & { passwordHash: string }) | undefined>
  getUser(id: string): Promise<UserRecord | undefined>
  /** The accounts of a community, by username. */
  listUsers(communityId: string): Promise<UserRecord[]>
  /** How many accounts each community has. */
  countUsers(): Promise<Map<string, number>>
  /** The user's password hash, for checking the current password before a change. */
  passwordHashOf(userId: string): Promise<string | undefined>
  updateUser(id: string, change: UserChange): Promise<void>
  /** Replaces a leader's buildings; takes effect on the next request (scope is read per request). */
  assignBuildings(userId: string, buildingIds: string[]): Promise<void>

  /** A new device, with a new recovery key of its own (./device-recovery.ts), which only the sign-in answer carries. */
  createDevice(device: { id: string; userId: string; name: string; tokenHash: string; at: string }): Promise<DeviceRecord & { recoveryKey: string }>
  /** The device and its user for a token hash; the caller compares hashes in constant time. */
  findDeviceByTokenHash(tokenHash: string): Promise<{ device: DeviceRecord & { tokenHash: string }; user: UserRecord } | undefined>
  getDevice(deviceId: string): Promise<DeviceRecord | undefined>
  listDevices(userId: string): Promise<DeviceRecord[]>
  revokeDevice(deviceId: string, at: string): Promise<void>
  touchDevice(deviceId: string, at: string): Promise<void>
  /**
   * The user's devices called `name`, never revoked (a sign-out revokes too), that made records the server still
   * has: at sign-in, a phone whose data the browser cleared learns what it had made (docs/sync-protocol.md).
   */
  devicesWithRecords(userId: string, name: string): Promise<DeviceWithRecords[]>

  /** A community by id, when it exists (not deleted). */
  getCommunity(id: string): Promise<Community | undefined>
  /** Every community of this server. */
  listCommunities(): Promise<Community[]>
  /** A community's rows of one reference table (buildings, households …), not deleted. */
  listReference(communityId: string, table: ReferenceTable): Promise<ReferenceRows>
  /**
   * Office-owned reference data of one community (communities, grids, buildings, households, residents,
   * templates), validated with the domain schemas and upserted with new revisions. Households must be stored
   * before their residents (a resident's building is its household's).
   */
  putReference(communityId: string, table: ReferenceTable, records: Array<Record<string, unknown> & { id: string }>): Promise<void>
  /**
   * Changes one community-wide record (a campaign, the community itself) as it stands at the moment of writing:
   * `change` sees the stored record under the revision counter's lock, so two changes at once (a reminder and
   * the closing) apply one after the other, never one over the other. What `change` throws is thrown, with
   * nothing written; it returns the record to store, which is validated like putReference's.
   */
  updateReference<T extends Record<string, unknown> & { id: string }>(
    communityId: string,
    table: 'campaigns' | 'communities',
    id: string,
    change: (current: T | undefined) => T,
  ): Promise<T>
  /** The community's grids, buildings, households and residents (moved-out ones too). */
  roster(communityId: string): Promise<RosterState>
  /**
   * Imports checked roster rows in one transaction (planRoster against the roster as stored inside it):
   * only what changed gets a new revision, so an unchanged roster writes nothing. Returns what changed.
   */
  importRoster(communityId: string, entries: RosterEntry[], at: string): Promise<RosterCounts>

  /**
   * Applies a batch from one device in one transaction: each mutation at most once (its id is recorded with
   * its answer in the same transaction), each answered on its own, in order.
   */
  push(principal: MemberPrincipal, mutations: IncomingMutation[], now: Date): Promise<MutationResult[]>
  /**
   * Changes the principal may see with a revision above `afterRev`, oldest first, at most `limit`. An admin of
   * no community sees the communities only: the workspace reads the rest through the set-up routes. With
   * `skipEchoes`, the rows the caller device's own exact echoes wrote are left out, and the cursor passes them.
   */
  pull(principal: Principal, afterRev: number, limit: number, skipEchoes?: boolean): Promise<PullPage>

  hasAttachment(sha256: string): Promise<boolean>
  /**
   * Stores an attachment once and records the uploader, also when the bytes were stored already (then they are
   * not written again, and the first uploader and time stay on record): every uploader may name the photo.
   * True when the bytes were new.
   */
  putAttachment(meta: AttachmentMeta, bytes: Buffer, uploadedBy: string, at: string): Promise<boolean>
  getAttachment(sha256: string): Promise<{ meta: AttachmentMeta; bytes: Buffer } | undefined>
  /** Whether the principal may see a record that names this attachment (or uploaded it). */
  canReadAttachment(principal: Principal, sha256: string): Promise<boolean>
  /** Of these hashes, those stored that the principal may read: what HEAD and the missing-list answer. */
  readableStoredAttachments(principal: Principal, hashes: string[]): Promise<Set<string>>
  /** Bytes of the attachments this user uploaded that no record names (yet): what the upload quota counts. */
  unreferencedUploadBytes(userId: string): Promise<number>
  /**
   * Deletes the attachments uploaded before `before` that no record names, rows and bytes alike, and says
   * how many and how large they were. A photo any record names, even a deleted one, is never removed.
   */
  sweepUnreferencedAttachments(before: string): Promise<{ count: number; bytes: number }>

  /** The sign-in throttle state of `key` (src/server/auth/throttle.ts), if it has one. */
  throttleState(key: string): Promise<ThrottleState | undefined>
  /**
   * Writes `next` as `key`'s state only if it still is `expected` (undefined: none), in one statement, so that
   * every server sharing the database counts every attempt; whether it did.
   */
  swapThrottleState(key: string, expected: ThrottleState | undefined, next: ThrottleState): Promise<boolean>
  /** Forgets `key`'s state. */
  clearRateLimit(key: string): Promise<void>
  /** Drops the states forgotten before `now`, so that addresses tried once do not pile up. */
  dropEndedRateLimits(now: number): Promise<void>

  // ── Field overview (coverage, monthly report): aggregates over the leaders' records, in SQL (field-storage.ts) ──
  /** Per household of the community with a visit before `before`: its last visit's time and how many fall in `month`. */
  visitsByHousehold(communityId: string, before: string, month: InstantSpan): Promise<HouseholdVisits[]>
  /** The community's visits before `before` that set a follow-up or follow one up: what openFollowUps needs besides the last visits. */
  followUpRows(communityId: string, before: string): Promise<FollowUpRow[]>
  /** The month's visits counted by building and purpose. */
  monthVisitCounts(communityId: string, month: InstantSpan): Promise<Array<{ buildingId: string; purpose: string; count: number }>>
  /** The reports made in the month, counted by category and the status they stand at. */
  monthIssueCounts(communityId: string, month: InstantSpan): Promise<Array<{ category: string; status: string; count: number }>>
  /** The reports made in the month: when, and their events (for the times to accept and resolve). */
  monthIssueTimelines(communityId: string, month: InstantSpan): Promise<Array<{ createdAt: string; events: IssueEvent[] }>>
  /** The inspections completed in the month, counted by template, with how many had a failed item. */
  monthInspectionCounts(communityId: string, month: InstantSpan): Promise<Array<{ templateId: string; count: number; failed: number }>>
  /** The failed answers of the inspections completed in the month, counted by template and item. */
  monthFailedItems(communityId: string, month: InstantSpan): Promise<Array<{ templateId: string; itemId: string; count: number }>>
  // ── end of field overview ──

  // ---- device health (issue 8, ./device-health.ts) ----
  /** Keeps the device's latest health report, received at `at`. */
  reportDeviceHealth(deviceId: string, health: DeviceHealth, at: string): Promise<void>
  /** Every device of the community's accounts (revoked ones too), with its account and its last report. */
  communityDevices(communityId: string): Promise<CommunityDevice[]>
  // ---- end of device health ----

  // ── Inspection campaigns (src/domain/campaigns.ts; campaign-storage.ts) ──
  /** A campaign by id, of whichever community, when it exists (not deleted). */
  getCampaign(id: string): Promise<Campaign | undefined>
  /** The community's inspections made for any of these campaigns, not deleted, oldest revision first. */
  campaignInspections(communityId: string, campaignIds: string[]): Promise<Inspection[]>
  /** The community's issue reports raised from a failed item of any of these inspections, not deleted. */
  issuesFromInspections(communityId: string, inspectionIds: string[]): Promise<IssueReport[]>
  // ── end of inspection campaigns ──

  // --- File exports (issue 8, src/server/exports) ---
  /**
   * A community's records of `table` that are not deleted, of one building or all, whose timestamp field
   * `within.field` falls in the span when one is given, with a revision above `afterRev`, in revision order,
   * at most `limit`: an export reads them page by page, never all at once, and never a month it was not asked.
   */
  recordsPage(
    communityId: string,
    table: RecordTable,
    buildingId: string | null,
    within: (Partial<InstantSpan> & { field: string }) | null,
    afterRev: number,
    limit: number,
  ): Promise<Array<{ rev: number; record: Record<string, unknown> }>>
  // --- end of file exports ---
  // ---- device revocation (issue 10, ./device-revocation.ts) ----
  /** Revokes the device as the office chose; a revoked one may still be turned to `wipe`, never back. */
  revokeDeviceAs(deviceId: string, mode: DeviceRevocation, at: string): Promise<void>
  /** How the office revoked the user's devices, by device id; those it did not revoke (or before 0010) are left out. */
  deviceRevocations(userId: string): Promise<Map<string, DeviceRevocation>>
  // ---- end of device revocation ----
  // ---- device recovery key (issue 10, ./device-recovery.ts) ----
  /** The device's recovery key; undefined when there is no such device. */
  recoveryKeyOf(deviceId: string): Promise<string | undefined>
  // ---- end of device recovery key ----
  // ---- audit (issue 10, ./audit.ts) ----
  /** Stores one audited action. */
  recordAudit(event: NewAuditEvent): Promise<void>
  /** Sets how many rows a streamed export wrote, once it has finished (recorded before it began, with null). */
  setAuditRows(id: string, rows: number): Promise<void>
  /** The events that match, newest first, one page of them, and how many match in all. */
  auditEvents(filter: AuditFilter): Promise<AuditPage>
  // ---- end of audit ----
  // ---- consent canvass (issue 11, ./canvass-storage.ts) ----
  /** A canvass by id and its community, of whichever community, when it exists (not deleted). */
  getCanvass(id: string): Promise<{ communityId: string; canvass: Canvass } | undefined>
  /** The community's canvasses, not deleted, newest first. */
  listCanvasses(communityId: string): Promise<Canvass[]>
  /** Every answer (earlier ones included, not deleted) to these canvasses of the community, of one building or all, oldest revision first. */
  canvassAnswers(communityId: string, canvassIds: string[], buildingId: string | null): Promise<CanvassAnswer[]>
  /**
   * Writes the office's change of a canvass of the community (a new one when `current` is undefined) with the next
   * revision, as `deviceId`'s change of each field it changes, so that the building's phones pull it.
   */
  writeCanvass(communityId: string, id: string, deviceId: string, change: (current: Canvass | undefined) => Canvass): Promise<Canvass>
  // ---- end of consent canvass ----
  // ---- canvass answer links (issue 11, ./canvass-link-storage.ts) ----
  /** Stores a new link and revokes the household's earlier open links of the same canvass, at once. */
  createCanvassLink(link: NewCanvassLink): Promise<void>
  /** A canvass's links, newest first. */
  canvassLinks(canvassId: string): Promise<CanvassLinkRecord[]>
  canvassLink(id: string): Promise<CanvassLinkRecord | undefined>
  canvassLinkByTokenHash(tokenHash: string): Promise<CanvassLinkRecord | undefined>
  /** Revokes a link not used nor revoked yet; whether it did. */
  revokeCanvassLink(id: string, at: string): Promise<boolean>
  /** Records when the link's answer was recorded (the first time only). */
  markCanvassLinkUsed(id: string, at: string): Promise<void>
  /** One stored row of the records table (a household, a building), deleted or not. */
  storedRow(table: PullTable, id: string): Promise<StoredRow | undefined>
  // ---- end of canvass answer links ----
  // ---- mentorships, 老带新 (issue 11, ./mentorship-storage.ts) ----
  /** The community's pairings with both leaders' names: those that last first, then the ended ones, newest first. */
  listMentorships(communityId: string): Promise<MentorshipRow[]>
  /** A pairing of whichever community. */
  getMentorship(id: string): Promise<Mentorship | undefined>
  /** The pairings that last of a community, or of one mentor. */
  activeMentorships(of: { communityId: string } | { mentorId: string }): Promise<Mentorship[]>
  /** Stores a new pairing; false when its mentee has one that lasts already (made meanwhile). */
  createMentorship(pairing: Mentorship): Promise<boolean>
  /** Ends a pairing that lasts; undefined when it had ended already. */
  endMentorship(id: string, at: string, by: string): Promise<Mentorship | undefined>
  /** The records of these tables in these buildings of the community, not deleted, oldest revision first. */
  buildingRecords(communityId: string, buildingIds: string[], tables: PullTable[]): Promise<Array<{ table: PullTable; data: Record<string, unknown> }>>
  // ---- end of mentorships ----
  // ---- periodic jobs on several servers (issue 12, ./job-leases.ts) ----
  /** Takes the lease of a periodic job until `until` (ms) if nobody holds it at `now`; whether it did. */
  claimJob(job: string, now: number, until: number): Promise<boolean>
  // ---- end of periodic jobs ----
  // ---- database epoch (issue 12, ./database-epoch.ts) ----
  /** The database's epoch, read again every few seconds: it changes only by a restore. */
  databaseEpoch(): Promise<string>
  /** Gives the database a new epoch (after a restore from a backup), and answers it. */
  renewDatabaseEpoch(): Promise<string>
  // ---- end of database epoch ----
  // ---- photos moved into object storage (issue 12, ./photo-move.ts) ----
  /** The hashes of stored photos after `after`, in hash order, at most `limit`. */
  attachmentHashes(after: string, limit: number): Promise<string[]>
  /** Drops the bytes the database holds for these photos (PostgreSQL's content column) once they are in the object store. */
  dropInlineContent(hashes: string[]): Promise<void>
  // ---- end of photos moved into object storage ----
}

/** A one-time answer link as stored: the token's hash only. */
export interface CanvassLinkRecord {
  id: string
  tokenHash: string
  communityId: string
  buildingId: string
  canvassId: string
  householdId: string
  createdBy: string
  createdAt: string
  expiresAt: string
  usedAt: string | null
  revokedAt: string | null
}

export type NewCanvassLink = Omit<CanvassLinkRecord, 'usedAt' | 'revokedAt'>

export interface StoredRow {
  communityId: string
  buildingId: string | null
  deletedAt: string | null
  data: Record<string, unknown>
}

/** Instants `from <= at < to` (UTC ISO timestamps), e.g. a China month's (monthSpan). */
export interface InstantSpan {
  from: string
  to: string
}

export interface HouseholdVisits {
  householdId: string
  lastVisitedAt: string
  visitsInMonth: number
}

/** What the follow-up rules read of a visit (FollowUpVisit in the domain), as stored. */
export interface FollowUpRow {
  id: string
  householdId: string
  visitedAt: string
  followUpOn: string | null
  followsVisitId: string | null
}
