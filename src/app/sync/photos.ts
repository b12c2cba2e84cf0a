import { db as appDb, type DoorstepDatabase, type PhotoSize } from '@/app/db/database'
import { photoCache } from '@/app/db/photo-cache'
import { createQueries } from '@/app/db/queries'
import { TransportError } from './errors'
import { readSession, sessionTransport } from './session'
import type { SyncTransport } from './transport'

/**
 * Photos of records this phone did not take, fetched from the server when a screen shows them and kept in
 * the photo cache for offline. The network only feeds IndexedDB: screens read the photos back through a live
 * query, so a photo appears in every list that names it as soon as it is stored.
 *
 * What a download costs decides when it happens: a thumbnail is fetched when shown, always; the full photo
 * is prefetched after it only on an unmetered connection, and otherwise fetched when the leader opens it.
 */

export interface PhotoLoaderOptions {
  db: DoorstepDatabase
  /** The transport of the signed-in session; null when nobody is signed in (nothing can be fetched). */
  transport: () => Promise<SyncTransport | null>
  /** Whether the connection costs money or is slow (see `isMetered`). */
  metered?: () => boolean
  now?: () => Date
  /** The cache's size bound (default PHOTO_CACHE_MAX_BYTES). */
  maxCacheBytes?: number
}

export type PhotoLoader = ReturnType<typeof createPhotoLoader>
type Fetched = 'stored' | 'unavailable' | 'stop'

export function createPhotoLoader({ db, transport, metered = isMetered, now = () => new Date(), maxCacheBytes }: PhotoLoaderOptions) {
  const cache = photoCache(db)
  const queries = createQueries(db)
  // One download per image however many lists show it at once.
  const inFlight = new Map<string, Promise<Fetched>>()

  /**
   * Downloads one image into the cache: `stored`, `unavailable` (this one cannot be had: not uploaded yet,
   * or not the caller's to see) or `stop` (none can now: offline, signed out, the token refused).
   */
  function fetchOne(sha256: string, size: PhotoSize): Promise<Fetched> {
    const key = `${sha256}:${size}`
    let job = inFlight.get(key)
    if (!job) {
      job = (async (): Promise<Fetched> => {
        const server = await transport()
        if (!server) return 'stop'
        try {
          const { data, type } = await server.getAttachment(sha256, size)
          await cache.put(sha256, size, data, type, now(), maxCacheBytes)
          return 'stored'
        } catch (error) {
          console.warn('photo not downloaded', sha256, size, error)
          return error instanceof TransportError && error.code === 'refused' ? 'unavailable' : 'stop'
        }
      })().finally(() => inFlight.delete(key))
      inFlight.set(key, job)
    }
    return job
  }

  return {
    /**
     * The photos a screen shows: their thumbnails fetched where missing, one after another (a weak signal
     * serves one small answer faster than many at once), then — unmetered only — their full photos.
     */
    async show(hashes: string[]): Promise<void> {
      const here = await queries.photoThumbs(hashes)
      await cache.touch(hashes, now())
      for (const photo of here) {
        if (!photo.thumb && (await fetchOne(photo.sha256, 'thumb')) === 'stop') return
      }
      if (metered()) return
      for (const photo of await queries.photoThumbs(hashes)) {
        if (photo.thumb && !photo.full && (await fetchOne(photo.sha256, 'full')) === 'stop') return
      }
    },

    /** The full photo, for the viewer: fetched if it is not here, whatever the connection. */
    async full(sha256: string) {
      const here = await queries.photo(sha256)
      if (here || (await fetchOne(sha256, 'full')) !== 'stored') return here
      return queries.photo(sha256)
    },
  }
}

interface NetworkInformation {
  saveData?: boolean
  type?: string
  effectiveType?: string
}

/**
 * A connection the leader pays for by the megabyte, or one too slow to spend on photos nobody asked for:
 * Data Saver on, a cellular link, or one that performs like 3G or worse. Browsers without the Network
 * Information API (Safari, Firefox) count as unmetered.
 */
export function isMetered(connection = (globalThis.navigator as { connection?: NetworkInformation } | undefined)?.connection): boolean {
  if (!connection) return false
  return !!connection.saveData || connection.type === 'cellular' || ['slow-2g', '2g', '3g'].includes(connection.effectiveType ?? '')
}

let appLoader: PhotoLoader | undefined

/** The app's loader, speaking for whoever is signed in at the time of each download. */
export function appPhotoLoader(): PhotoLoader {
  appLoader ??= createPhotoLoader({
    db: appDb,
    transport: async () => {
      const session = await readSession(appDb)
      return session && sessionTransport(session)
    },
  })
  return appLoader
}
