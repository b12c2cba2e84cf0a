import { afterEach, describe, expect, it, vi } from 'vitest'
import { DoorstepDatabase, type PhotoSize } from '@/app/db/database'
import { createQueries } from '@/app/db/queries'
import { TransportError } from '@/app/sync/errors'
import { createPhotoLoader, isMetered } from '@/app/sync/photos'
import { createTransportDouble } from '@/app/sync/transport-double'

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill).buffer
const SHA = (c: string) => c.repeat(64)

const opened: DoorstepDatabase[] = []
afterEach(async () => {
  for (const db of opened.splice(0)) await db.delete()
})

/** A phone with a photo cache, over a server that has `photos` (someone else's, by hash). */
function phone({ metered = false, online = true, maxCacheBytes = 1024 * 1024, photos = {} as Record<string, ArrayBuffer> } = {}) {
  const db = new DoorstepDatabase(`photos-${crypto.randomUUID()}`)
  opened.push(db)
  const server = createTransportDouble()
  for (const [sha256, data] of Object.entries(photos)) server.photos.set(sha256, { data, type: 'image/jpeg' })
  const network = { online }
  const gets: Array<[string, PhotoSize]> = []
  const get = server.transport.getAttachment
  server.transport.getAttachment = (sha256, size) => {
    if (!network.online) return Promise.reject(new TransportError('offline', 'no network'))
    gets.push([sha256, size])
    return get(sha256, size)
  }
  let clock = Date.parse('2026-12-01T08:00:00Z')
  const now = () => new Date((clock += 1000))
  const loader = createPhotoLoader({ db, transport: async () => server.transport, metered: () => metered, now, maxCacheBytes })
  return { db, loader, gets, network, queries: createQueries(db) }
}

