import { TextReader, Uint8ArrayReader, Uint8ArrayWriter, ZipWriter } from '@zip.js/zip.js'
import { describe, expect, it } from 'vitest'
import { buildRescueFile, rescuableCount, rescueFileName } from '@/app/features/settings/rescue-file'
import { toMutation, type QueuedEntry } from '@/app/sync/mutations'
import { RESCUE_JSON } from '@/domain'
import { HttpError } from '@/server/errors'
import { openRescue } from '@/server/rescue/open'
import { JPEG_1x1, sha256 } from '../../fixtures/images'
import { visitFields } from '../../fixtures'
import { device } from '../sync/harness'

const PASSWORD = '六位密码abc'

/** A phone with two waiting changes of a visit that names a photo taken here. */
async function phoneWithWork() {
  const phone = await device()
  const photo = sha256(JPEG_1x1)
  const data = new Uint8Array(JPEG_1x1).buffer
  await phone.db.attachments.put({ sha256: photo, type: 'image/jpeg', bytes: JPEG_1x1.length, width: 1, height: 1, data, thumb: data, thumbType: 'image/jpeg', createdAt: '2026-11-20T03:00:00.000Z' })
  const visit = await phone.repos.visits.create(visitFields({ photos: [photo] }), phone.author)
  await phone.repos.visits.update(visit.id, { outcome: '下周再来' })
  return { ...phone, photo }
}

async function bytesOf(file: Blob): Promise<Uint8Array> {
  return new Uint8Array(await file.arrayBuffer())
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => undefined, (e: unknown) => e)
  expect(error).toBeInstanceOf(HttpError)
  return (error as HttpError).code
}

