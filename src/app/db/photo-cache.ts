import type { CachedPhoto, DoorstepDatabase, PhotoSize } from './database'
import { guardQuota } from './errors'

/** What downloaded photos may take on the phone: a few hundred full photos and thousands of thumbnails. */
export const PHOTO_CACHE_MAX_BYTES = 40 * 1024 * 1024
/** Showing a photo again refreshes its place in the cache at most this often, not on every screen. */
const TOUCH_AFTER_MS = 24 * 60 * 60 * 1000

/** The photo cache (see CachedPhoto): downloads in, least recently used out. */
export function photoCache(db: DoorstepDatabase) {
  return {
    /** Stores a download, then evicts the least recently used until the cache fits `maxBytes`. */
    async put(sha256: string, size: PhotoSize, data: ArrayBuffer, type: string, now: Date, maxBytes = PHOTO_CACHE_MAX_BYTES): Promise<void> {
      const row: CachedPhoto = { sha256, size, data, type, bytes: data.byteLength, usedAt: now.toISOString() }
      await guardQuota(() =>
        db.transaction('rw', db.photoCache, async () => {
          await db.photoCache.put(row)
          await evict(db, maxBytes)
        }),
      )
    },

    /** Which of these are cached, by `sha256:size`, read from the keys alone. */
    async has(keys: Array<[string, PhotoSize]>): Promise<Set<string>> {
      const found = await db.photoCache.where('[sha256+size]').anyOf(keys).primaryKeys()
      return new Set(found.map(([sha256, size]) => `${sha256}:${size}`))
    },

    /** Marks these photos as just shown, so that eviction takes others first. */
    async touch(hashes: string[], now: Date): Promise<void> {
      const stale = new Date(now.getTime() - TOUCH_AFTER_MS).toISOString()
      const keys = hashes.flatMap((sha256): Array<[string, PhotoSize]> => [[sha256, 'thumb'], [sha256, 'full']])
      await db.photoCache
        .where('[sha256+size]')
        .anyOf(keys)
        .filter((row) => row.usedAt < stale)
        .modify({ usedAt: now.toISOString() })
    },
  }
}

/** Deletes the least recently used rows until the rest fit. Call inside a transaction over photoCache. */
async function evict(db: DoorstepDatabase, maxBytes: number): Promise<void> {
  const byAge = db.photoCache.orderBy('[usedAt+bytes]')
  const [ages, keys] = await Promise.all([byAge.keys() as Promise<unknown[]> as Promise<Array<[string, number]>>, byAge.primaryKeys()])
  let total = ages.reduce((sum, [, bytes]) => sum + bytes, 0)
  const doomed: Array<[string, PhotoSize]> = []
  for (let i = 0; i < keys.length && total > maxBytes; i++) {
    total -= ages[i]![1]
    doomed.push(keys[i]!)
  }
  if (doomed.length) await db.photoCache.bulkDelete(doomed)
}
