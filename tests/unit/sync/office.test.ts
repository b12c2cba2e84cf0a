import { describe, expect, it } from 'vitest'
import { InvalidTransitionError } from '@/app/db/issues'
import { issueFields } from '../../fixtures'
import { device } from './harness'

const office = { userId: 'office-1', deviceId: 'device-office' }

describe('office actions on the device', () => {
  it('change the report at once and queue their own mutation kinds, never a put of status, assignee or events', async () => {
    const { repos, db, author } = await device()
    const issue = await repos.issues.create(issueFields(), author)
    await db.outbox.clear()

    const accepted = await repos.issues.changeStatus(issue.id, 'accepted', '  已派物业  ', office, new Date('2026-11-21T01:00:00Z'))
    await repos.issues.assign(issue.id, 'office-1', office)
    await repos.issues.comment(issue.id, '明天上门', office)

    expect(accepted).toMatchObject({ status: 'accepted', events: [{ type: 'status', from: 'submitted', to: 'accepted', note: '已派物业', by: 'office-1' }] })
    const stored = await db.issues.get(issue.id)
    expect(stored).toMatchObject({ status: 'accepted', assignee: 'office-1' })
    expect(stored?.events.map((e) => e.type)).toEqual(['status', 'comment'])
    const outbox = await db.outbox.orderBy('seq').toArray()
    expect(outbox.map((e) => e.change)).toEqual([
      { kind: 'issue.status', eventId: accepted.events[0]!.id, to: 'accepted', note: '已派物业' },
      { kind: 'issue.assign', assignee: 'office-1' },
      { kind: 'issue.comment', eventId: stored!.events[1]!.id, text: '明天上门' },
    ])
    expect(outbox.every((e) => e.baseRev === null && e.recordId === issue.id)).toBe(true)
  })

  it('refuse a move the status graph does not allow, writing nothing', async () => {
    const { repos, db, author } = await device()
    const issue = await repos.issues.create(issueFields(), author)
    await expect(repos.issues.changeStatus(issue.id, 'closed', '', office)).rejects.toBeInstanceOf(InvalidTransitionError)
    expect(await db.outbox.count()).toBe(1)
    expect((await db.issues.get(issue.id))?.status).toBe('submitted')
  })

  it('travel to the server as issue.status, issue.assign and issue.comment', async () => {
    const { repos, engine, server, author } = await device()
    const issue = await repos.issues.create(issueFields(), author)
    await repos.issues.changeStatus(issue.id, 'accepted', '收到', office)
    await repos.issues.assign(issue.id, 'office-1', office)
    await repos.issues.comment(issue.id, '好的', author)
    await engine.sync()
    const kinds = server.calls.filter((c) => c.op === 'push').flatMap((c) => c.mutations!.map((m) => m.kind))
    expect(kinds).toEqual(['put', 'issue.status', 'issue.assign', 'issue.comment'])
    expect(server.records.get(issue.id)?.record).toMatchObject({ status: 'accepted', assignee: 'office-1' })
  })
})

describe('the reporter’s resubmit on the device', () => {
  it('fixes and sends back a returned report: its put, then issue.resubmit, which the server applies in that order', async () => {
    const { repos, engine, server, db, author } = await device()
    const issue = await repos.issues.create(issueFields({ location: '楼道' }), author)
    await repos.issues.changeStatus(issue.id, 'rejected', '请写清楚是几楼', office)
    await engine.sync()

    const sent = await repos.issues.resubmit(issue.id, issueFields({ location: '3楼楼道' }), '  已补上楼层 ', author)
    expect(sent).toMatchObject({ status: 'submitted', location: '3楼楼道' })
    expect(sent.events.at(-1)).toMatchObject({ type: 'status', from: 'rejected', to: 'submitted', note: '已补上楼层', by: author.userId })
    expect((await db.outbox.orderBy('seq').toArray()).map((e) => e.change)).toEqual([
      { kind: 'put', changed: expect.arrayContaining(['location']) },
      { kind: 'issue.resubmit', eventId: sent.events.at(-1)!.id, note: '已补上楼层' },
    ])

    await engine.sync()
    const kinds = server.calls.filter((c) => c.op === 'push').at(-1)!.mutations!.map((m) => m.kind)
    expect(kinds).toEqual(['put', 'issue.resubmit'])
    expect(server.records.get(issue.id)?.record).toMatchObject({ status: 'submitted', location: '3楼楼道' })
  })

  it('is refused on the phone for a report the office has not returned, writing nothing', async () => {
    const { repos, db, author } = await device()
    const issue = await repos.issues.create(issueFields(), author)
    await expect(repos.issues.resubmit(issue.id, issueFields({ location: '五楼' }), '', author)).rejects.toBeInstanceOf(InvalidTransitionError)
    expect(await db.outbox.count()).toBe(1)
    expect(await db.issues.get(issue.id)).toMatchObject({ status: 'submitted', location: issue.location })
  })
})