describe('rescue file', () => {
  it('holds the outbox exactly as a push sends it and the photos it names, and the server opens it with the password', async () => {
    const { db, photo } = await phoneWithWork()
    const now = new Date('2026-11-20T17:30:00Z')
    const record = (await db.visits.toCollection().first())!
    await db.rejections.put({ mutationId: 'm-refused', table: 'visits', recordId: record.id, kind: 'put', code: 'forbidden', message: 'not your building', at: '2026-11-19T03:00:00.000Z', record })

    const built = await buildRescueFile(db, PASSWORD, now)
    const opened = await openRescue(await bytesOf(built.file), PASSWORD)

    const outbox = (await db.outbox.orderBy('seq').toArray()) as QueuedEntry[]
    expect(outbox).toHaveLength(2)
    expect(opened.file.mutations).toEqual(outbox.map(toMutation))
    expect(opened.file).toMatchObject({ version: 1, deviceId: (await db.meta.get('syncDeviceId'))!.value, userId: (await db.meta.get('userId'))!.value, createdAt: now.toISOString() })
    // What the server had refused goes along for the office to read, as the leader typed it.
    expect(opened.file.refused).toEqual([{ table: 'visits', recordId: record.id, code: 'forbidden', message: 'not your building', at: '2026-11-19T03:00:00.000Z', record: JSON.parse(JSON.stringify(record)) }])
    expect([...opened.photos.keys()]).toEqual([photo])
    expect(opened.photos.get(photo)!.equals(JPEG_1x1)).toBe(true)
    // The China day names the file: 01:30 on the 21st there.
    expect(built.name).toBe('楼长助手-没同步的记录-2026-11-21.zip')
    expect(rescueFileName(now)).toBe(built.name)
    // The phone keeps its outbox: it may still sync.
    expect(await db.outbox.count()).toBe(2)
  })

  it('is offered only while the phone holds unsent or refused work', async () => {
    const idle = await device()
    expect(await rescuableCount(idle.db)).toBe(0)
    const { db, engine } = await phoneWithWork()
    expect(await rescuableCount(db)).toBe(2)
    await engine.sync()
    expect(await db.outbox.count()).toBe(0)
    expect(await rescuableCount(db)).toBe(0)
    await db.rejections.put({ mutationId: 'm', table: 'visits', recordId: 'r', kind: 'put', code: 'forbidden', message: 'no', at: '2026-11-20T03:00:00.000Z', record: (await db.visits.toCollection().first())! })
    expect(await rescuableCount(db)).toBe(1)
    // Signed out (no device the server named): the work belongs to no account the office could import it as.
    await db.meta.delete('syncDeviceId')
    expect(await rescuableCount(db)).toBe(0)
  })

  it('is refused with a wrong password, changed bytes, or anything that is not a rescue file', async () => {
    const { db } = await phoneWithWork()
    const bytes = await bytesOf((await buildRescueFile(db, PASSWORD)).file)

    expect(await refusal(openRescue(bytes, 'wrong-password'))).toBe('bad_password')
    // A byte in the middle of the JSON entry's ciphertext: its authentication code no longer matches.
    const changed = bytes.slice()
    changed[200] = changed[200]! ^ 0xff
    expect(await refusal(openRescue(changed, PASSWORD))).toBe('invalid_rescue')
    expect(await refusal(openRescue(bytes.slice(0, bytes.length - 40), PASSWORD))).toBe('invalid_rescue')
    expect(await refusal(openRescue(new TextEncoder().encode('not a zip at all'), PASSWORD))).toBe('invalid_rescue')

    // A zip without a password cannot pass for one: anyone could have written it.
    const plain = new ZipWriter(new Uint8ArrayWriter(), { useWebWorkers: false })
    await plain.add(RESCUE_JSON, new TextReader('{}'))
    expect(await refusal(openRescue(await plain.close(), PASSWORD))).toBe('invalid_rescue')
    // Encrypted, but not what the phone writes.
    const other = new ZipWriter(new Uint8ArrayWriter(), { password: PASSWORD, encryptionStrength: 3, useWebWorkers: false })
    await other.add(RESCUE_JSON, new TextReader('{"version":1}'))
    expect(await refusal(openRescue(await other.close(), PASSWORD))).toBe('invalid_rescue')
  })

  it('is refused when an entry unpacks to more than it claims (a small file that would fill the server’s memory)', async () => {
    const zip = new ZipWriter(new Uint8ArrayWriter(), { password: PASSWORD, encryptionStrength: 3, useWebWorkers: false })
    await zip.add(RESCUE_JSON, new TextReader(JSON.stringify({ version: 1, deviceId: 'd', userId: 'u', createdAt: '2026-11-20T00:00:00.000Z', mutations: [], refused: [] })))
    const zeros = new Uint8Array(6 * 1024 * 1024)
    await zip.add(`photos/${'a'.repeat(64)}.jpg`, new Uint8ArrayReader(zeros))
    const honest = await zip.close()
    expect(honest.length).toBeLessThan(20_000)
    expect(await refusal(openRescue(honest, PASSWORD))).toBe('invalid_rescue')
    // The same file claiming 100 bytes for the photo, in both its headers: AES authenticates the data, not them.
    const lying = honest.slice()
    const view = new DataView(lying.buffer)
    for (let i = 0; i + 46 < lying.length; i++) {
      if (view.getUint32(i, true) === 0x02014b50 && view.getUint32(i + 24, true) === zeros.length) view.setUint32(i + 24, 100, true)
      if (view.getUint32(i, true) === 0x04034b50 && view.getUint32(i + 22, true) === zeros.length) view.setUint32(i + 22, 100, true)
    }
    expect(lying).not.toEqual(honest)
    expect(await refusal(openRescue(lying, PASSWORD))).toBe('invalid_rescue')
  })

  it('is refused when its entries together unpack to more than a phone ever writes, before any is unpacked', async () => {
    const zip = new ZipWriter(new Uint8ArrayWriter(), { password: PASSWORD, encryptionStrength: 3, useWebWorkers: false })
    await zip.add(RESCUE_JSON, new TextReader(JSON.stringify({ version: 1, deviceId: 'd', userId: 'u', createdAt: '2026-11-20T00:00:00.000Z', mutations: [], refused: [] })))
    // 26 "photos" of 4 MB of zeros each: about 100 KB of file, 104 MB unpacked.
    const zeros = new Uint8Array(4 * 1024 * 1024)
    for (let i = 0; i < 26; i++) await zip.add(`photos/${i.toString(16).padStart(64, '0')}.jpg`, new Uint8ArrayReader(zeros))
    const bomb = await zip.close()
    expect(bomb.length).toBeLessThan(200_000)
    const opened = openRescue(bomb, PASSWORD)
    expect(await refusal(opened)).toBe('invalid_rescue')
    expect(await opened.catch((e: Error) => e.message)).toBe('This rescue file unpacks to more than a phone ever writes.')
  })
})
