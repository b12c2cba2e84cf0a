import { TextReader, Uint8ArrayReader, Uint8ArrayWriter, ZipWriter } from '@zip.js/zip.js'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { createRepositories } from '@/app/db'
import { DoorstepDatabase } from '@/app/db/database'
import { buildRescueFile } from '@/app/features/settings/rescue-file'
import { PUSH_MAX_MUTATIONS, RESCUE_JSON, RESCUE_MAX_BYTES, RESCUE_PASSWORD_HEADER, rescuePhotoPath, type RescueResult } from '@/domain'
import { openRescue } from '@/server/rescue/open'
import { issueFields, visitFields } from '../fixtures'
import { mutation } from '../fixtures/mutations'
import { png, sha256 } from '../fixtures/images'
import { describeEngines, pushBody, startApi, type Answer, type TestApi } from './api'

const PASSWORD = '楼长密码123'

/**
 * A rescue file, made by the phone's own code from a phone whose outbox holds `leader1`'s work (signed in
 * on `deviceId`), imported by the office: applied once as the leader's push, refused whole when it is not
 * the leader's file or its password is wrong.
 */
describeEngines('rescue file import', (engine) => {
  let api: TestApi
  let office: { token: string }
  const phones: DoorstepDatabase[] = []
  beforeAll(async () => {
    api = await startApi(engine)
    office = await api.login('office1')
  })
  afterEach(async () => {
    for (const db of phones.splice(0)) await db.delete()
  })
  afterAll(() => api.close())

  /** A phone signed in as `userId` on `deviceId` (the server's ids) with a report and a visit waiting, the report with a photo. */
  async function phoneWithWork(userId: string, deviceId: string, shade: number, photo = png(4, 4, shade), moreVisits = 0) {
    const db = new DoorstepDatabase(`rescue-${crypto.randomUUID()}`)
    phones.push(db)
    await db.meta.bulkPut([
      { key: 'syncDeviceId', value: deviceId },
      { key: 'userId', value: userId },
    ])
    const data = new Uint8Array(photo).buffer
    await db.attachments.put({ sha256: sha256(photo), type: 'image/png', bytes: photo.length, width: 4, height: 4, data, thumb: data, thumbType: 'image/png', createdAt: '2026-12-01T00:00:00.000Z' })
    const repos = createRepositories(db)
    const author = { userId, deviceId }
    const report = await repos.issues.create(issueFields({ photos: [sha256(photo)] }), author)
    const visit = await repos.visits.create(visitFields(), author)
    await repos.visits.update(visit.id, { outcome: '救援文件带回来的' })
    for (let i = 0; i < moreVisits; i++) await repos.visits.create(visitFields({ outcome: `第${i}次` }), author)
    const file = Buffer.from(await (await buildRescueFile(db, PASSWORD)).file.arrayBuffer())
    return { db, file, report, visit, photo: sha256(photo) }
  }

  const importFile = (token: string, file: Buffer, password = PASSWORD, community = 'c-nanmen') =>
    api.call('POST', `/api/v1/communities/${community}/rescue`, {
      token,
      body: file,
      headers: { 'content-type': 'application/zip', [RESCUE_PASSWORD_HEADER]: encodeURIComponent(password) },
    })
  const error = (answer: Answer) => [answer.status, (answer.json as { error: string }).error]
  const appliedMutations = async () => (await api.tables().selectFrom('mutations').select('mutation_id').execute()).length

  it('applies the leader’s work once, as the leader’s push, with its photo; a second import changes nothing', async () => {
    const leader = await api.login('leader1')
    const { file, report, visit, photo } = await phoneWithWork('u-leader1', leader.deviceId, 0x21)

    const first = await importFile(office.token, file)
    expect(first.status, first.body).toBe(200)
    expect(first.json).toEqual({ applied: 3, duplicate: 0, conflict: 0, rejected: [], photos: 1, badPhotos: 0, refusedEarlier: 0 } satisfies RescueResult)
    const changes = await api.pullAll(office.token)
    const stored = (id: string) => changes.filter((c) => c.id === id).at(-1)!
    expect(stored(report.id).record).toMatchObject({ createdBy: 'u-leader1', photos: [photo], status: 'submitted' })
    expect(stored(visit.id).record).toMatchObject({ createdBy: 'u-leader1', outcome: '救援文件带回来的' })
    expect((await api.call('GET', `/api/v1/attachments/${photo}`, { token: office.token })).status).toBe(200)

    const before = await appliedMutations()
    const again = await importFile(office.token, file)
    expect(again.json).toMatchObject({ applied: 0, duplicate: 3, rejected: [] })
    expect(await appliedMutations()).toBe(before)
    expect((await api.pullAll(office.token)).length).toBe(changes.length)
    // The office wrote as the leader: the audit says so, twice.
    const audited = await api.tables().selectFrom('audit_events').select(['action', 'actor_id', 'target', 'rows']).where('action', '=', 'rescue.import').execute()
    expect(audited).toEqual([
      { action: 'rescue.import', actor_id: 'u-office1', target: 'u-leader1', rows: 3 },
      { action: 'rescue.import', actor_id: 'u-office1', target: 'u-leader1', rows: 3 },
    ])
  })

  it('is a duplicate of the phone’s own push, whichever comes first', async () => {
    const leader = await api.login('leader1')
    const { db, file } = await phoneWithWork('u-leader1', leader.deviceId, 0x22)
    const { toMutation } = await import('@/app/sync/mutations')
    const outbox = (await db.outbox.orderBy('seq').toArray()).map((entry) => toMutation(entry as Parameters<typeof toMutation>[0]))
    await api.call('PUT', `/api/v1/attachments/${sha256(png(4, 4, 0x22))}`, { token: leader.token, body: png(4, 4, 0x22), headers: { 'content-type': 'image/png' } })
    const pushed = await api.call('POST', '/api/v1/sync/push', { token: leader.token, json: pushBody(leader.deviceId, outbox) })
    expect(pushed.json).toMatchObject({ results: [{ status: 'applied' }, { status: 'applied' }, { status: 'applied' }] })
    expect((await importFile(office.token, file)).json).toMatchObject({ applied: 0, duplicate: 3 })
  })

  it('counts a change that lost a field to another device as a conflict, again on a second import', async () => {
    const leader = await api.login('leader1')
    const { db, file, visit } = await phoneWithWork('u-leader1', leader.deviceId, 0x29)
    const { toMutation } = await import('@/app/sync/mutations')
    // The phone's report and visit reached the server; its later edit of the visit's outcome did not.
    const [report, created] = (await db.outbox.orderBy('seq').toArray()).map((entry) => toMutation(entry as Parameters<typeof toMutation>[0]))
    await api.call('PUT', `/api/v1/attachments/${sha256(png(4, 4, 0x29))}`, { token: leader.token, body: png(4, 4, 0x29), headers: { 'content-type': 'image/png' } })
    const pushed = await api.call('POST', '/api/v1/sync/push', { token: leader.token, json: pushBody(leader.deviceId, [report, created]) })
    const { rev } = (pushed.json as { results: Array<{ rev: number }> }).results[1]!
    // Meanwhile the leader's tablet changed that outcome.
    const tablet = await api.login('leader1')
    await api.call('POST', '/api/v1/sync/push', { token: tablet.token, json: pushBody(tablet.deviceId, [mutation.put('visits', visit.id, { outcome: '平板上改的' }, rev)]) })

    const first = await importFile(office.token, file)
    expect(first.json).toMatchObject({ applied: 0, duplicate: 2, conflict: 1, rejected: [] })
    // The office sees the lost value again, not a bare duplicate, whichever import it reads.
    expect((await importFile(office.token, file)).json).toMatchObject({ applied: 0, duplicate: 2, conflict: 1, rejected: [] })
    const stored = (await api.pullAll(office.token)).filter((c) => c.id === visit.id).at(-1)!.record
    expect(stored).toMatchObject({ outcome: '平板上改的', conflicts: [{ field: 'outcome', value: '救援文件带回来的' }] })
  })

  it('imports the work of a phone the office wiped: the file came by hand, not from the phone', async () => {
    const leader = await api.login('leader1')
    const { file } = await phoneWithWork('u-leader1', leader.deviceId, 0x23)
    expect((await api.call('DELETE', `/api/v1/users/u-leader1/devices/${leader.deviceId}?mode=wipe`, { token: office.token })).status).toBe(204)
    expect((await importFile(office.token, file)).json).toMatchObject({ applied: 3 })
  })

  it('applies the changes of a photo that is no whole image, and leaves the photo out; more than one push batch goes whole', async () => {
    const leader = await api.login('leader1')
    const { file, report, photo } = await phoneWithWork('u-leader1', leader.deviceId, 0, Buffer.from('not a picture at all'), PUSH_MAX_MUTATIONS)

    const answer = await importFile(office.token, file)
    expect(answer.json).toEqual({ applied: 3 + PUSH_MAX_MUTATIONS, duplicate: 0, conflict: 0, rejected: [], photos: 0, badPhotos: 1, refusedEarlier: 0 } satisfies RescueResult)
    expect((await api.pullAll(office.token)).filter((c) => c.id === report.id).at(-1)?.record).toMatchObject({ photos: [photo] })
    expect(await api.storage.hasAttachment(photo)).toBe(false)
  })

  it('refuses a file over 50 MB before opening it', async () => {
    const answer = await importFile(office.token, Buffer.alloc(RESCUE_MAX_BYTES + 1))
    expect(error(answer)).toEqual([413, 'payload_too_large'])
  })

  it('refuses a wrong password and a changed file, and stores nothing', async () => {
    const leader = await api.login('leader1')
    const { file, report } = await phoneWithWork('u-leader1', leader.deviceId, 0x24)
    const before = await appliedMutations()

    expect(error(await importFile(office.token, file, 'not-the-password'))).toEqual([400, 'bad_password'])
    const changed = Buffer.from(file)
    changed[150] = changed[150]! ^ 0x01
    expect(error(await importFile(office.token, changed))).toEqual([400, 'invalid_rescue'])
    expect(error(await importFile(office.token, Buffer.from('PK\u0003\u0004 not really a zip')))).toEqual([400, 'invalid_rescue'])
    expect(error(await api.call('POST', '/api/v1/communities/c-nanmen/rescue', { token: office.token, body: file, headers: { 'content-type': 'application/zip' } }))).toEqual([400, 'bad_request'])

    // Rewritten with the right password and a photo no record names: not what the phone writes.
    const opened = await openRescue(file, PASSWORD)
    const rewritten = new ZipWriter(new Uint8ArrayWriter(), { password: PASSWORD, encryptionStrength: 3, useWebWorkers: false })
    await rewritten.add(RESCUE_JSON, new TextReader(JSON.stringify(opened.file)))
    for (const [hash, bytes] of opened.photos) await rewritten.add(rescuePhotoPath(hash, 'image/png'), new Uint8ArrayReader(bytes))
    const stray = png(5, 5, 0x24)
    await rewritten.add(rescuePhotoPath(sha256(stray), 'image/png'), new Uint8ArrayReader(stray))
    expect(error(await importFile(office.token, Buffer.from(await rewritten.close())))).toEqual([400, 'invalid_rescue'])

    expect(await appliedMutations()).toBe(before)
    expect((await api.pullAll(office.token)).some((c) => c.id === report.id)).toBe(false)
    expect(await api.storage.hasAttachment(sha256(png(4, 4, 0x24)))).toBe(false)
    expect(await api.storage.hasAttachment(sha256(stray))).toBe(false)
  })

  it('is the office’s of the leader’s community: another community’s office gets 404, a leader 403, a file of someone else’s device 403', async () => {
    const leader = await api.login('leader1')
    const { file } = await phoneWithWork('u-leader1', leader.deviceId, 0x25)
    const otherOffice = await api.login('office2')
    const before = await appliedMutations()

    expect(error(await importFile(otherOffice.token, file))).toEqual([404, 'not_found'])
    // Into its own community, the file of another community's leader is no leader of its own.
    await api.storage.putReference('c-other', 'communities', [{ id: 'c-other', name: '北门社区' }])
    expect(error(await importFile(otherOffice.token, file, PASSWORD, 'c-other'))).toEqual([403, 'forbidden'])
    expect(error(await importFile(leader.token, file))).toEqual([403, 'forbidden'])
    // leader2 is a leader of the community, but the device is leader1's.
    const leader2 = await api.login('leader2')
    const { file: misnamed } = await phoneWithWork('u-leader2', leader.deviceId, 0x26)
    expect(error(await importFile(office.token, misnamed))).toEqual([403, 'forbidden'])
    // The office's own account is no leader, even on its own device.
    const officeDevice = await api.login('office1')
    expect(error(await importFile(office.token, (await phoneWithWork('u-office1', officeDevice.deviceId, 0x27)).file))).toEqual([403, 'forbidden'])
    expect(await appliedMutations()).toBe(before)

    // leader2's own device: allowed, but what lies outside leader2's buildings is refused mutation by mutation, as in a push.
    const { file: outside } = await phoneWithWork('u-leader2', leader2.deviceId, 0x28)
    const answer = (await importFile(office.token, outside)).json as RescueResult
    expect(answer).toMatchObject({ applied: 0, duplicate: 0 })
    expect(answer.rejected.map((r) => r.code)).toEqual(['forbidden', 'forbidden', 'forbidden'])
    // The admin imports into any community.
    const admin = await api.login('admin1')
    expect((await importFile(admin.token, file)).json).toMatchObject({ applied: 3 })
  })
})
