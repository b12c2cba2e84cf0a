import type { Kysely } from 'kysely'
import type { DeviceHealth, Role } from '@/domain'
import type { Database } from './schema'
import type { DeviceRecord } from './types'

/** A device of a community's account, with its account's name and the phone's last health report. */
export interface CommunityDevice extends DeviceRecord {
  displayName: string
  role: Role
  phone: string | null
  health: (DeviceHealth & { reportedAt: string }) | null
}

/** Keeps a device's latest health report (the last one wins: each describes the phone as it is now). */
export async function reportDeviceHealth(db: Kysely<Database>, deviceId: string, health: DeviceHealth, at: string): Promise<void> {
  await db
    .updateTable('devices')
    .set({
      health_reported_at: at,
      app_version: health.appVersion,
      outbox_size: health.outboxSize,
      oldest_unsent_at: health.oldestUnsentAt,
      storage_persisted: health.storagePersisted === null ? null : Number(health.storagePersisted),
      storage_used_bytes: health.storageUsedBytes,
      last_full_sync_at: health.lastFullSyncAt,
    })
    .where('id', '=', deviceId)
    .execute()
}

/** Every device of the community's accounts, oldest first. */
export async function communityDevices(db: Kysely<Database>, communityId: string): Promise<CommunityDevice[]> {
  const rows = await db
    .selectFrom('devices')
    .innerJoin('users', 'users.id', 'devices.user_id')
    .selectAll('devices')
    .select(['users.display_name', 'users.role', 'users.phone'])
    .where('users.community_id', '=', communityId)
    .orderBy('devices.created_at')
    .orderBy('devices.id')
    .execute()
  return rows.map((row) => ({
    id: row.id,
    userId: row.user_id,
    name: row.name,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    revokedAt: row.revoked_at,
    displayName: row.display_name,
    role: row.role,
    phone: row.phone,
    health:
      row.health_reported_at === null
        ? null
        : {
            reportedAt: row.health_reported_at,
            appVersion: row.app_version ?? '',
            outboxSize: row.outbox_size ?? 0,
            oldestUnsentAt: row.oldest_unsent_at,
            storagePersisted: row.storage_persisted === null ? null : Boolean(row.storage_persisted),
            storageUsedBytes: row.storage_used_bytes === null ? null : Number(row.storage_used_bytes),
            lastFullSyncAt: row.last_full_sync_at,
          },
  }))
}
