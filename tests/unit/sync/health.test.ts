import { describe, expect, it, vi } from 'vitest'
import { DeviceHealth } from '@/domain'
import { visitFields } from '../../fixtures'
import { device } from './harness'

const storage = async () => ({ persisted: true, usedBytes: 1_234_567 })

describe('health report at the end of a run', () => {
  it('tells the server the app version, an empty outbox, the storage and the end of this full sync', async () => {
    const { engine, repos, server, author, clock } = await device({ appVersion: '1.4.0', storage })
    await repos.visits.create(visitFields(), author)

    expect(await engine.sync()).toMatchObject({ status: 'done', pushed: 1 })

    expect(server.calls.at(-1)?.op).toBe('reportHealth')
    expect(server.health).toEqual([
      { appVersion: '1.4.0', outboxSize: 0, oldestUnsentAt: null, storagePersisted: true, storageUsedBytes: 1_234_567, lastFullSyncAt: new Date(clock.now).toISOString() },
    ])
    expect(DeviceHealth.safeParse(server.health[0]).success).toBe(true)
  })

  it('reports what still waits when the server fails the push, with the last full sync of an earlier run', async () => {
    const { engine, repos, server, author, clock } = await device({ storage })
    await engine.sync()
    const firstFull = new Date(clock.now).toISOString()
    clock.now += 60 * 60_000
    const first = await repos.visits.create(visitFields(), author, new Date('2026-11-20T03:30:00Z'))
    await repos.visits.create(visitFields(), author, new Date('2026-11-20T03:40:00Z'))
    server.fail('push', 'server')

    expect(await engine.sync()).toMatchObject({ status: 'failed', error: { code: 'server' } })

    expect(server.health.at(-1)).toMatchObject({ outboxSize: 2, oldestUnsentAt: first.createdAt, lastFullSyncAt: firstFull })
  })

  it('counts a change saved while the run pulls as unsent', async () => {
    const { engine, repos, server, author } = await device({ storage })
    server.on('pull', async () => void (await repos.visits.create(visitFields(), author, new Date('2026-11-20T02:59:00Z'))))

    await engine.sync()

    expect(server.health.at(-1)).toMatchObject({ outboxSize: 1, oldestUnsentAt: '2026-11-20T02:59:00.000Z' })
  })

  it('does not repeat a report that says nothing new within 15 minutes, as the minute\'s live poll would', async () => {
    const { engine, repos, server, author, clock } = await device({ storage })
    await engine.sync()
    clock.now += 60_000
    await engine.sync()
    expect(server.health).toHaveLength(1)

    await repos.visits.create(visitFields(), author)
    server.fail('push', 'server')
    await engine.sync()
    expect(server.health.at(-1)).toMatchObject({ outboxSize: 1 })

    clock.now += 60_000
    await engine.sync()
    expect(server.health).toHaveLength(3)
    clock.now += 15 * 60_000
    await engine.sync()
    expect(server.health).toHaveLength(4)
  })

  it('never fails the run when the report itself fails, and warns only of what is not the network', async () => {
    const { engine, server } = await device({ storage })
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    server.fail('reportHealth', 'server')

    expect(await engine.sync()).toMatchObject({ status: 'done' })
    expect(warn).not.toHaveBeenCalled()
    expect(await engine.sync()).toMatchObject({ status: 'done' })
    expect(server.health).toHaveLength(1)

    const broken = await device({ storage: () => Promise.reject(new Error('estimate exploded')) })
    expect(await broken.engine.sync()).toMatchObject({ status: 'done' })
    expect(warn).toHaveBeenCalledWith('health report failed', expect.objectContaining({ message: 'estimate exploded' }))
    warn.mockRestore()
  })

  it('does not try to report when the server could not be reached', async () => {
    const { engine, server } = await device({ storage })
    server.fail('pull', 'offline')

    expect(await engine.sync()).toMatchObject({ status: 'failed', error: { code: 'offline' } })
    expect(server.calls.map((c) => c.op)).toEqual(['pull'])
  })

  it('says null where the browser cannot tell about storage', async () => {
    const { engine, server } = await device({ storage: async () => ({ persisted: null, usedBytes: null }) })
    await engine.sync()
    expect(server.health[0]).toMatchObject({ storagePersisted: null, storageUsedBytes: null })
  })
})