describe('photos of other people’s records', () => {
  it('fetches the thumbnail of a photo shown and not here, then the full photo on an unmetered connection', async () => {
    const { loader, gets, queries } = phone({ photos: { [SHA('a')]: bytes(100, 1) } })

    await loader.show([SHA('a')])

    expect(gets).toEqual([[SHA('a'), 'thumb'], [SHA('a'), 'full']])
    const [shown] = await queries.photoThumbs([SHA('a')])
    expect(shown).toMatchObject({ sha256: SHA('a'), thumb: { type: 'image/jpeg' }, full: true })
    expect((await queries.photo(SHA('a')))?.data.byteLength).toBe(100)
  })

  it('on a metered connection fetches thumbnails only, and the full photo when it is opened', async () => {
    const { loader, gets, queries } = phone({ metered: true, photos: { [SHA('a')]: bytes(100, 1), [SHA('b')]: bytes(100, 2) } })

    await loader.show([SHA('a'), SHA('b')])
    expect(gets).toEqual([[SHA('a'), 'thumb'], [SHA('b'), 'thumb']])
    expect((await queries.photoThumbs([SHA('a'), SHA('b')])).map((p) => p.full)).toEqual([false, false])

    const full = await loader.full(SHA('b'))
    expect(full?.data.byteLength).toBe(100)
    expect(gets.at(-1)).toEqual([SHA('b'), 'full'])
  })

  it('serves what it fetched offline, without asking the network again', async () => {
    const { loader, gets, network, queries } = phone({ photos: { [SHA('a')]: bytes(100, 1) } })
    await loader.show([SHA('a')])
    network.online = false
    gets.length = 0

    await loader.show([SHA('a')])

    expect(gets).toEqual([])
    expect((await queries.photoThumbs([SHA('a')]))[0]?.thumb).not.toBeNull()
    expect((await loader.full(SHA('a')))?.data.byteLength).toBe(100)
  })

  it('offline with nothing cached, leaves the photo missing and stops asking until the next show', async () => {
    const { loader, network, queries } = phone({ online: false, photos: { [SHA('a')]: bytes(100, 1), [SHA('b')]: bytes(100, 2) } })
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})

    await loader.show([SHA('a'), SHA('b')])
    expect(await loader.full(SHA('a'))).toBeUndefined()
    expect((await queries.photoThumbs([SHA('a'), SHA('b')])).map((p) => p.thumb)).toEqual([null, null])
    expect(warn).toHaveBeenCalledTimes(2)

    network.online = true
    await loader.show([SHA('a'), SHA('b')])
    expect((await queries.photoThumbs([SHA('a'), SHA('b')])).every((p) => p.thumb && p.full)).toBe(true)
    warn.mockRestore()
  })

  it('skips a photo the server does not have yet and fetches the others', async () => {
    const { loader, queries } = phone({ photos: { [SHA('b')]: bytes(100, 2) } })
    vi.spyOn(console, 'warn').mockImplementationOnce(() => {})

    await loader.show([SHA('a'), SHA('b')])

    expect((await queries.photoThumbs([SHA('a'), SHA('b')])).map((p) => !!p.thumb)).toEqual([false, true])
  })

  it('never downloads a photo taken on this phone', async () => {
    const { db, loader, gets, queries } = phone()
    await db.attachments.put(ownPhoto(SHA('c')))

    await loader.show([SHA('c')])

    expect(gets).toEqual([])
    expect((await queries.photoThumbs([SHA('c')]))[0]).toMatchObject({ thumb: { type: 'image/jpeg' }, full: true })
  })

  it('evicts the least recently used downloads past its size bound, never the photos taken on this phone', async () => {
    const photos = Object.fromEntries(['a', 'b', 'c', 'd'].map((c, i) => [SHA(c), bytes(400, i)]))
    const { db, loader, queries } = phone({ maxCacheBytes: 1000, photos })
    await db.attachments.put(ownPhoto(SHA('e')))

    for (const c of ['a', 'b', 'c', 'd']) await loader.show([SHA(c)])

    // Each show stores an 8-byte thumbnail and a 400-byte photo: two photos and their thumbnails fit, the oldest go.
    const held = await queries.photoThumbs(['a', 'b', 'c', 'd', 'e'].map(SHA))
    expect(held.map((p) => p.full)).toEqual([false, false, true, true, true])
    expect(await db.photoCache.count()).toBe(4)
    expect((await queries.photo(SHA('e')))?.data.byteLength).toBe(2000)
  })

  it('keeps a photo shown again ahead of older ones', async () => {
    const photos = Object.fromEntries(['a', 'b', 'c'].map((c, i) => [SHA(c), bytes(400, i)]))
    const { db, loader, queries } = phone({ metered: true, maxCacheBytes: 20, photos })
    await loader.show([SHA('a')])
    await loader.show([SHA('b')])
    // A day later, `a` is shown again, then `c` arrives: `b` is the least recently used.
    await db.photoCache.toCollection().modify({ usedAt: '2026-11-01T00:00:00.000Z' })
    await loader.show([SHA('a')])
    await loader.show([SHA('c')])

    expect((await queries.photoThumbs(['a', 'b', 'c'].map(SHA))).map((p) => !!p.thumb)).toEqual([true, false, true])
  })
})

describe('isMetered', () => {
  it('counts Data Saver, cellular and 3G-or-slower links as metered, and a browser that does not say as unmetered', () => {
    expect(isMetered({ saveData: true, effectiveType: '4g' })).toBe(true)
    expect(isMetered({ type: 'cellular', effectiveType: '4g' })).toBe(true)
    for (const effectiveType of ['slow-2g', '2g', '3g']) expect(isMetered({ effectiveType })).toBe(true)
    expect(isMetered({ type: 'wifi', effectiveType: '4g' })).toBe(false)
    expect(isMetered(undefined)).toBe(false)
  })
})

function ownPhoto(sha256: string) {
  return {
    sha256,
    type: 'image/jpeg' as const,
    bytes: 2000,
    width: 10,
    height: 10,
    data: bytes(2000, 9),
    thumb: bytes(50, 9),
    thumbType: 'image/jpeg' as const,
    createdAt: '2026-12-01T07:00:00.000Z',
  }
}
