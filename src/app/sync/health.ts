import type { DeviceHealth } from '@/domain'
import type { DoorstepDatabase } from '@/app/db/database'

/** What the browser says of the phone's storage; null where it cannot tell (an older browser, a private window). */
export interface StorageState {
  persisted: boolean | null
  usedBytes: number | null
}

/** navigator.storage, in a page or in the service worker (both have persisted() and estimate()). */
export async function readStorageState(): Promise<StorageState> {
  const storage = typeof navigator === 'undefined' ? undefined : navigator.storage
  const [persisted, estimate] = await Promise.all([
    storage?.persisted ? storage.persisted().catch(() => null) : null,
    storage?.estimate ? storage.estimate().catch(() => null) : null,
  ])
  return { persisted, usedBytes: typeof estimate?.usage === 'number' ? Math.round(estimate.usage) : null }
}

/** How this phone stands now, as the office's device list shows it. */
export async function deviceHealth(db: DoorstepDatabase, appVersion: string, storage: StorageState): Promise<DeviceHealth> {
  const [outboxSize, oldest, lastFullSync] = await db.transaction('r', db.outbox, db.meta, () =>
    Promise.all([db.outbox.count(), db.outbox.orderBy('seq').first(), db.meta.get('lastFullSyncAt')]),
  )
  return {
    appVersion,
    outboxSize,
    oldestUnsentAt: oldest?.createdAt ?? null,
    storagePersisted: storage.persisted,
    storageUsedBytes: storage.usedBytes,
    lastFullSyncAt: lastFullSync?.value ?? null,
  }
}
