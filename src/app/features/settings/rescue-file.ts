import { chinaDay } from '@/domain/days'
import { photosOf } from '@/domain/sync'
import { RESCUE_JSON, RESCUE_VERSION, rescuePhotoPath, type RescueFile } from '@/domain/rescue'
import type { DoorstepDatabase, StoredAttachment } from '@/app/db/database'
import { toMutation, type QueuedEntry } from '@/app/sync/mutations'

/**
 * The rescue file of this phone (src/domain/rescue.ts): its outbox exactly as a push would send it, the
 * photos those changes name and the changes the server had refused, in a zip encrypted with AES-256 under
 * the leader's password. The outbox stays as it is: the phone may still sync later, and the server applies
 * each mutation once whichever arrives first.
 */

/** Who made the work: the device and user the server named at sign-in; a phone never signed in has neither. */
async function signedInAs(db: DoorstepDatabase): Promise<{ deviceId: string; userId: string } | undefined> {
  const [deviceId, userId] = await db.meta.bulkGet(['syncDeviceId', 'userId'])
  return deviceId && userId ? { deviceId: deviceId.value, userId: userId.value } : undefined
}

/** How many changes a rescue file would carry (waiting or refused); none on a phone never signed in. */
export async function rescuableCount(db: DoorstepDatabase): Promise<number> {
  const [who, waiting, refused] = await Promise.all([signedInAs(db), db.outbox.count(), db.rejections.count()])
  return who ? waiting + refused : 0
}

/** Everything the file holds, read in one transaction so that the photos are those its changes name. */
async function snapshot(db: DoorstepDatabase, now: Date): Promise<{ file: RescueFile; photos: StoredAttachment[] }> {
  return db.transaction('r', [db.meta, db.outbox, db.rejections, db.attachments], async () => {
    const who = await signedInAs(db)
    if (!who) throw new Error('This phone has never signed in: its work belongs to no account yet.')
    const entries = (await db.outbox.orderBy('seq').toArray()) as QueuedEntry[]
    const named = new Set(entries.flatMap((e) => (e.table !== 'templates' && e.change.kind === 'put' ? photosOf(e.record) : [])))
    const photos = (await db.attachments.bulkGet([...named])).filter((photo) => photo !== undefined)
    const refused = (await db.rejections.toArray()).map(({ table, recordId, code, message, at, record }) => ({
      table,
      recordId,
      code,
      message,
      at,
      record: record as unknown as Record<string, unknown>,
    }))
    const file: RescueFile = { version: RESCUE_VERSION, ...who, createdAt: now.toISOString(), mutations: entries.map(toMutation), refused }
    return { file, photos }
  })
}

/** The file's name: what the leader sees in WeChat or on the office's computer. */
export function rescueFileName(now: Date): string {
  return `楼长助手-没同步的记录-${chinaDay(now)}.zip`
}

/** Builds the encrypted file; zip.js is loaded only now, never with the first screen. */
export async function buildRescueFile(db: DoorstepDatabase, password: string, now = new Date()): Promise<{ file: Blob; name: string; count: number }> {
  const { file, photos } = await snapshot(db, now)
  const { BlobWriter, TextReader, Uint8ArrayReader, ZipWriter } = await import('@zip.js/zip.js/index-native.js')
  // The native build: the browser's CompressionStream, no WebAssembly (which the app's CSP does not let load).
  // AES-256 (strength 3), which 7-Zip opens; no web worker: the file is small and a worker needs its own URL.
  const zip = new ZipWriter(new BlobWriter('application/zip'), { password, encryptionStrength: 3, useWebWorkers: false })
  // Indented: the office may open it in 7-Zip to read the refused changes.
  await zip.add(RESCUE_JSON, new TextReader(JSON.stringify(file, null, 2)))
  for (const photo of photos) {
    // Photos are compressed already: stored, not deflated again.
    await zip.add(rescuePhotoPath(photo.sha256, photo.type), new Uint8ArrayReader(new Uint8Array(photo.data)), { level: 0 })
  }
  return { file: await zip.close(), name: rescueFileName(now), count: file.mutations.length + file.refused.length }
}
