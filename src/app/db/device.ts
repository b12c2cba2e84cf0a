// The schema-free module: the sync status on the first screen reaches this file, and the barrel brings zod.
import { uuidv7 } from '@/domain/ids'
import type { DoorstepDatabase } from './database'
import type { Author } from './records'

/** Until sign-in exists (sync), records are made by this local user. */
export const LOCAL_USER = 'local'

/** This device's identity, made once and kept in IndexedDB. */
export async function deviceAuthor(db: DoorstepDatabase): Promise<Author> {
  return db.transaction('rw', db.meta, async () => {
    let deviceId = (await db.meta.get('deviceId'))?.value
    if (!deviceId) {
      deviceId = uuidv7()
      await db.meta.put({ key: 'deviceId', value: deviceId })
    }
    const userId = (await db.meta.get('userId'))?.value ?? LOCAL_USER
    return { deviceId, userId }
  })
}

/**
 * Whether this phone's user made the record, and so may change it (the server refuses anyone else's change):
 * their own records, and those made here before the first sign-in, which the server files under them.
 */
export function madeBy(author: Author, record: { createdBy: string }): boolean {
  return record.createdBy === author.userId || record.createdBy === LOCAL_USER
}
