import { describe, expect, it, vi } from 'vitest'
import { MENTEES_REPEAT_MS } from '@/app/sync/engine'
import { signOut } from '@/app/sync/session'
import { visitFields } from '../../fixtures'
import { menteeView, mentorship } from '../../fixtures/mentorship'
import { device } from './harness'

const asked = (calls: Array<{ op: string }>) => calls.filter((c) => c.op === 'mentees').length

describe('the mentor’s copies of their mentees’ work (老带新)', () => {
  it('are replaced by what the server answers during the pull, and an empty answer clears them', async () => {
    const { engine, server, db } = await device()
    const other = menteeView({ mentorship: mentorship({ id: '019ae200-0000-7000-8000-000000000002', menteeId: 'leader-3' }) })
    server.menteeViews = [menteeView(), other]
    expect(await engine.sync()).toMatchObject({ status: 'done' })
    expect(server.calls.map((c) => c.op)).toEqual(['pull', 'mentees', 'reportHealth'])
    expect(await db.menteeViews.toArray()).toEqual([menteeView(), other])

    server.menteeViews = [menteeView({ followUps: [], at: '2026-11-20T03:00:00.000Z' })]
    await engine.sync()
    expect(await db.menteeViews.toArray()).toEqual(server.menteeViews)

    // The office ended the pairing: nothing of the mentee's stays on the mentor's phone.
    server.menteeViews = []
    await engine.sync()
    expect(await db.menteeViews.count()).toBe(0)
  })

  it('are asked for once the first page of a long pull has arrived, not after its last', async () => {
    const { engine, server, repos, author } = await device({ pullLimit: 1 })
    for (let i = 0; i < 8; i++) await repos.visits.create(visitFields(), author)
    server.menteeViews = [menteeView()]
    // A first pull: the eight visits come back, a page each, with the reference data.
    expect(await engine.sync()).toMatchObject({ status: 'done' })
    const ops = server.calls.map((c) => c.op)
    expect(ops.indexOf('mentees')).toBeGreaterThan(ops.indexOf('pull'))
    expect(ops.indexOf('mentees')).toBeLessThan(ops.lastIndexOf('pull'))
    expect(asked(server.calls)).toBe(1)
  })

  it('stay as they were when the server cannot answer, and the run is done all the same', async () => {
    const { engine, server, db } = await device()
    server.menteeViews = [menteeView()]
    await engine.sync()
    for (const code of ['offline', 'server', 'bad_response'] as const) {
      server.fail('mentees', code)
      expect(await engine.sync()).toMatchObject({ status: 'done' })
      expect(await db.menteeViews.toArray()).toEqual([menteeView()])
    }
    expect(await db.meta.get('lastError')).toBeUndefined()
  })

  it('are not written back by an answer that arrives after a sign-out emptied the phone', async () => {
    const { engine, server, db } = await device()
    server.menteeViews = [menteeView()]
    server.on('mentees', () => signOut(db, server.transport, { discard: null }))
    await engine.sync()
    expect(await db.menteeViews.count()).toBe(0)
  })

  it('are asked for at every run by a mentor, and every ten minutes by a phone that holds none', async () => {
    const { engine, server, clock } = await device()
    await engine.sync()
    await engine.sync()
    expect(asked(server.calls)).toBe(1)
    clock.now += MENTEES_REPEAT_MS
    server.menteeViews = [menteeView()]
    await engine.sync()
    await engine.sync()
    expect(asked(server.calls)).toBe(3)
  })

  it('are never asked for by the office’s computer', async () => {
    const { engine, server, db } = await device()
    const user = JSON.parse((await db.meta.get('user'))!.value) as object
    await db.meta.put({ key: 'user', value: JSON.stringify({ ...user, role: 'office' }) })
    await engine.sync()
    expect(asked(server.calls)).toBe(0)
  })

  it('a bug in writing them is logged, not a failed run', async () => {
    const { engine, server, db } = await device()
    server.menteeViews = [menteeView()]
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    vi.spyOn(db.menteeViews, 'bulkPut').mockRejectedValueOnce(new Error('disk on fire'))
    expect(await engine.sync()).toMatchObject({ status: 'done' })
    expect(warn).toHaveBeenCalledWith('mentee copies not refreshed', expect.objectContaining({ message: 'disk on fire' }))
    warn.mockRestore()
  })
})
