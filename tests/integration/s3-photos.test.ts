import sharp from 'sharp'
import { copyPhotosToS3 } from '@/server/cli/photos-to-s3'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { checkBucket, s3Blobs, s3Key } from '@/server/storage/s3-blobs'
import { sweepUnreferenced, UNREFERENCED_MAX_AGE_MS } from '@/server/sweep'
import { JPEG_1x1, png, sha256, WEBP_LOSSY_1x1 } from '../fixtures/images'
import { describeEngines, expectSafeAnswer, newIssue, openTestStorage, pushBody, startApi, type Answer, type TestApi, type TestStorage } from './api'
import { startS3Server, type TestS3 } from './s3-server'

/** A photo's object key. */
const name = (bytes: Buffer) => s3Key(sha256(bytes))

/**
 * The photo path of api-attachments.test.ts with DOORSTEP_S3_* set: the bytes in a local S3-compatible store
 * (s3rver), the database holding only their metadata, on either engine.
 */
describeEngines('photos in object storage', (engine) => {
  let s3: TestS3
  let api: TestApi
  let leader1: { token: string; deviceId: string }
  let leader2: string
  let office: string
  const url = (bytes: Buffer) => `/api/v1/attachments/${sha256(bytes)}`
  const put = (token: string, bytes: Buffer, type = 'image/png') => api.call('PUT', url(bytes), { token, body: bytes, headers: { 'content-type': type } })
  /** A request whose answer may be a 5xx (api.call fails every 5xx), with the other invariants checked. */
  async function raw(method: 'GET' | 'PUT', path: string, token: string, body?: Buffer): Promise<Answer & { bytes: Buffer }> {
    const response = await api.app.inject({ method, url: path, headers: { authorization: `Bearer ${token}`, 'content-type': 'image/png' }, payload: body })
    const json = String(response.headers['content-type']).startsWith('application/json') ? (response.json() as unknown) : undefined
    return { status: response.statusCode, headers: response.headers, body: response.body, json, bytes: response.rawPayload }
  }
  const photoColumns = () => api.tables().selectFrom('attachments').select(['sha256', 'content']).orderBy('sha256').execute()

  beforeAll(async () => {
    s3 = await startS3Server()
    api = await startApi(engine, {}, s3Blobs(s3.config))
    leader1 = await api.login('leader1')
    leader2 = (await api.login('leader2')).token
    office = (await api.login('office1')).token
  })
  afterAll(async () => {
    await api?.close()
    await s3?.close()
  })

  it('checks at startup that the bucket is there, and names it when it is not', async () => {
    await expect(checkBucket(s3.config)).resolves.toBeUndefined()
    await expect(checkBucket({ ...s3.config, bucket: 'jiangmen-typo' })).rejects.toThrow(/bucket "jiangmen-typo" at http:\/\/127\.0\.0\.1:\d+ is not usable \(no such bucket\)/)
  })

  it('keeps an upload in the bucket under its hash and only its metadata in the database, once however often it is sent', async () => {
    const bytes = png(40, 30, 0x11)
    const first = await put(leader1.token, bytes)
    expect(first.status).toBe(201)
    expect(first.json).toEqual({ sha256: sha256(bytes), type: 'image/png', bytes: bytes.length, width: 40, height: 30 })
    expect((await put(leader1.token, bytes)).status).toBe(200)
    // Another leader's phone sends the same bytes: stored once, and they become one of its uploaders.
    expect((await put(leader2, bytes)).status).toBe(200)
    const key = name(bytes)
    expect(key).toBe(`${sha256(bytes).slice(0, 2)}/${sha256(bytes).slice(2, 4)}/${sha256(bytes)}`)
    expect(await s3.keys()).toContain(key)
    expect((await s3.keys()).filter((k) => k === key)).toHaveLength(1)
    expect(await photoColumns()).toEqual([{ sha256: sha256(bytes), content: null }])
    // A hash the bucket does not have reads as nothing, not as a failing store.
    expect(await s3Blobs(s3.config).read('0'.repeat(64))).toBeUndefined()
  })

  it('gives a photo and its thumbnail from the store to the leader who reported it and to the office, and to nobody else', async () => {
    const large = png(1200, 800, 0x42)
    expect((await put(leader1.token, large)).status).toBe(201)
    expect((await put(leader1.token, WEBP_LOSSY_1x1, 'image/webp')).status).toBe(201)
    const report = newIssue({ photos: [sha256(large), sha256(WEBP_LOSSY_1x1)] })
    const pushed = await api.call('POST', '/api/v1/sync/push', { token: leader1.token, json: pushBody(leader1.deviceId, [report]) })
    expect(pushed.json).toMatchObject({ results: [{ status: 'applied' }] })
    for (const token of [leader1.token, office]) {
      const full = await raw('GET', url(WEBP_LOSSY_1x1), token)
      expectSafeAnswer(full, `GET ${url(WEBP_LOSSY_1x1)}`)
      expect(full.headers['content-type']).toBe('image/webp')
      expect(full.bytes.equals(WEBP_LOSSY_1x1)).toBe(true)
      const thumb = await raw('GET', `${url(large)}?size=thumb`, token)
      expect(thumb.status).toBe(200)
      expect(await sharp(thumb.bytes).metadata()).toMatchObject({ format: 'jpeg', width: 320, height: 213 })
    }
    const otherCommunity = (await api.login('office2')).token
    for (const token of [leader2, otherCommunity]) {
      expect((await api.call('GET', url(large), { token })).status).toBe(404)
      expect((await api.call('HEAD', url(large), { token })).status).toBe(404)
    }
    expect((await api.call('POST', '/api/v1/attachments/missing', { token: leader1.token, json: { hashes: [sha256(large)] } })).json).toEqual({ missing: [] })
    expect((await photoColumns()).every((row) => row.content === null)).toBe(true)
  })

  it('sweeps photos no record names from the bucket as well as from the database, and keeps the named ones', async () => {
    const abandoned = png(7, 7, 0x77)
    expect((await put(leader1.token, abandoned)).status).toBe(201)
    expect(await s3.keys()).toContain(name(abandoned))
    const removed = await sweepUnreferenced(api.storage, new Date(Date.now() + UNREFERENCED_MAX_AGE_MS + 60_000))
    // The 40×30 of the first test was never named either.
    expect(removed.count).toBe(2)
    const keys = await s3.keys()
    expect(keys).not.toContain(name(abandoned))
    expect(keys).toEqual([name(png(1200, 800, 0x42)), name(WEBP_LOSSY_1x1)].sort())
    expect((await api.call('GET', url(WEBP_LOSSY_1x1), { token: leader1.token })).status).toBe(200)
  })

  it('answers 503 storage_unavailable while the store is down, changes nothing, and takes the same upload once it is back', async () => {
    const rowsBefore = await photoColumns()
    await s3.stop()
    try {
      const upload = await raw('PUT', url(JPEG_1x1), leader1.token, JPEG_1x1)
      expect(upload.status).toBe(503)
      expect(upload.headers['retry-after']).toBe('60')
      expect(upload.json).toEqual({ error: 'storage_unavailable', message: expect.any(String) })
      expect(upload.headers['cache-control']).toBe('no-store')
      // A photo the server has cannot be read now: 503, never the 404 that tells a phone it does not exist.
      const read = await raw('GET', url(WEBP_LOSSY_1x1), leader1.token)
      expect(read.status).toBe(503)
      expect(read.json).toMatchObject({ error: 'storage_unavailable' })
      expect(await photoColumns()).toEqual(rowsBefore)
      // The phone keeps the photo and asks again: it is still missing.
      const missing = await api.call('POST', '/api/v1/attachments/missing', { token: leader1.token, json: { hashes: [sha256(JPEG_1x1)] } })
      expect(missing.json).toEqual({ missing: [sha256(JPEG_1x1)] })
    } finally {
      await s3.start()
    }
    expect((await put(leader1.token, JPEG_1x1, 'image/jpeg')).status).toBe(201)
    const back = await raw('GET', url(JPEG_1x1), leader1.token)
    expect(back.status).toBe(200)
    expect(back.bytes.equals(JPEG_1x1)).toBe(true)
    expect(await s3.keys()).toContain(name(JPEG_1x1))
  })
})

