import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import { createRepositories, type Author } from '@/app/db'
import { DoorstepDatabase } from '@/app/db/database'
import { createQueries } from '@/app/db/queries'
import { seedDemoIfEmpty } from '@/app/db/seed'
import { readWorklist } from '@/app/db/worklist'
import { createSyncEngine } from '@/app/sync/engine'
import { TransportError } from '@/app/sync/errors'
import { readSession, sessionTransport, signIn } from '@/app/sync/session'
import { fetchTransport, type SyncTransport } from '@/app/sync/transport'
import { addDays, chinaDay, type Visit } from '@/domain'
import { DEMO_PASSWORD } from '@/server/seed'
import { inspectionFields, issueFields, visitFields } from '../fixtures'
import { storeTakenPhoto } from '../fixtures/images'
import { describeEngines, startApi, type TestApi } from './api'

/*
 * The real device engine (Dexie on fake-indexeddb) against the real server on loopback: a leader records
 * offline and syncs, the office sees the report and moves it on, and the leader's phone gets the move.
 */

describeEngines('a leader’s phone and the office’s, through the real server', (engine) => {
  let api: TestApi
  let baseUrl: string
  const databases: DoorstepDatabase[] = []

  beforeAll(async () => {
    api = await startApi(engine)
    await api.app.listen({ port: 0, host: '127.0.0.1' })
    baseUrl = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`
  })
  afterAll(() => api.close())
  afterEach(async () => {
    for (const db of databases.splice(0)) await db.delete()
  })

  /** A phone with the demo data, signed in as `username`; `wrap` can put faults between engine and network. */
  async function phone(username: string, wrap: (t: SyncTransport) => SyncTransport = (t) => t) {
    const db = new DoorstepDatabase(`${engine}-${username}-${crypto.randomUUID()}`)
    databases.push(db)
    await seedDemoIfEmpty(db)
    const { user } = await signIn(db, fetchTransport({ baseUrl, token: null }), { serverUrl: baseUrl, username, password: DEMO_PASSWORD, deviceName: `${username} test phone` })
    const session = (await readSession(db))!
    const sync = createSyncEngine({ db, transport: (stored) => wrap(sessionTransport(stored)) })
    const author: Author = { userId: user.id, deviceId: 'phone' }
    return { db, sync, author, session, repos: createRepositories(db), queries: createQueries(db) }
  }

  it('brings the name cards of the community’s accounts to a phone, renamed ones again, and none of another community', async () => {
    const leader = await phone('leader1')
    expect(await leader.sync.sync()).toMatchObject({ status: 'done' })
    const cards = await leader.db.users.toArray()
    expect(cards.map((c) => c.id).sort()).toEqual(['u-leader1', 'u-leader2', 'u-office1'])
    expect(cards.find((c) => c.id === 'u-office1')).toMatchObject({ communityId: 'c-nanmen', displayName: '演示社区工作人员', role: 'office' })

    await api.storage.updateUser('u-office1', { displayName: '社区办公室小陈' })
    expect(await leader.sync.sync()).toMatchObject({ status: 'done' })
    expect(await leader.db.users.get('u-office1')).toMatchObject({ displayName: '社区办公室小陈' })
    await api.storage.updateUser('u-office1', { displayName: '演示社区工作人员' })

    const other = await phone('office2')
    expect(await other.sync.sync()).toMatchObject({ status: 'done' })
    expect((await other.db.users.toArray()).map((c) => c.id)).toEqual(['u-office2'])
  })

  it('leaves the phone’s health with the server at the end of a run, for the office to see; a refused push too', async () => {
    const leader = await phone('leader1', (t) => ({ ...t, push: () => Promise.reject(new TransportError('server', 'proxy failed', { status: 502 })) }))
    const visit = await leader.repos.visits.create(visitFields(), leader.author)
    expect(await leader.sync.sync()).toMatchObject({ status: 'failed', error: { code: 'server' } })

    const device = (await api.storage.communityDevices('c-nanmen')).find((d) => d.id === leader.session.deviceId)
    expect(device?.health).toMatchObject({ appVersion: 'test', outboxSize: 1, oldestUnsentAt: visit.updatedAt, lastFullSyncAt: null, reportedAt: expect.any(String) })
  })

  it('carries what a leader recorded offline to the office, and the office’s status change back', async () => {
    const leader = await phone('leader1')
    // Offline: records and a photo, saved on the phone before any sync.
    const photo = await storeTakenPhoto(leader.db)
    const visit = await leader.repos.visits.create(visitFields(), leader.author)
    const issue = await leader.repos.issues.create(issueFields({ photos: [photo] }), leader.author)
    await leader.repos.visits.update(visit.id, { outcome: '已教会用粤省事做年审，下周回访' })

    expect(await leader.sync.sync()).toMatchObject({ status: 'done', pushed: 3, rejected: 0 })
    expect(await leader.db.outbox.count()).toBe(0)
    expect(await api.storage.hasAttachment(photo)).toBe(true)
    // The server's reference data replaced the demo data: only the leader's buildings are on the phone.
    expect((await leader.db.buildings.toArray()).map((b) => b.id).sort()).toEqual(['b-nanmen-115-2', 'b-nanmen-117'])
    const states = await leader.queries.recordSyncStates([visit.id, issue.id])
    expect([...states.values()]).toEqual([{ state: 'sent' }, { state: 'sent' }])
    expect((await leader.db.visits.get(visit.id))?.outcome).toBe('已教会用粤省事做年审，下周回访')

    const office = await phone('office1')
    expect(await office.sync.sync()).toMatchObject({ status: 'done' })
    const seen = await office.db.issues.get(issue.id)
    expect(seen).toMatchObject({ status: 'submitted', description: issue.description, photos: [photo], createdBy: 'u-leader1' })

    await office.repos.issues.changeStatus(issue.id, 'accepted', '已派物业处理', office.author)
    await office.repos.issues.assign(issue.id, 'u-office1', office.author)
    expect(await office.sync.sync()).toMatchObject({ status: 'done', pushed: 2, rejected: 0 })
    expect(await office.db.issues.get(issue.id)).toMatchObject({ status: 'accepted', assignee: 'u-office1' })

    expect(await leader.sync.sync()).toMatchObject({ status: 'done', pushed: 0 })
    const back = await leader.db.issues.get(issue.id)
    expect(back).toMatchObject({ status: 'accepted', assignee: 'u-office1' })
    expect(back?.events).toMatchObject([{ type: 'status', from: 'submitted', to: 'accepted', note: '已派物业处理', by: 'u-office1' }])

    // The leader's comment goes back the same way, as an event.
    await leader.repos.issues.comment(issue.id, '住户说谢谢', leader.author)
    expect(await leader.sync.sync()).toMatchObject({ status: 'done', pushed: 1, rejected: 0 })
    await office.sync.sync()
    expect((await office.db.issues.get(issue.id))?.events.map((e) => e.type)).toEqual(['status', 'comment'])
  })

  /** A transport that loses the answer of the next push while `link.drop` is set, after the server applied it. */
  function losingAnswers(link: { drop: boolean }) {
    return (t: SyncTransport): SyncTransport => ({
      ...t,
      async push(batch) {
        const answer = await t.push(batch)
        if (link.drop) {
          link.drop = false
          throw new TransportError('timeout', 'answer lost on the way back')
        }
        return answer
      },
    })
  }

  it('applies nothing twice when the answer to a batch is lost after the server committed it', async () => {
    const link = { drop: true }
    const leader = await phone('leader1', losingAnswers(link))
    const created: Visit[] = []
    for (let i = 0; i < 5; i++) created.push(await leader.repos.visits.create(visitFields({ outcome: `第${i}户` }), leader.author))

    expect(await leader.sync.sync()).toMatchObject({ status: 'failed', error: { code: 'timeout' } })
    expect(await leader.db.outbox.count()).toBe(5)
    expect(await leader.sync.sync()).toMatchObject({ status: 'done', pushed: 5, rejected: 0 })
    expect(await leader.db.outbox.count()).toBe(0)

    const onServer = (await api.pullAll(leader.session.token)).filter((c) => created.some((v) => v.id === c.id))
    expect(onServer).toHaveLength(5)
    for (const visit of created) expect((await leader.db.visits.get(visit.id))?.rev).toBe(onServer.find((c) => c.id === visit.id)?.rev)
  })

  it('pulls back none of what it pushed, a lost answer’s duplicates too: the phone holds each record as the server does', async () => {
    const link = { drop: false }
    const leader = await phone('leader1', losingAnswers(link))
    expect(await leader.sync.sync()).toMatchObject({ status: 'done' })
    const visits = [await leader.repos.visits.create(visitFields(), leader.author), await leader.repos.visits.create(visitFields(), leader.author)]
    const issue = await leader.repos.issues.create(issueFields(), leader.author)
    await leader.repos.visits.update(visits[0]!.id, { outcome: '下周再来' })
    link.drop = true
    expect(await leader.sync.sync()).toMatchObject({ status: 'failed', error: { code: 'timeout' } })

    expect(await leader.sync.sync()).toMatchObject({ status: 'done', pushed: 4, pulled: 0 })
    const onServer = new Map((await api.pullAll(leader.session.token)).map((c) => [c.id, c.record]))
    for (const { id } of visits) expect(await leader.db.visits.get(id)).toEqual(onServer.get(id))
    expect(await leader.db.issues.get(issue.id)).toEqual(onServer.get(issue.id))
    // A change of the server's own still comes: the office moves the report on.
    const office = await phone('office1')
    expect(await office.sync.sync()).toMatchObject({ status: 'done' })
    await office.repos.issues.changeStatus(issue.id, 'accepted', '', office.author)
    expect(await office.sync.sync()).toMatchObject({ status: 'done', pushed: 1 })
    expect(await leader.sync.sync()).toMatchObject({ status: 'done', pulled: 1 })
    expect(await leader.db.issues.get(issue.id)).toMatchObject({ status: 'accepted' })
  })

  /** A phone whose pulls fail while `cut` is set: its push gets through and its pull does not. */
  async function cutPhone(username: string) {
    const link = { cut: false }
    const device = await phone(username, (t) => ({ ...t, pull: (...args) => (link.cut ? Promise.reject(new TransportError('offline', 'signal lost')) : t.pull(...args)) }))
    /** A sync whose push goes through and whose pull loses the signal. */
    async function syncLosingPull() {
      link.cut = true
      expect(await device.sync.sync()).toMatchObject({ status: 'failed', error: { code: 'offline' } })
      link.cut = false
    }
    return Object.assign(device, { syncLosingPull })
  }

  it('still brings another phone’s edit to a phone whose merged push lost its pull, once it edits again', async () => {
    const mine = await cutPhone('leader1')
    const other = await phone('leader1')
    const visit = await mine.repos.visits.create(visitFields(), mine.author)
    expect(await mine.sync.sync()).toMatchObject({ status: 'done' })
    expect(await other.sync.sync()).toMatchObject({ status: 'done' })
    await other.repos.visits.update(visit.id, { outcome: '另一部手机改的' })
    expect(await other.sync.sync()).toMatchObject({ status: 'done', pushed: 1 })
    // Merged with the other phone's edit, which this phone has not seen: its answer holds more than the phone.
    await mine.repos.visits.update(visit.id, { needs: '这部手机改的' })
    await mine.syncLosingPull()
    await mine.repos.visits.update(visit.id, { othersMet: '儿子' })
    expect(await mine.sync.sync()).toMatchObject({ status: 'done' })

    const onServer = (await api.pullAll(mine.session.token)).find((c) => c.id === visit.id)!.record
    expect(onServer).toMatchObject({ outcome: '另一部手机改的', needs: '这部手机改的', othersMet: '儿子' })
    expect(await mine.db.visits.get(visit.id)).toEqual(onServer)
  })

  it('still tells a leader the office returned a report the leader edited twice around a lost pull', async () => {
    const leader = await cutPhone('leader1')
    const office = await phone('office1')
    const issue = await leader.repos.issues.create(issueFields(), leader.author)
    expect(await leader.sync.sync()).toMatchObject({ status: 'done' })
    expect(await office.sync.sync()).toMatchObject({ status: 'done' })
    await office.repos.issues.changeStatus(issue.id, 'rejected', '请写清楚是几楼', office.author)
    expect(await office.sync.sync()).toMatchObject({ status: 'done', pushed: 1 })
    await leader.repos.issues.update(issue.id, { location: '3号楼2单元楼道' })
    await leader.syncLosingPull()
    await leader.repos.issues.update(issue.id, { description: '楼道灯坏了，晚上看不见台阶' })
    expect(await leader.sync.sync()).toMatchObject({ status: 'done', rejected: 0 })
    expect(await leader.db.issues.get(issue.id)).toMatchObject({ status: 'rejected', location: '3号楼2单元楼道', description: '楼道灯坏了，晚上看不见台阶' })
  })

  it('keeps the server’s version of a new record whose edit, made while its first push was on the way, was refused', async () => {
    let during: (() => Promise<unknown>) | null = null
    const leader = await phone('leader1', (t) => ({
      ...t,
      async push(batch) {
        const answer = await t.push(batch)
        const edit = during
        during = null
        await edit?.()
        return answer
      },
    }))
    expect(await leader.sync.sync()).toMatchObject({ status: 'done' })
    const visit = await leader.repos.visits.create(visitFields(), leader.author)
    // The answer's stamps cannot settle while the edit waits; the edit (another leader's building) is refused.
    during = () => leader.repos.visits.update(visit.id, { buildingId: 'b-qiaohu-32' })
    expect(await leader.sync.sync()).toMatchObject({ status: 'done', rejected: 1 })

    const onServer = (await api.pullAll(leader.session.token)).find((c) => c.id === visit.id)!
    const kept = (await leader.db.held.get(visit.id))?.record ?? (await leader.db.visits.get(visit.id))
    expect(kept).toEqual(onServer.record)
  })

  it('keeps going past a change the server refuses, and shows the reason on the record', async () => {
    const leader = await phone('leader1')
    const mine = await leader.repos.issues.create(issueFields(), leader.author)
    // A building that is not leader1's: the server refuses it, the rest goes through.
    const elsewhere = await leader.repos.issues.create(issueFields({ buildingId: 'b-qiaohu-32' }), leader.author)
    const after = await leader.repos.visits.create(visitFields(), leader.author)
    expect(await leader.sync.sync()).toMatchObject({ status: 'done', pushed: 3, rejected: 1 })
    const states = await leader.queries.recordSyncStates([mine.id, elsewhere.id, after.id])
    expect(states.get(elsewhere.id)).toMatchObject({ state: 'rejected', code: 'forbidden' })
    expect(states.get(mine.id)).toEqual({ state: 'sent' })
    expect(states.get(after.id)).toEqual({ state: 'sent' })
    expect(await leader.db.issues.get(elsewhere.id)).toEqual(elsewhere)
  })

  it('stops at a revoked token, keeps the outbox, and carries on after a new sign-in', async () => {
    const leader = await phone('leader1')
    const visit = await leader.repos.visits.create(visitFields(), leader.author)
    await api.storage.revokeDevice(leader.session.deviceId, new Date().toISOString())

    expect(await leader.sync.sync()).toMatchObject({ status: 'failed', error: { code: 'unauthorized' } })
    expect(await leader.db.outbox.count()).toBe(1)
    expect(await readSession(leader.db)).toBeNull()

    await signIn(leader.db, fetchTransport({ baseUrl, token: null }), { serverUrl: baseUrl, username: 'leader1', password: DEMO_PASSWORD })
    // The same engine speaks for the new session: each run reads the one stored then.
    expect(await leader.sync.sync()).toMatchObject({ status: 'done', pushed: 1, rejected: 0 })
    expect((await leader.queries.recordSyncStates([visit.id])).get(visit.id)).toEqual({ state: 'sent' })
  })

  it('lets the leader fix a report the office returned and send it back, and refuses edits once the office has taken it on', async () => {
    const leader = await phone('leader1')
    const office = await phone('office1')
    const issue = await leader.repos.issues.create(issueFields({ location: '楼道' }), leader.author)
    await leader.sync.sync()
    await office.sync.sync()
    await office.repos.issues.changeStatus(issue.id, 'rejected', '请写清楚是几楼', office.author)
    expect(await office.sync.sync()).toMatchObject({ status: 'done', pushed: 1, rejected: 0 })
    await leader.sync.sync()
    expect(await leader.db.issues.get(issue.id)).toMatchObject({ status: 'rejected' })

    await leader.repos.issues.resubmit(issue.id, issueFields({ location: '3楼楼道' }), '已补上楼层', leader.author)
    expect(await leader.sync.sync()).toMatchObject({ status: 'done', pushed: 2, rejected: 0 })
    await office.sync.sync()
    const back = await office.db.issues.get(issue.id)
    expect(back).toMatchObject({ status: 'submitted', location: '3楼楼道' })
    expect(back?.events.map((e) => (e.type === 'status' ? `${e.from}>${e.to} ${e.note} ${e.by}` : e.type))).toEqual([
      'submitted>rejected 请写清楚是几楼 u-office1',
      'rejected>submitted 已补上楼层 u-leader1',
    ])

    // Taken on by the office, the report is no longer the leader's to edit: the edit is refused, not lost.
    await office.repos.issues.changeStatus(issue.id, 'accepted', '', office.author)
    await office.sync.sync()
    await leader.repos.issues.update(issue.id, { location: '4楼楼道' })
    expect(await leader.sync.sync()).toMatchObject({ status: 'done', pushed: 1, rejected: 1 })
    expect((await leader.queries.recordSyncStates([issue.id])).get(issue.id)).toMatchObject({ state: 'rejected', code: 'locked' })
    expect(await leader.db.rejections.where('recordId').equals(issue.id).first()).toMatchObject({ record: { location: '4楼楼道' } })
  })

  it('carries a template version the office publishes to the leaders, while an inspection already started keeps its version', async () => {
    const leader = await phone('leader1')
    await leader.sync.sync()
    const [first] = await leader.queries.templates()
    const started = await leader.repos.inspections.create(inspectionFields({ templateId: first!.id, templateVersion: first!.version, answers: {} }), leader.author)

    const office = await phone('office1')
    await office.sync.sync()
    const next = { ...first!, version: first!.version + 1, title: `${first!.title}（新版）`, publishedAt: new Date().toISOString() }
    await office.repos.templates.publish(next)
    expect(await office.sync.sync()).toMatchObject({ status: 'done', pushed: 1, rejected: 0 })

    expect(await leader.sync.sync()).toMatchObject({ status: 'done', pushed: 1, rejected: 0 })
    expect((await leader.queries.templates()).find((t) => t.id === first!.id)).toEqual(next)
    expect(await leader.db.inspections.get(started.id)).toMatchObject({ templateVersion: first!.version, rev: expect.any(Number) })
    expect(await leader.queries.template(first!.id, first!.version)).toEqual(first)

    // A leader's phone never gets to publish: the server refuses, and the phone forgets the version.
    await leader.repos.templates.publish({ ...next, version: next.version + 1 })
    expect(await leader.sync.sync()).toMatchObject({ status: 'done', rejected: 1 })
    expect(await leader.db.templates.get([next.id, next.version + 1])).toBeUndefined()
  })
  it('carries a follow-up chain to the leader’s other phone, where the follow-up it closed is off the worklist', async () => {
    const leader = await phone('leader1')
    const today = chinaDay()
    const origin = await leader.repos.visits.create(visitFields({ visitedAt: new Date(Date.now() - 10 * 86_400_000).toISOString(), followUpOn: addDays(today, -1) }), leader.author)
    const followUp = await leader.repos.visits.create(visitFields({ visitedAt: new Date(Date.now() - 11 * 86_400_000).toISOString(), followsVisitId: origin.id }), leader.author)
    expect(await leader.sync.sync()).toMatchObject({ status: 'done', pushed: 2, rejected: 0 })

    const other = await phone('leader1')
    expect(await other.sync.sync()).toMatchObject({ status: 'done' })
    expect(await other.db.visits.get(followUp.id)).toMatchObject({ followsVisitId: origin.id, rev: expect.any(Number) })
    // Recorded with a clock behind, the follow-up is older than its origin: only the link closes it.
    expect((await readWorklist(other.db, today)).followUps).toEqual([])
    await other.repos.visits.remove(followUp.id)
    expect((await readWorklist(other.db, today)).followUps.map((row) => row.visit.id)).toEqual([origin.id])
  })
  /** The office's revocation of the leader's phone, as the people page sends it. */
  async function revoke(deviceId: string, mode: 'sign_out' | 'wipe') {
    const office = await api.login('office1')
    expect((await api.call('DELETE', `/api/v1/users/u-leader1/devices/${deviceId}?mode=${mode}`, { token: office.token })).status).toBe(204)
    return office
  }
  const rowsLeft = async (db: DoorstepDatabase) => (await Promise.all(db.tables.filter((t) => t.name !== 'meta').map((t) => t.count()))).reduce((a, b) => a + b)

  it('lets a phone the office signed out push what it holds, photo and all, and then empty itself', async () => {
    const leader = await phone('leader1')
    const photo = await storeTakenPhoto(leader.db)
    const visit = await leader.repos.visits.create(visitFields(), leader.author)
    const issue = await leader.repos.issues.create(issueFields({ photos: [photo] }), leader.author)
    const office = await revoke(leader.session.deviceId, 'sign_out')

    expect(await leader.sync.sync()).toMatchObject({ status: 'failed', error: { code: 'ended_by_office', message: 'device_signed_out' } })
    const onServer = (await api.pullAll(office.token)).map((change) => change.id)
    expect(onServer).toEqual(expect.arrayContaining([visit.id, issue.id]))
    expect(await api.storage.hasAttachment(photo)).toBe(true)
    expect(await rowsLeft(leader.db)).toBe(0)
    expect(await readSession(leader.db)).toBeNull()
  })

  it('empties a phone the office wiped at its next contact, and keeps nothing it sent', async () => {
    const leader = await phone('leader1')
    expect(await leader.sync.sync()).toMatchObject({ status: 'done' })
    const visit = await leader.repos.visits.create(visitFields({ needs: '谭伯想申请居家养老服务' }), leader.author)
    const office = await revoke(leader.session.deviceId, 'wipe')

    expect(await leader.sync.sync()).toMatchObject({ status: 'failed', error: { code: 'ended_by_office', message: 'device_wiped' } })
    expect(await rowsLeft(leader.db)).toBe(0)
    expect(await readSession(leader.db)).toBeNull()
    expect((await api.pullAll(office.token)).map((change) => change.id)).not.toContain(visit.id)
    const mutations = await api.tables().selectFrom('mutations').select('mutation_id').where('device_id', '=', leader.session.deviceId).execute()
    expect(mutations).toEqual([])
  })
})
