import { afterAll, afterEach, beforeAll, expect, it } from 'vitest'
import type { Visit } from '@/domain'
import { INITIAL_BATCH } from '@/app/sync/engine'
import { issueFields, visitFields } from '../fixtures'
import { storeTakenPhoto } from '../fixtures/images'
import { describeEngines, startApi, type TestApi } from './api'
import { createNetwork, seededRandom, socketForward, type Network } from './network'
import { expectConverged, openPhone, provisionCommunity, registerDevice, syncAllCleanly, type Phone, type TestCommunity } from './phones'

/*
 * The real device engine against the real server on loopback sockets, through a network that fails on
 * purpose (./network.ts): requests lost, answers lost after the server committed, requests delivered twice,
 * reordered, held past the engine's time limit, and the server restarted — on a new port — in the middle
 * of a batch. Each test ends with a clean sync of every phone and expectConverged: every acknowledged
 * write on the server exactly once, every outbox empty, every phone equal to the server.
 */

describeEngines('sync through a faulty network', (engine) => {
  let api: TestApi
  let network: Network
  let community: TestCommunity
  let phones: Phone[]

  beforeAll(async () => {
    api = await startApi(engine)
    await api.app.listen({ port: 0, host: '127.0.0.1' })
  })
  afterAll(() => api?.close())

  afterEach(async () => {
    await network.calm()
    await Promise.all(phones.map((phone) => phone.close()))
  })

  /** A fresh community and the network; phones come from `phone`. */
  async function setUp(seed = 1) {
    network = createNetwork({ forward: socketForward(api), restart: () => api.restart(), random: seededRandom(seed) })
    community = await provisionCommunity(api.storage)
    phones = []
  }

  async function phone(who: keyof TestCommunity['users']): Promise<Phone> {
    const opened = await openPhone(network, await registerDevice(api.storage, community.users[who]))
    phones.push(opened)
    return opened
  }

  async function visits(leader: Phone, count: number, building = community.buildings.a): Promise<Visit[]> {
    const made: Visit[] = []
    for (let i = 0; i < count; i++) {
      made.push(await leader.repos.visits.create(visitFields({ buildingId: building, householdId: community.households[building]!, residentIds: [], outcome: `第${i}户` }), leader.author))
    }
    return made
  }

  /** The ids of the records the office's user sees on the server. */
  async function onServer(office: Phone): Promise<string[]> {
    return (await api.pullAll(office.session.token)).filter((c) => c.table === 'visits' || c.table === 'issues').map((c) => c.id)
  }

  async function finish() {
    await network.calm()
    await syncAllCleanly(phones)
    await expectConverged(api, phones)
  }

  it('loses a request on the way: nothing reaches the server, and the next sync carries it all', async () => {
    await setUp()
    const leader = await phone('leader1')
    const office = await phone('office')
    const made = await visits(leader, 3)

    leader.link.schedule(['drop-request'])
    expect(await leader.engine.sync()).toMatchObject({ status: 'failed', error: { code: 'offline' } })
    expect(await leader.db.outbox.count()).toBe(3)
    expect(await onServer(office)).toEqual([])

    expect(await leader.engine.sync()).toMatchObject({ status: 'done', pushed: 3, rejected: 0 })
    expect((await onServer(office)).sort()).toEqual(made.map((v) => v.id).sort())
    await finish()
  })

  it('loses the answer after the server committed: the retry is answered duplicate and nothing is applied twice', async () => {
    await setUp()
    const leader = await phone('leader1')
    const office = await phone('office')
    const made = await visits(leader, 3)
    const report = await leader.repos.issues.create(issueFields({ buildingId: community.buildings.a, householdId: null }), leader.author)

    leader.link.schedule(['drop-response'])
    expect(await leader.engine.sync()).toMatchObject({ status: 'failed', error: { code: 'offline' } })
    expect(await leader.db.outbox.count()).toBe(4)
    expect((await onServer(office)).sort()).toEqual([...made.map((v) => v.id), report.id].sort())

    expect(await leader.engine.sync()).toMatchObject({ status: 'done', pushed: 4, rejected: 0 })
    for (const entry of leader.queued) expect(leader.link.answers.get(entry.mutationId)).toMatchObject([{ status: 'duplicate' }])
    await finish()
  })

  it('applies a request delivered twice once, events included', async () => {
    await setUp()
    const leader = await phone('leader1')
    const office = await phone('office')
    const report = await leader.repos.issues.create(issueFields({ buildingId: community.buildings.shared, householdId: null }), leader.author)
    await visits(leader, 2)
    leader.link.schedule(['duplicate', 'duplicate'])
    expect(await leader.engine.sync()).toMatchObject({ status: 'done', pushed: 3, rejected: 0 })

    await office.engine.sync()
    await office.repos.issues.changeStatus(report.id, 'accepted', '已派物业', office.author)
    await office.repos.issues.comment(report.id, '明天上门', office.author)
    office.link.schedule(['duplicate', 'duplicate'])
    expect(await office.engine.sync()).toMatchObject({ status: 'done', pushed: 2, rejected: 0 })
    expect((await office.db.issues.get(report.id))?.events.map((e) => e.type)).toEqual(['status', 'comment'])
    await finish()
  })

  it('keeps every write once when three phones sync at once and their requests arrive reordered, twice over', async () => {
    await setUp(7)
    const first = await phone('leader1')
    const second = await phone('leader2')
    const office = await phone('office')
    await visits(first, 20, community.buildings.shared)
    await visits(second, 20, community.buildings.shared)
    const report = await first.repos.issues.create(issueFields({ buildingId: community.buildings.shared, householdId: null }), first.author)
    await first.engine.sync()
    await second.engine.sync()
    await office.engine.sync()
    await second.repos.issues.comment(report.id, '二号楼长看过了', second.author)
    await office.repos.issues.changeStatus(report.id, 'accepted', '', office.author)
    await visits(first, 10)

    network.jitter = true
    first.link.schedule(['duplicate', 'duplicate'])
    second.link.schedule(['duplicate', 'duplicate'])
    office.link.schedule(['duplicate', 'duplicate'])
    const outcomes = await Promise.all(phones.map((p) => p.engine.sync()))
    for (const outcome of outcomes) expect(outcome).toMatchObject({ status: 'done', rejected: 0 })
    await finish()
  })

  it('times out on a request held past the limit, shrinks its batches, and an old retry arriving after newer edits changes nothing', async () => {
    await setUp()
    const leader = await phone('leader1')
    await phone('office')
    const [visit] = await visits(leader, 1)
    expect(await leader.engine.sync()).toMatchObject({ status: 'done' })

    await leader.repos.visits.update(visit!.id, { outcome: '第一次改' })
    const batch = leader.engine.batch.count
    leader.link.schedule(['late'])
    expect(await leader.engine.sync()).toMatchObject({ status: 'failed', error: { code: 'timeout' } })
    expect(leader.engine.batch.count).toBe(batch / 2)
    expect(await leader.engine.sync()).toMatchObject({ status: 'done', pushed: 1 })

    await leader.repos.visits.update(visit!.id, { outcome: '第二次改' })
    expect(await leader.engine.sync()).toMatchObject({ status: 'done', pushed: 1 })
    const before = (await api.pullAll(leader.session.token)).find((c) => c.id === visit!.id)
    // The first edit's request, held all this time, reaches the server only now: it is a duplicate.
    await network.deliverLate()
    const after = (await api.pullAll(leader.session.token)).find((c) => c.id === visit!.id)
    expect(after).toEqual(before)
    expect(after?.record.outcome).toBe('第二次改')
    await finish()
  })

  it('carries a request that arrives late, after the engine gave up but before its retry, once', async () => {
    await setUp()
    const leader = await phone('leader1')
    await phone('office')
    await visits(leader, 5)
    leader.link.schedule(['late'])
    expect(await leader.engine.sync()).toMatchObject({ status: 'failed', error: { code: 'timeout' } })
    await network.deliverLate()
    expect(await leader.engine.sync()).toMatchObject({ status: 'done', pushed: 5 })
    for (const entry of leader.queued) expect(leader.link.answers.get(entry.mutationId)).toMatchObject([{ status: 'duplicate' }])
    await finish()
  })

  it('uploads a photo whose answer was lost once, and always before the report that names it', async () => {
    await setUp()
    const leader = await phone('leader1')
    const office = await phone('office')
    const photo = await storeTakenPhoto(leader.db)
    const report = await leader.repos.issues.create(issueFields({ buildingId: community.buildings.a, householdId: null, photos: [photo] }), leader.author)

    // The upload reaches the server, its answer does not: the report waits.
    leader.link.schedule([null, 'drop-response'])
    expect(await leader.engine.sync()).toMatchObject({ status: 'failed', error: { code: 'offline' } })
    expect(await api.storage.hasAttachment(photo)).toBe(true)
    expect(await onServer(office)).toEqual([])

    expect(await leader.engine.sync()).toMatchObject({ status: 'done', pushed: 1, rejected: 0 })
    const attachment = `/api/v1/attachments/${photo}`
    const missing = 'POST /api/v1/attachments/missing'
    // The failed run sent no health report (offline); the good one ends with one, after the session's first ask
    // for a mentor's copy (老带新).
    expect(leader.link.requests).toEqual([missing, `PUT ${attachment}`, missing, 'POST /api/v1/sync/push', 'GET /api/v1/sync/pull', 'GET /api/v1/mentorships/mine', 'POST /api/v1/sync/health'])
    expect(await onServer(office)).toEqual([report.id])
    await finish()
  })

  it('still shows a refusal whose answer was lost: the retry gets the refusal again, not a bare duplicate', async () => {
    await setUp()
    const first = await phone('leader1')
    const second = await phone('leader2')
    await phone('office')
    const report = await first.repos.issues.create(issueFields({ buildingId: community.buildings.shared, householdId: null }), first.author)
    await first.engine.sync()
    await second.engine.sync()
    // Leader 2 may comment on leader 1's report in their shared building, but not edit it.
    const edited = await second.repos.issues.update(report.id, { description: '二号楼长改的' })
    second.link.schedule(['drop-response'])
    expect(await second.engine.sync()).toMatchObject({ status: 'failed', error: { code: 'offline' } })
    expect(await second.engine.sync()).toMatchObject({ status: 'done', pushed: 1, rejected: 1 })
    const states = await second.queries.recordSyncStates([report.id])
    expect(states.get(report.id)).toMatchObject({ state: 'rejected', code: 'forbidden' })
    expect(await second.db.issues.get(report.id)).toEqual(edited)
    await finish()
  })

  it.each([
    ['in the first batch', [] as null[]],
    ['between batches, with the first one answered', [null]],
  ])('survives the server restarting on a new port %s', async (_when, before) => {
    await setUp()
    const leader = await phone('leader1')
    const office = await phone('office')
    // More than one batch: the first takes INITIAL_BATCH.count, 70 are left for the next.
    const made = await visits(leader, INITIAL_BATCH.count + 70)
    const server = api.app

    leader.link.schedule([...before, 'crash'])
    expect(await leader.engine.sync()).toMatchObject({ status: 'failed' })
    // A new server, listening on a port of its own: the phone reaches it through the network all the same.
    expect(api.app).not.toBe(server)
    expect(await leader.db.outbox.count()).toBeGreaterThan(0)
    if (before.length) expect(await leader.db.outbox.count()).toBeLessThanOrEqual(70)

    expect(await leader.engine.sync()).toMatchObject({ status: 'done', rejected: 0 })
    expect((await onServer(office)).sort()).toEqual(made.map((v) => v.id).sort())
    await finish()
  })

  it('keeps the office’s and the leaders’ work through a restart while all three sync at once', async () => {
    await setUp(3)
    const first = await phone('leader1')
    const second = await phone('leader2')
    const office = await phone('office')
    const report = await first.repos.issues.create(issueFields({ buildingId: community.buildings.shared, householdId: null }), first.author)
    await first.engine.sync()
    await office.engine.sync()
    await visits(first, 30)
    await visits(second, 30, community.buildings.b)
    await office.repos.issues.changeStatus(report.id, 'accepted', '', office.author)
    await office.repos.issues.comment(report.id, '已安排', office.author)

    network.jitter = true
    first.link.schedule([null, 'crash'])
    await Promise.all(phones.map((p) => p.engine.sync()))
    await finish()
  })
})
