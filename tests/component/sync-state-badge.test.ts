import { beforeEach, describe, expect, it, vi } from 'vitest'
import { uuidv7 } from '@/domain'
import { repos } from '@/app/db'
import { db } from '@/app/db/database'
import type { RecordSyncState } from '@/app/db/queries'
import { seedDemoIfEmpty } from '@/app/db/seed'
import IssueList from '@/app/features/issues/IssueList.vue'
import VisitDetail from '@/app/features/visits/VisitDetail.vue'
import SyncStateBadge from '@/app/ui/SyncStateBadge.vue'
import { author, issueFields, visitFields } from '../fixtures'
import { mountWithApp } from './setup'

beforeEach(async () => {
  await seedDemoIfEmpty(db)
})

describe('the sync state badge', () => {
  it.each<[RecordSyncState, string]>([
    [{ state: 'local' }, '未同步'],
    [{ state: 'sent' }, '已同步'],
    [{ state: 'conflict', conflicts: [] }, '有冲突'],
    [{ state: 'rejected', code: 'forbidden', message: 'The building is not assigned to you', at: '2026-11-20T01:00:00.000Z' }, '被退回：没有权限，这栋楼可能已不归你管'],
    [{ state: 'rejected', code: 'invalid_transition', message: 'x', at: '2026-11-20T01:00:00.000Z' }, '被退回：状态已经变了，不能这样改'],
  ])('reads %j as “%s”', async (state, words) => {
    const { wrapper } = await mountWithApp(SyncStateBadge, { props: { state } })
    expect(wrapper.text()).toBe(words)
    expect(wrapper.attributes('data-sync-state')).toBe(state.state)
  })

  it('holds its place, blank and hidden, while the state is being read', async () => {
    const { wrapper } = await mountWithApp(SyncStateBadge, { props: { state: undefined } })
    const badge = wrapper.find('.sync-badge')
    // A badge's box (so that a row does not grow when the state comes), with no words and no state in it.
    expect(badge.classes()).toContain('sync-badge--reading')
    expect(badge.text()).toBe('')
    expect(badge.attributes('data-sync-state')).toBeUndefined()
    expect(badge.attributes('aria-hidden')).toBe('true')
    await wrapper.setProps({ state: { state: 'sent' } })
    expect(wrapper.find('.sync-badge').classes()).not.toContain('sync-badge--reading')
    expect(wrapper.text()).toBe('已同步')
  })

  it('translates every reject code the server may send', async () => {
    const { REJECT_CODES } = await import('@/domain')
    for (const code of [...REJECT_CODES, 'too_large' as const]) {
      const { wrapper } = await mountWithApp(SyncStateBadge, { props: { state: { state: 'rejected', code, message: '', at: '' } } })
      expect(wrapper.text()).toMatch(/^被退回：[^a-z_]+$/)
    }
  })

  it('follows each report in the list from this phone to the server, and to a refusal with its reason', async () => {
    const kept = await repos.issues.create(issueFields({ location: '3楼楼道窗户' }), author)
    const refused = await repos.issues.create(issueFields({ location: '天台排水口' }), author)
    const { wrapper } = await mountWithApp(IssueList, { route: '/issues' })
    const badgeOf = (location: string) =>
      wrapper
        .findAll('.issue-list .van-cell')
        .find((row) => row.text().includes(location))
        ?.find('.sync-badge')
        .text()

    await vi.waitFor(() => expect(badgeOf('3楼楼道窗户')).toBe('未同步'))
    expect(badgeOf('天台排水口')).toBe('未同步')

    // What a sync run leaves behind: the outbox drained, one report acknowledged, the other refused.
    await db.transaction('rw', [db.outbox, db.issues, db.rejections], async () => {
      await db.outbox.clear()
      await db.issues.update(kept.id, { rev: 7 })
      await db.rejections.add({
        mutationId: uuidv7(),
        table: 'issues',
        recordId: refused.id,
        kind: 'put',
        code: 'forbidden',
        message: 'The building is not assigned to you',
        at: new Date().toISOString(),
        record: refused,
      })
    })

    await vi.waitFor(() => expect(badgeOf('3楼楼道窗户')).toBe('已同步'))
    expect(badgeOf('天台排水口')).toBe('被退回：没有权限，这栋楼可能已不归你管')
  })
})

describe('a record with a conflict', () => {
  it('shows the losing value beside the current one, and keeping it saves the record again for sync', async () => {
    const visit = await repos.visits.create(visitFields({ outcome: '已教会用粤省事做年审' }), author)
    await db.outbox.clear()
    await db.visits.update(visit.id, {
      rev: 12,
      outcome: '社区已派人上门',
      conflicts: [{ field: 'outcome', value: '已教会用粤省事做年审', mutationId: uuidv7(), by: author.userId, at: '2026-11-20T03:00:00.000Z' }],
    })
    const { wrapper } = await mountWithApp(VisitDetail, { props: { id: visit.id }, route: `/visits/${visit.id}` })
    const panel = () => wrapper.find('.sync-conflicts')

    await vi.waitFor(() => expect(panel().exists()).toBe(true))
    expect(wrapper.find('.sync-badge').text()).toBe('有冲突')
    expect(panel().text()).toContain('处理结果')
    const choices = panel().findAll('.sync-conflicts__choice')
    expect(choices.map((c) => c.find('.sync-conflicts__value').text())).toEqual(['社区已派人上门', '已教会用粤省事做年审'])

    await choices[1]!.find('button').trigger('click')

    await vi.waitFor(() => expect(panel().exists()).toBe(false))
    const saved = await db.visits.get(visit.id)
    expect(saved).toMatchObject({ outcome: '已教会用粤省事做年审', conflicts: [] })
    const [entry] = await db.outbox.toArray()
    expect(entry).toMatchObject({ recordId: visit.id, baseRev: 12, change: { kind: 'put' } })
    expect(entry!.change.kind === 'put' && entry!.change.changed).toContain('outcome')
    await vi.waitFor(() => expect(wrapper.find('.sync-badge').text()).toBe('未同步'))
  })

  it('keeping the current value still sends the field, so that the server clears the conflict too', async () => {
    const visit = await repos.visits.create(visitFields(), author)
    await db.outbox.clear()
    await db.visits.update(visit.id, {
      rev: 12,
      outcome: '社区已派人上门',
      conflicts: [{ field: 'outcome', value: '别人写的', mutationId: uuidv7(), by: 'leader-2', at: '2026-11-20T03:00:00.000Z' }],
    })
    const { wrapper } = await mountWithApp(VisitDetail, { props: { id: visit.id }, route: `/visits/${visit.id}` })
    await vi.waitFor(() => expect(wrapper.find('.sync-conflicts').exists()).toBe(true))
    expect(wrapper.find('.sync-conflicts').text()).toContain('别人改的，没保存上')

    await wrapper.findAll('.sync-conflicts__choice')[0]!.find('button').trigger('click')

    await vi.waitFor(async () => expect((await db.visits.get(visit.id))?.conflicts).toEqual([]))
    expect((await db.visits.get(visit.id))?.outcome).toBe('社区已派人上门')
    const [entry] = await db.outbox.toArray()
    expect(entry!.change).toEqual({ kind: 'put', changed: expect.arrayContaining(['outcome']) })
  })
})
