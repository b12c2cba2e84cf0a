import { randomBytes } from 'node:crypto'
import { Migrator, sql, type Kysely } from 'kysely'
import sharp from 'sharp'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { MISSING_MAX_HASHES, PHOTO_MAX_BYTES } from '@/domain'
import { migrateToLatest, MIGRATIONS } from '@/server/storage/migrations'
import type { Database } from '@/server/storage/schema'
import { JPEG_1x1, png, PNG_192, sha256, WEBP_LOSSY_1x1 } from '../fixtures/images'
import { describeEngines, newIssue, pushBody, startApi, type TestApi } from './api'
import { openBareDatabase } from './bare-database'

describeEngines('attachments', (engine) => {
  let api: TestApi
  let leader1: string
  let leader2: string
  let office: string
  const url = (bytes: Buffer | string) => `/api/v1/attachments/${typeof bytes === 'string' ? bytes : sha256(bytes)}`
  const put = (token: string, bytes: Buffer, type = 'image/jpeg', name = sha256(bytes)) =>
    api.call('PUT', url(name), { token, body: bytes, headers: { 'content-type': type } })

  beforeAll(async () => {
    api = await startApi(engine)
    const login = await api.login('leader1')
    leader1 = login.token
    leader2 = (await api.login('leader2')).token
    office = (await api.login('office1')).token
    // leader1 reports an issue in their building that names the JPEG and the WebP.
    const report = newIssue({ photos: [sha256(JPEG_1x1), sha256(WEBP_LOSSY_1x1)] })
    const pushed = await api.call('POST', '/api/v1/sync/push', { token: leader1, json: pushBody(login.deviceId, [report]) })
    expect(pushed.json).toMatchObject({ results: [{ status: 'applied' }] })
  })
  afterAll(() => api.close())

  it('accepts a photo named by its hash, with its type and size read from the bytes, and a repeated PUT is harmless', async () => {
    expect((await api.call('HEAD', url(JPEG_1x1), { token: leader1 })).status).toBe(404)
    const first = await put(leader1, JPEG_1x1)
    expect(first.status).toBe(201)
    expect(first.json).toEqual({ sha256: sha256(JPEG_1x1), type: 'image/jpeg', bytes: JPEG_1x1.length, width: 1, height: 1 })
    const again = await put(leader1, JPEG_1x1)
    expect(again.status).toBe(200)
    expect(again.json).toEqual(first.json)
    const head = await api.call('HEAD', url(JPEG_1x1), { token: leader1 })
    expect(head.status).toBe(200)
    expect(head.body).toBe('')
  })

  it('trusts the bytes, not the declared type', async () => {
    const answer = await put(leader1, PNG_192, 'image/jpeg')
    expect(answer.status).toBe(201)
    expect(answer.json).toMatchObject({ type: 'image/png', width: 192, height: 192 })
  })

  it('gives a photo back to the leader who reported it and to the office, with its type', async () => {
    await put(leader1, WEBP_LOSSY_1x1, 'image/webp')
    for (const token of [leader1, office]) {
      const response = await api.app.inject({ method: 'GET', url: url(WEBP_LOSSY_1x1), headers: { authorization: `Bearer ${token}` } })
      expect(response.statusCode).toBe(200)
      expect(response.headers['content-type']).toBe('image/webp')
      expect(response.headers['cache-control']).toBe('private, max-age=31536000, immutable')
      expect(response.rawPayload.equals(WEBP_LOSSY_1x1)).toBe(true)
    }
  })

  it('gives a JPEG thumbnail at most 320 px on the long side, to those who may read the photo and to nobody else', async () => {
    const large = png(1200, 800)
    const login = await api.login('leader1')
    expect((await put(login.token, large, 'image/png')).status).toBe(201)
    const pushed = await api.call('POST', '/api/v1/sync/push', { token: login.token, json: pushBody(login.deviceId, [newIssue({ photos: [sha256(large)] })]) })
    expect(pushed.json).toMatchObject({ results: [{ status: 'applied' }] })
    for (const token of [leader1, office]) {
      const response = await api.app.inject({ method: 'GET', url: `${url(large)}?size=thumb`, headers: { authorization: `Bearer ${token}` } })
      expect(response.statusCode).toBe(200)
      expect(response.headers['content-type']).toBe('image/jpeg')
      expect(response.headers['cache-control']).toBe('private, max-age=31536000, immutable')
      expect(await sharp(response.rawPayload).metadata()).toMatchObject({ format: 'jpeg', width: 320, height: 213 })
    }
    const otherCommunity = (await api.login('office2')).token
    for (const token of [leader2, otherCommunity]) {
      const got = await api.call('GET', `${url(large)}?size=thumb`, { token })
      expect(got.status).toBe(404)
      expect(got.headers['cache-control']).toBe('no-store')
    }
    expect((await api.call('GET', `${url(large)}?size=thumb`, {})).status).toBe(401)
    expect((await api.call('GET', `${url(large)}?size=huge`, { token: leader1 })).status).toBe(400)
  })

  it('answers 404 to GET and HEAD of a photo the caller may not read, the same as for one nobody uploaded', async () => {
    await put(leader1, JPEG_1x1)
    const otherCommunity = (await api.login('office2')).token
    for (const token of [leader2, otherCommunity]) {
      const got = await api.call('GET', url(JPEG_1x1), { token })
      expect(got.status).toBe(404)
      expect(got.json).toMatchObject({ error: 'not_found' })
      expect((await api.call('HEAD', url(JPEG_1x1), { token })).status).toBe(404)
    }
    expect((await api.call('HEAD', url(JPEG_1x1), { token: office })).status).toBe(200)
    expect((await api.call('GET', url('0'.repeat(64)), { token: office })).status).toBe(404)
  })

  it('answers which photos to upload in one 200, counting as missing those the caller may not read', async () => {
    await put(leader1, JPEG_1x1)
    const absent = '0'.repeat(64)
    const ask = (token: string, hashes: string[]) => api.call('POST', '/api/v1/attachments/missing', { token, json: { hashes } })
    const mine = await ask(leader1, [sha256(JPEG_1x1), absent, absent])
    expect(mine.status).toBe(200)
    expect(mine.json).toEqual({ missing: [absent] })
    expect((await ask(leader2, [sha256(JPEG_1x1), absent])).json).toEqual({ missing: [sha256(JPEG_1x1), absent] })
    const tooMany = await ask(leader1, Array.from({ length: MISSING_MAX_HASHES + 1 }, () => absent))
    expect(tooMany.status).toBe(400)
    expect(tooMany.json).toMatchObject({ error: 'bad_request' })
    expect((await ask(leader1, ['NOT-A-HASH'])).status).toBe(400)
  })

  it("refuses a record that names another building's photo, which stays unreadable to its author", async () => {
    await put(leader1, JPEG_1x1)
    const login = await api.login('leader2')
    const theft = newIssue({ buildingId: 'b-qiaohu-32', photos: [sha256(JPEG_1x1)] })
    const pushed = await api.call('POST', '/api/v1/sync/push', { token: login.token, json: pushBody(login.deviceId, [theft]) })
    expect(pushed.json).toMatchObject({ results: [{ status: 'rejected', code: 'forbidden' }] })
    expect((await api.call('GET', url(JPEG_1x1), { token: login.token })).status).toBe(404)
  })

  it('lets a leader who uploads bytes the server already has name them on a record', async () => {
    const bytes = png(5, 5, 0x21)
    expect((await put(leader1, bytes, 'image/png')).status).toBe(201)
    const login = await api.login('leader2')
    expect((await put(login.token, bytes, 'image/png')).status).toBe(200)
    const report = newIssue({ buildingId: 'b-qiaohu-32', photos: [sha256(bytes)] })
    const pushed = await api.call('POST', '/api/v1/sync/push', { token: login.token, json: pushBody(login.deviceId, [report]) })
    expect(pushed.json).toMatchObject({ results: [{ status: 'applied' }] })
    expect((await api.call('HEAD', url(bytes), { token: login.token })).status).toBe(200)
  })

  it('refuses bytes that do not hash to the name with 400 hash_mismatch, and stores nothing', async () => {
    const name = sha256(Buffer.from('something else'))
    const answer = await put(leader1, PNG_192, 'image/png', name)
    expect(answer.status).toBe(400)
    expect(answer.json).toMatchObject({ error: 'hash_mismatch' })
    expect((await api.call('HEAD', url(name), { token: leader1 })).status).toBe(404)
  })

  it('refuses what is not a JPEG, PNG or WebP with 415, whatever its declared type', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>')
    const gif = Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1')
    for (const [bytes, type] of [[svg, 'image/svg+xml'], [gif, 'image/gif'], [Buffer.from('plain text'), 'image/png'], [JPEG_1x1, 'text/plain']] as const) {
      const answer = await put(leader1, bytes, type)
      expect(answer.status, type).toBe(415)
      expect(answer.json).toMatchObject({ error: 'unsupported_media_type' })
    }
    expect((await api.call('HEAD', url(svg), { token: leader1 })).status).toBe(404)
  })

  it('refuses noise behind a valid JPEG header with 415 and stores nothing', async () => {
    const header = Buffer.from('ffd8ffe000104a46494600010101004800480000ffc0001108' + '04b0' + '0640' + '03012200021101031101', 'hex')
    const noise = Buffer.concat([header, randomBytes(PHOTO_MAX_BYTES - header.length)])
    const answer = await put(leader1, noise)
    expect(answer.status).toBe(415)
    expect(answer.json).toEqual({ error: 'unsupported_media_type', message: expect.stringContaining('could not be decoded') })
    expect((await api.call('HEAD', url(noise), { token: leader1 })).status).toBe(404)
  })

  it('refuses a photo over the size limit with 413', async () => {
    const big = Buffer.concat([JPEG_1x1, Buffer.alloc(PHOTO_MAX_BYTES)])
    const answer = await put(leader1, big)
    expect(answer.status).toBe(413)
    expect(answer.json).toMatchObject({ error: 'payload_too_large' })
  })

  it('refuses a photo larger than 1600 px on a side with 413', async () => {
    const answer = await put(leader1, png(2000, 4), 'image/png')
    expect(answer.status).toBe(413)
  })

  it('refuses a bad name with 400 and an upload without a token with 401', async () => {
    expect((await put(leader1, JPEG_1x1, 'image/jpeg', 'NOT-A-HASH')).status).toBe(400)
    expect((await api.call('PUT', url(JPEG_1x1), { body: JPEG_1x1, headers: { 'content-type': 'image/jpeg' } })).status).toBe(401)
    expect((await api.call('GET', url(JPEG_1x1))).status).toBe(401)
  })
})

