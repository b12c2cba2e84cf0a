import { createHash, randomBytes } from 'node:crypto'
import { afterAll, beforeAll, expect, it, vi } from 'vitest'
import type { Storage } from '@/server/storage/types'
import { startSweeper, sweepUnreferenced } from '@/server/sweep'
import { describeEngines, openTestStorage, type TestStorage } from './api'

/*
 * Periodic jobs on several servers of one database (a cluster): two storages on the same database stand for
 * two server processes. The sweep's lease (job_leases) lets one of them sweep; sweeps that run at once anyway
 * (a lease that ended mid-sweep, `npm run admin -- sweep-photos`) remove each photo once.
 */
describeEngines('periodic jobs on two servers of one database', (engine) => {
  let opened: TestStorage
  let first: Storage
  let second: Storage
  const DAY = 24 * 60 * 60_000
  beforeAll(async () => {
    opened = await openTestStorage(engine)
    first = opened.storage
    second = await opened.reopen()
  })
  afterAll(async () => {
    await first?.close()
    await opened?.cleanup()
  })

  /** `count` photos no record names, uploaded two days ago (the sweep removes them). */
  async function stalePhotos(count: number): Promise<string[]> {
    const at = new Date(Date.now() - 2 * DAY).toISOString()
    const hashes: string[] = []
    for (let i = 0; i < count; i++) {
      const content = randomBytes(500)
      const sha256 = createHash('sha256').update(content).digest('hex')
      await first.putAttachment({ sha256, type: 'image/jpeg', bytes: 500, width: 40, height: 30 }, content, 'u-leader1', at)
      hashes.push(sha256)
    }
    return hashes
  }

  it('gives a job to exactly one of the servers claiming it at once, until its lease ends', async () => {
    const now = Date.parse('2026-12-06T08:00:00.000Z')
    const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? first : second).claimJob('test-job', now, now + 1000)))
    expect(claims.filter(Boolean)).toHaveLength(1)
    expect(await first.claimJob('test-job', now + 999, now + 2000)).toBe(false)
    expect(await second.claimJob('test-job', now + 999, now + 2000)).toBe(false)
    // Each job has a lease of its own.
    expect(await first.claimJob('another-job', now + 999, now + 2000)).toBe(true)
    expect(await second.claimJob('test-job', now + 1000, now + 2000)).toBe(true)
  })

  it('sweeps once when both servers start their sweeper together', async () => {
    const photos = await stalePhotos(3)
    const sweeps = [vi.spyOn(first, 'sweepUnreferencedAttachments'), vi.spyOn(second, 'sweepUnreferencedAttachments')]
    const claims = [vi.spyOn(first, 'claimJob'), vi.spyOn(second, 'claimJob')]
    const logs = [0, 1].map(() => ({ info: vi.fn(), error: vi.fn() }))
    const stops = [first, second].map((storage, i) => startSweeper({ storage, log: logs[i]! }))
    try {
      // Both asked for the lease; then the one that got it swept, the other did not.
      await vi.waitFor(() => expect(claims.map((claim) => claim.mock.calls.length)).toEqual([1, 1]))
      const got = await Promise.all(claims.map((claim) => claim.mock.results[0]!.value as Promise<boolean>))
      expect(got.filter(Boolean)).toHaveLength(1)
      const sweeper = got.indexOf(true)
      await vi.waitFor(() => expect(logs[sweeper]!.info).toHaveBeenCalledWith({ count: 3, bytes: 1500 }, expect.any(String)))
      expect(sweeps.map((sweep) => sweep.mock.calls.length)).toEqual(sweeper === 0 ? [1, 0] : [0, 1])
      for (const sha256 of photos) expect(await second.hasAttachment(sha256)).toBe(false)
      for (const log of logs) expect(log.error).not.toHaveBeenCalled()
    } finally {
      stops.forEach((stop) => stop())
      sweeps.forEach((sweep) => sweep.mockRestore())
      claims.forEach((claim) => claim.mockRestore())
    }
  })

  it('removes each photo once when sweeps run at once anyway', async () => {
    const photos = await stalePhotos(4)
    const now = new Date()
    const removed = await Promise.all([sweepUnreferenced(first, now), sweepUnreferenced(second, now), sweepUnreferenced(first, now)])
    expect(removed.reduce((sum, r) => sum + r.count, 0)).toBe(4)
    for (const sha256 of photos) expect(await first.hasAttachment(sha256)).toBe(false)
  })
})
