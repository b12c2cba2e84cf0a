import type { PullTable, Role } from '@/domain'

/**
 * The server's tables, as Kysely sees them. Both engines share them, so every column has a portable type:
 * text for ids, timestamps (ISO 8601) and JSON, integers for numbers and flags.
 */

export interface UsersTable {
  id: string
  username: string
  display_name: string
  role: Role
  /** Null for an admin, who belongs to no community. */
  community_id: string | null
  password_hash: string
  /** 0 or 1: a disabled account cannot sign in, and its devices are refused. */
  disabled: number
  /** 0 or 1: the password was one-time; only a password change is allowed until it is changed. */
  must_change_password: number
  phone: string | null
}

export interface UserBuildingsTable {
  user_id: string
  building_id: string
}

export interface DevicesTable {
  id: string
  user_id: string
  name: string
  /** SHA-256 of the device token; the token itself is never stored. */
  token_hash: string
  created_at: string
  last_seen_at: string | null
  revoked_at: string | null
  /** The phone's last health report (DeviceHealth), all null until the first: when it came, then its fields. */
  health_reported_at: string | null
  app_version: string | null
  outbox_size: number | null
  oldest_unsent_at: string | null
  /** 0 or 1; null where the browser could not tell. */
  storage_persisted: number | null
  /** A string from PostgreSQL (bigint). */
  storage_used_bytes: number | string | null
  last_full_sync_at: string | null
  /** How the office revoked it (DeviceRevocation); null when the phone signed out itself, or before 0010. */
  revocation: string | null
  /**
   * Its RecoveryKey (./device-recovery.ts). Never null in fact: 0013 gave every device one and createDevice
   * makes one; SQLite cannot add a NOT NULL column without a default.
   */
  recovery_key: string | null
}

/**
 * Every record pull can carry — the leaders' visits, issue reports and inspections and the office's
 * reference data — so that one indexed query answers a pull. `community_id` and `building_id` hold the
 * scope the pull filters by; `building_id` is null for community-wide rows (communities, grids, templates).
 */
export interface RecordsTable {
  table_name: PullTable
  id: string
  community_id: string
  building_id: string | null
  /** The user who made the record; null for reference data put by the server itself (seed, CLI). */
  created_by: string | null
  /** The device that made a leader's record (its `deviceId`, which never changes); null for reference data. */
  device_id: string | null
  /** Unique: the revision of the last change, from the one counter. */
  rev: number
  /** The record as JSON text, exactly as pull sends it. */
  data: string
  /** JSON text of FieldRevs: per field, the revision and device that last changed it. */
  field_revs: string
  deleted_at: string | null
  updated_at: string
  /**
   * The device whose exact echo wrote this revision (`EchoStamps` in src/domain/sync.ts): that device holds
   * it already, and its pull leaves it out when asked to. Null after any other write, and before 0014.
   */
  echo_device: string | null
  /**
   * Of the leaders who may see the row's building (or community), the only one who pulls it: the leader an
   * adjustment of points is for (table `pointAdjustments`). Null for every other row, and before 0017.
   */
  for_user: string | null
}

export interface MutationsTable {
  mutation_id: string
  device_id: string
  user_id: string
  device_seq: number
  /**
   * JSON text of the MutationResult it was answered with, so a retry is answered again (`answerAgain`: `duplicate`
   * with its rev, or the same refusal or conflicts).
   */
  result: string
  created_at: string
}

/** One row: the last revision handed out. */
export interface CounterTable {
  id: number
  value: number
}

export interface AttachmentsTable {
  sha256: string
  type: string
  /** The size in bytes. */
  bytes: number
  width: number
  height: number
  /** The image itself on PostgreSQL; null on SQLite, which keeps it in a file beside the database. */
  content: Buffer | null
  created_at: string
  uploaded_by: string
}

/** Everyone who uploaded an attachment's bytes: each of them may name it on a record (the bytes are stored once). */
export interface AttachmentUploadsTable {
  sha256: string
  user_id: string
  created_at: string
}

/** Which records name which attachment: who may read a photo follows from who may read such a record. */
export interface AttachmentRefsTable {
  sha256: string
  table_name: PullTable
  record_id: string
}

/** Sign-in failures per key (an account at an address, or an address): see storage/sign-in-throttle.ts. */
export interface RateLimitsTable {
  limit_key: string
  /** Failures in a row. */
  hits: number
  /** When they are forgotten, in milliseconds since the epoch. */
  resets_at: number
  /** Until when the next attempt waits, in milliseconds since the epoch (0: it does not). */
  blocked_until: number
}

/** One audited action (AuditEvent): ids and counts, never a resident's name or number. */
export interface AuditEventsTable {
  /** A UUIDv7: newest first is id order within the same `at`. */
  id: string
  at: string
  actor_id: string
  actor_role: Role
  community_id: string | null
  action: string
  target: string | null
  rows: number | null
  /** JSON text of AuditDetail. */
  detail: string
}

/** One-time answer links of a canvass (src/domain/canvass-links.ts); the token itself is never stored. */
export interface CanvassLinksTable {
  id: string
  /** SHA-256 of the link's token, hex. */
  token_hash: string
  community_id: string
  building_id: string
  canvass_id: string
  household_id: string
  /** The user who made the link: the answer is recorded as theirs. */
  created_by: string
  created_at: string
  expires_at: string
  used_at: string | null
  revoked_at: string | null
}

/** The office's pairings of leaders (Mentorship in src/domain/mentorship.ts); `ended_at` null while one lasts. */
export interface MentorshipsTable {
  id: string
  community_id: string
  mentor_id: string
  mentee_id: string
  note: string
  started_at: string
  started_by: string
  ended_at: string | null
  ended_by: string | null
}

/** Who runs a periodic job now (./job-leases.ts). */
export interface JobLeasesTable {
  job: string
  /** The lease ends then, in milliseconds since the epoch: another server may take it from then on. */
  held_until: number
}

export interface Database {
  users: UsersTable
  user_buildings: UserBuildingsTable
  devices: DevicesTable
  records: RecordsTable
  mutations: MutationsTable
  counter: CounterTable
  attachments: AttachmentsTable
  attachment_refs: AttachmentRefsTable
  rate_limits: RateLimitsTable
  attachment_uploads: AttachmentUploadsTable
  audit_events: AuditEventsTable
  canvass_links: CanvassLinksTable
  mentorships: MentorshipsTable
  job_leases: JobLeasesTable
}