describeEngines('the upload quota', (engine) => {
  let api: TestApi
  const photos = [png(64, 64, 0x10), png(64, 64, 0x20), png(64, 64, 0x30)] as const
  beforeAll(async () => {
    // Room for two of these photos waiting for a record, not three.
    api = await startApi(engine, { limits: { unreferencedUploadBytes: photos[0].length * 2 + 10 } })
  })
  afterAll(() => api.close())

  it('refuses an upload past the bytes a user may hold unnamed with 429 quota_exceeded, until a push names the earlier ones', async () => {
    const { token, deviceId } = await api.login('leader1')
    const put = (bytes: Buffer) =>
      api.call('PUT', `/api/v1/attachments/${sha256(bytes)}`, { token, body: bytes, headers: { 'content-type': 'image/png' } })
    expect((await put(photos[0])).status).toBe(201)
    expect((await put(photos[1])).status).toBe(201)

    const refused = await put(photos[2])
    expect(refused.status).toBe(429)
    expect(refused.json).toEqual({ error: 'quota_exceeded', message: expect.any(String) })
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
    // A photo the server already has costs nothing more.
    expect((await put(photos[0])).status).toBe(200)
    // Another leader has their own room.
    const other = await api.login('leader2')
    const theirs = await api.call('PUT', `/api/v1/attachments/${sha256(photos[2])}`, {
      token: other.token,
      body: photos[2],
      headers: { 'content-type': 'image/png' },
    })
    expect(theirs.status).toBe(201)

    const report = newIssue({ photos: [sha256(photos[0]), sha256(photos[1])] })
    const pushed = await api.call('POST', '/api/v1/sync/push', { token, json: pushBody(deviceId, [report]) })
    expect(pushed.json).toMatchObject({ results: [{ status: 'applied' }] })
    const fourth = png(64, 64, 0x40)
    expect((await put(fourth)).status).toBe(201)
  })
})

describeEngines('the migration that adds attachment_uploads', (engine) => {
  let db: Kysely<Database>
  let close = async () => {}
  beforeAll(async () => {
    ;({ db, close } = await openBareDatabase(engine))
  })
  afterAll(() => close())

  it('keeps each photo stored before it readable by the leader who uploaded it', async () => {
    const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } })
    expect((await migrator.migrateTo('0002-records-device')).error).toBeUndefined()
    for (const [hash, user] of [['a', 'u-leader1'], ['b', 'u-leader2']] as const) {
      await sql`insert into attachments (sha256, type, bytes, width, height, content, created_at, uploaded_by)
                values (${hash.repeat(64)}, 'image/jpeg', 10, 1, 1, null, '2026-11-20T00:00:00.000Z', ${user})`.execute(db)
    }
    await migrateToLatest(db)
    const uploads = await db.selectFrom('attachment_uploads').select(['sha256', 'user_id']).orderBy('sha256').execute()
    expect(uploads).toEqual([
      { sha256: 'a'.repeat(64), user_id: 'u-leader1' },
      { sha256: 'b'.repeat(64), user_id: 'u-leader2' },
    ])
  })
})
