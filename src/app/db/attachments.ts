import { AttachmentMeta } from '@/domain'
import type { DoorstepDatabase, StoredAttachment } from './database'
import { ValidationError, guardQuota } from './errors'

/** A processed photo, ready to store: see src/app/photos. */
export interface PhotoBytes extends AttachmentMeta {
  data: ArrayBuffer
  thumb: ArrayBuffer
  thumbType: AttachmentMeta['type']
}

/** Photos by SHA-256: the same picture attached twice is stored once. */
export function attachmentRepository(db: DoorstepDatabase) {
  return {
    async put(photo: PhotoBytes, now = new Date()): Promise<AttachmentMeta> {
      const meta = AttachmentMeta.safeParse(photo)
      if (!meta.success) throw new ValidationError(meta.error)
      const stored: StoredAttachment = { ...photo, ...meta.data, createdAt: now.toISOString() }
      await guardQuota(() => db.attachments.put(stored))
      return meta.data
    },
  }
}
