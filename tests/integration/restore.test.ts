import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { PullResponse, RECORD_TABLES, uuidv7, type Change } from '@/domain'
import type { SyncedRecord } from '@/app/db/database'
import { buildServer, type DoorstepServer } from '@/server/app'
import { runAdmin, type AdminIo } from '@/server/cli/admin'
import { openPostgresStorage } from '@/server/storage/postgres'
import { openSqliteStorage } from '@/server/storage/sqlite'
import type { Storage } from '@/server/storage/types'
import { issueFields, visitFields } from '../fixtures'
import { JPEG_1x1, png, sha256, storeTakenPhoto } from '../fixtures/images'
import { describeEngines, type Engine } from './api'
import { createNetwork, seededRandom, type Network } from './network'
import { openPhone, provisionCommunity, registerDevice, type Phone, type TestCommunity } from './phones'
import { createTestDatabase, findBinaries } from './postgres'

/*
 * Restoring an older backup loses nothing (docs/sync-protocol.md, "After a restore"): the real server on
 * loopback, backed up with the admin CLI while it runs (SQLite) or pg_dump (PostgreSQL, as the CLI prints),
 * restored with the server stopped; the real phone engine then notices the new epoch, sends back what the
 * server lost, and pulls again.
 */

describeEngines('restore from an older backup', (engine: Engine) => {
  let dir: string
  let storage: Storage
  let app: DoorstepServer
  let url = ''
  let open: () => Storage
  let network: Network
  let phones: Phone[] = []

  afterEach(async () => {
    await Promise.all(phones.map((phone) => phone.close()))
    phones = []
    await app?.close()
    await storage?.close()
    await rm(dir, { recursive: true, force: true })
  })

  async function start() {
    storage = open()
    await storage.migrate()
    app = buildServer({ storage })
    await app.listen({ port: 0, host: '127.0.0.1' })
    url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  }

  async function stop() {
    await app.close()
    await storage.close()
  }

  /** One admin command, on this test's database; answers its output, failing on a non-zero exit. */
  async function admin(args: string[]): Promise<string> {
    const out: string[] = []
    const io: AdminIo = {
      open: async () => storage,
      config: () => ({ dataDir: join(dir, 'data'), databaseUrl: engine === 'postgres' ? 'postgres://set' : undefined }),
      out: (line) => out.push(line),
      err: (line) => out.push(line),
      readPassword: () => Promise.reject(new Error('no password here')),
      now: () => new Date(),
    }
    const status = await runAdmin(args, io)
    expect(status, out.join('\n')).toBe(0)
    return out.join('\n')
  }

  async function setUp(): Promise<TestCommunity> {
    dir = await mkdtemp(join(tmpdir(), 'doorstep-restore-'))
    if (engine === 'postgres') {
      const database = await createTestDatabase(inject('postgresUrl'))
      open = () => openPostgresStorage({ url: database })
      backUp = async (file) => void execFileSync(join(findBinaries()!, 'pg_dump'), ['--format=custom', '--file', file, database])
      restore = async (file) => {
        execFileSync(join(findBinaries()!, 'pg_restore'), ['--clean', '--if-exists', '--no-owner', '--dbname', database, file])
        storage = open()
        await admin(['restored'])
        await storage.close()
      }
    } else {
      open = () => openSqliteStorage({ dataDir: join(dir, 'data') })
      backUp = async (file) => void (await admin(['backup', '--out', file]))
      restore = async (file) => void (await admin(['restore', '--from', file, '--yes']))
    }
    await start()
    network = createNetwork({ forward: (path, init) => fetch(url + path, init), restart: async () => {}, random: seededRandom(1) })
    return provisionCommunity(storage)
  }
  let backUp: (file: string) => Promise<void>
  let restore: (file: string) => Promise<void>

  async function phone(community: TestCommunity, who: keyof TestCommunity['users']): Promise<Phone> {
    const opened = await openPhone(network, await registerDevice(storage, community.users[who]))
    phones.push(opened)
    return opened
  }

  /** What the server's pull gives `phone`'s user, by id, records only, and the epoch it answers with. */
  async function serverView(phone: Phone): Promise<{ records: Map<string, unknown>; epoch: string | undefined }> {
    const changes: Change[] = []
    let cursor = ''
    let epoch: string | undefined
    for (;;) {
      const answer = await fetch(`${url}/api/v1/sync/pull?limit=1000&cursor=${cursor}`, { headers: { authorization: `Bearer ${phone.session.token}` } })
      const page = PullResponse.parse(await answer.json())
      changes.push(...page.changes)
      ;({ cursor, epoch } = page)
      if (!page.hasMore) break
    }
    const records = changes.filter((c) => (RECORD_TABLES as readonly string[]).includes(c.table))
    return { records: new Map(records.map((c) => [c.id, c.record])), epoch }
  }

  async function phoneRecords(phone: Phone): Promise<Map<string, SyncedRecord>> {
    const lists = await Promise.all(RECORD_TABLES.map((t) => phone.db.table<SyncedRecord, string>(t).toArray()))
    return new Map(lists.flat().map((r) => [r.id, r]))
  }

  /** The phone holds exactly what the server gives its user, field for field, and has nothing waiting or refused. */
  async function expectSame(phone: Phone) {
    expect(await phone.db.outbox.count(), `${phone.name}: outbox`).toBe(0)
    expect(await phone.db.rejections.toArray(), `${phone.name}: refusals`).toEqual([])
    const { records } = await serverView(phone)
    expect(await phoneRecords(phone), phone.name).toEqual(records)
  }

  it('answers a push or a pull of revisions of an earlier epoch 409 epoch_changed, applying nothing', async () => {
    const community = await setUp()
    const one = await phone(community, 'leader1')
    await one.repos.visits.create(visitFields({ buildingId: community.buildings.a, householdId: community.households[community.buildings.a]!, residentIds: [] }), one.author)
    expect(await one.engine.sync()).toMatchObject({ status: 'done', pushed: 1 })
    const epoch = (await one.db.meta.get('epoch'))!.value
    const cursor = (await one.db.meta.get('cursor'))!.value
    const before = await serverView(one)
    expect(before.epoch).toBe(epoch)

    await storage.renewDatabaseEpoch()
    const call = (path: string, body?: unknown) =>
      fetch(url + path, { method: body ? 'POST' : 'GET', headers: { authorization: `Bearer ${one.session.token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) })
    const visit = visitFields({ buildingId: community.buildings.a, householdId: community.households[community.buildings.a]!, residentIds: [] })
    const mutations = [{ mutationId: uuidv7(), deviceSeq: 9, kind: 'put', table: 'visits', recordId: uuidv7(), baseRev: null, fields: { ...visit, createdAt: new Date().toISOString() } }]
    for (const answer of [await call('/api/v1/sync/push', { protocol: 1, deviceId: one.session.deviceId, epoch, mutations }), await call(`/api/v1/sync/pull?cursor=${cursor}`)]) {
      expect(answer.status).toBe(409)
      expect(await answer.json()).toMatchObject({ error: 'epoch_changed' })
    }
    const after = await serverView(one)
    expect(after.records).toEqual(before.records)
    expect(after.epoch).not.toBe(epoch)
    // Without an epoch (an app from before epochs), a push goes through as before.
    expect((await call('/api/v1/sync/push', { protocol: 1, deviceId: one.session.deviceId, mutations })).status).toBe(200)
  })

  it('a restore the phone missed nothing of costs it a replay the server answers without a write, in few requests', { timeout: 60_000 }, async () => {
    const community = await setUp()
    const one = await phone(community, 'leader1')
    const building = community.buildings.a
    const fields = visitFields({ buildingId: building, householdId: community.households[building]!, residentIds: [] })
    await one.db.transaction('rw', [one.db.visits, one.db.outbox], async () => {
      for (let i = 0; i < 600; i++) await one.repos.visits.create({ ...fields, outcome: `第${i}户` }, one.author)
    })
    expect(await one.engine.sync()).toMatchObject({ status: 'done', pushed: 600 })
    const before = await serverView(one)
    const revisions = (view: typeof before) => [...view.records.values()].map((r) => (r as { rev: number }).rev)

    await storage.renewDatabaseEpoch()
    const sent = one.link.requests.length
    expect(await one.engine.sync()).toMatchObject({ status: 'done', pushed: 600, rejected: 0 })
    const requests = one.link.requests.slice(sent)
    // The refused pull (nothing waited to go), the replay in the server's largest batches (500, then 100), then the
    // whole pull again in pages of 500.
    const [pull, push] = ['GET /api/v1/sync/pull', 'POST /api/v1/sync/push']
    expect(requests).toEqual([pull, push, push, pull, pull])
    const after = await serverView(one)
    expect(revisions(after), 'no record written again').toEqual(revisions(before))
    await expectSame(one)
  })

  it('a leader’s records, edits, deletions and photo made after the backup come back, and another leader’s phone pulls them again', { timeout: 60_000 }, async () => {
    const community = await setUp()
    const shared = community.buildings.shared
    const household = community.households[shared]!
    const one = await phone(community, 'leader1')
    const two = await phone(community, 'leader2')
    const visit = (leader: Phone, outcome: string) => leader.repos.visits.create(visitFields({ buildingId: shared, householdId: household, residentIds: [], outcome }), leader.author)

    const old = await visit(one, '门口聊了几句')
    const oldReport = await one.repos.issues.create(issueFields({ buildingId: shared, householdId: null, description: '楼道灯坏了' }), one.author)
    const theirs = await visit(two, '老人身体还好')
    // A report the office has taken on: its leader may no longer change it, and a replay of it must not be refused.
    const office = await phone(community, 'office')
    const taken = await one.repos.issues.create(issueFields({ buildingId: shared, householdId: null, description: '单元门禁坏了' }), one.author)
    for (const leader of [one, two, office]) expect(await leader.engine.sync()).toMatchObject({ status: 'done', rejected: 0 })
    await office.repos.issues.changeStatus(taken.id, 'accepted', '已派物业', office.author)
    for (const leader of [office, one]) expect(await leader.engine.sync()).toMatchObject({ status: 'done', rejected: 0 })
    const before = await serverView(one)

    await backUp(join(dir, 'backup'))

    // After the backup: new visits, a report with a photo, an edit and a deletion of older records, all acknowledged …
    const later = [await visit(one, '帮忙办了社保年审'), await visit(one, '约好下周再来')]
    const photo = await storeTakenPhoto(one.db)
    const report = await one.repos.issues.create(issueFields({ buildingId: shared, householdId: null, description: '电动车在楼道充电', photos: [photo] }), one.author)
    await one.repos.visits.update(old.id, { outcome: '门口聊了几句，留了电话' })
    await one.repos.issues.remove(oldReport.id)
    expect(await one.engine.sync()).toMatchObject({ status: 'done', pushed: 5, rejected: 0 })
    // … and some still waiting: a new visit, an edit of an acknowledged one, a comment on the report the server will lose.
    const waiting = await visit(one, '没人在家')
    await one.repos.visits.update(later[0]!.id, { outcome: '帮忙办了社保年审，还要复印身份证' })
    await one.repos.issues.comment(report.id, '物业说明天来看', one.author)

    await stop()
    await restore(join(dir, 'backup'))
    await start()
    const restored = await serverView(one)
    expect(restored.epoch).not.toBe(before.epoch)
    expect([...restored.records.keys()].sort(), 'the server is back at the backup').toEqual([...before.records.keys()].sort())

    expect(await one.engine.sync()).toMatchObject({ status: 'done', rejected: 0 })
    await expectSame(one)
    const back = await serverView(one)
    for (const id of [...later.map((v) => v.id), report.id, waiting.id]) expect(back.records.get(id), id).toMatchObject({ deletedAt: null })
    expect(back.records.get(old.id)).toMatchObject({ outcome: '门口聊了几句，留了电话' })
    expect(back.records.get(later[0]!.id)).toMatchObject({ outcome: '帮忙办了社保年审，还要复印身份证' })
    expect(back.records.get(oldReport.id)).toMatchObject({ deletedAt: expect.any(String) })
    expect(back.records.get(report.id)).toMatchObject({ photos: [photo], events: expect.arrayContaining([expect.objectContaining({ text: '物业说明天来看' })]) })
    const bytes = await fetch(`${url}/api/v1/attachments/${photo}`, { headers: { authorization: `Bearer ${one.session.token}` } })
    expect(bytes.status).toBe(200)
    expect(Buffer.from(await bytes.arrayBuffer())).toEqual(JPEG_1x1)
    expect((await one.db.meta.get('epoch'))?.value).toBe(back.epoch)

    // The other leader synced only before the backup: its cursor is of the old epoch too.
    expect(await two.engine.sync()).toMatchObject({ status: 'done', rejected: 0 })
    await expectSame(two)
    const onTwo = await phoneRecords(two)
    for (const id of [...later.map((v) => v.id), report.id, waiting.id, theirs.id]) expect(onTwo.get(id), id).toMatchObject({ deletedAt: null })
    expect(onTwo.get(old.id)).toMatchObject({ outcome: '门口聊了几句，留了电话' })
    expect(back.records.get(taken.id)).toMatchObject({ status: 'accepted' })
    expect(await office.engine.sync()).toMatchObject({ status: 'done', rejected: 0 })
    await expectSame(office)

    // Nothing is sent twice once both are back: the next runs push nothing and find nothing new.
    for (const leader of [one, two, office]) expect(await leader.engine.sync()).toMatchObject({ status: 'done', pushed: 0, rejected: 0 })
  })
})

describe('admin backup and restore of the SQLite files', () => {
  let dir: string
  afterEach(() => rm(dir, { recursive: true, force: true }))

  async function admin(args: string[]) {
    const lines: string[] = []
    const status = await runAdmin(args, {
      open: () => Promise.reject(new Error('not opened here')),
      config: () => ({ dataDir: join(dir, 'data'), databaseUrl: undefined }),
      out: (line) => lines.push(line),
      err: (line) => lines.push(line),
      readPassword: () => Promise.reject(new Error('asked')),
      confirm: async () => false,
      now: () => new Date('2026-12-01T08:00:00.000Z'),
    })
    return { status, text: lines.join('\n') }
  }

  it('never overwrites a backup, refuses what is no backup, refuses while the server has the database open, and asks', async () => {
    dir = await mkdtemp(join(tmpdir(), 'doorstep-backup-'))
    const storage = openSqliteStorage({ dataDir: join(dir, 'data') })
    await storage.migrate()
    const epoch = await storage.databaseEpoch()
    const photos = [JPEG_1x1, png(2, 2)]
    for (const bytes of photos) await storage.putAttachment({ sha256: sha256(bytes), type: 'image/jpeg', bytes: bytes.length, width: 1, height: 1 }, bytes, 'u-leader', new Date().toISOString())
    const file = join(dir, 'nightly.sqlite')
    expect(await admin(['backup', '--out', file])).toMatchObject({ status: 0, text: expect.stringContaining('and 2 photos to') })
    expect((await readdir(join(dir, 'nightly.sqlite.photos'))).sort()).toEqual(photos.map(sha256).sort())
    expect(await admin(['backup', '--out', file])).toMatchObject({ status: 1, text: expect.stringContaining('exists already') })
    expect((await readdir(dir)).sort(), 'one file and its photos, nothing half-made beside them').toEqual(['data', 'nightly.sqlite', 'nightly.sqlite.photos'])
    await rm(join(dir, 'nightly.sqlite.photos'), { recursive: true })
    expect(await admin(['restore', '--from', file, '--yes'])).toMatchObject({ status: 1, text: expect.stringContaining('nightly.sqlite.photos is missing') })
    // A photo lost from the backup's folder is told of, not a reason to restore nothing: phones send theirs again.
    await mkdir(join(dir, 'nightly.sqlite.photos'))
    await writeFile(join(dir, 'nightly.sqlite.photos', sha256(JPEG_1x1)), JPEG_1x1)

    await writeFile(join(dir, 'notes'), '不是备份')
    await mkdir(join(dir, 'notes.photos'))
    expect(await admin(['restore', '--from', join(dir, 'notes'), '--yes'])).toMatchObject({ status: 1, text: expect.stringContaining('is not a Doorstep backup') })

    expect(await admin(['restore', '--from', file, '--yes'])).toMatchObject({ status: 1, text: 'Error: The database in ' + join(dir, 'data') + ' is in use: stop the server first.' })
    expect(await storage.databaseEpoch()).toBe(epoch)
    await storage.close()

    expect(await admin(['restore', '--from', file])).toMatchObject({ status: 1, text: 'Error: Nothing restored.' })
    const done = await admin(['restore', '--from', file, '--yes'])
    expect(done.status, done.text).toBe(0)
    expect(done.text).toContain('the backup lacks 1 photo(s)')
    expect(await readdir(join(dir, 'data'))).toEqual(expect.arrayContaining(['attachments', 'doorstep.sqlite', 'before-restore-2026-12-01T08-00-00-000Z']))
    expect(await readdir(join(dir, 'data', 'attachments'))).toEqual([sha256(JPEG_1x1)])
    expect((await readdir(join(dir, 'data', 'before-restore-2026-12-01T08-00-00-000Z', 'attachments'))).sort(), 'the photos of before, kept').toEqual(photos.map(sha256).sort())
    const reopened = openSqliteStorage({ dataDir: join(dir, 'data') })
    await reopened.migrate()
    expect(await reopened.databaseEpoch()).not.toBe(epoch)
    await reopened.close()
  })
})