describeEngines('moving an existing deployment\'s photos into object storage', (engine) => {
  let s3: TestS3
  let opened: TestStorage
  const meta = { type: 'image/png' as const, width: 1, height: 1 }

  beforeAll(async () => {
    s3 = await startS3Server()
    // Today's storage: photos in files (SQLite) or in the attachments table (PostgreSQL).
    opened = await openTestStorage(engine)
  })
  afterAll(async () => {
    await opened?.cleanup()
    await s3?.close()
  })

  it('copies every photo into the bucket, skips those already there, and with --drop empties the database\'s copies', async () => {
    const photos = [png(3, 3, 1), png(3, 3, 2), png(3, 3, 3)]
    const at = new Date().toISOString()
    for (const bytes of photos) await opened.storage.putAttachment({ ...meta, sha256: sha256(bytes), bytes: bytes.length }, bytes, 'u-leader1', at)
    await s3Blobs(s3.config).write(sha256(photos[0]!), photos[0]!)

    expect(await copyPhotosToS3(opened.storage, s3.config)).toEqual({ copied: 2, present: 1, missing: [] })
    expect(await s3.keys()).toEqual(photos.map(name).sort())
    const store = s3Blobs(s3.config)
    for (const bytes of photos) expect((await store.read(sha256(bytes)))?.equals(bytes)).toBe(true)
    // Nothing dropped without being asked: the server without the variables still serves them.
    expect((await opened.storage.getAttachment(sha256(photos[1]!)))?.bytes.equals(photos[1]!)).toBe(true)

    const inline = await opened.tables().selectFrom('attachments').select('content').execute()
    expect(inline.every((row) => row.content !== null)).toBe(engine === 'postgres')
    expect(await copyPhotosToS3(opened.storage, s3.config, { drop: true })).toEqual({ copied: 0, present: 3, missing: [] })
    const rows = await opened.tables().selectFrom('attachments').select('content').execute()
    expect(rows).toHaveLength(3)
    expect(rows.every((row) => row.content === null)).toBe(true)
  })
})
