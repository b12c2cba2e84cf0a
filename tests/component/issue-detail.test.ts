import { beforeEach, describe, expect, it, vi } from 'vitest'
import { transition, uuidv7 } from '@/domain'
import { repos } from '@/app/db'
import { db } from '@/app/db/database'
import { seedDemoIfEmpty } from '@/app/db/seed'
import IssueDetail from '@/app/features/issues/IssueDetail.vue'
import { author, issueFields } from '../fixtures'
import { buttonNamed, fieldLabelled } from './fields'
import { mountWithApp } from './setup'

beforeEach(async () => {
  await seedDemoIfEmpty(db)
  // Signed in as the leader who files the reports below.
  await db.meta.put({ key: 'userId', value: author.userId })
})

async function openIssue(id: string) {
  const mounted = await mountWithApp(IssueDetail, { props: { id }, route: `/issues/${id}` })
  await vi.waitFor(() => expect(mounted.wrapper.find('.issue-timeline').exists()).toBe(true))
  return mounted
}

/** What the office does, as sync will bring it to the phone. */
async function officeMoves(id: string, to: 'accepted' | 'rejected', note: string) {
  await repos.issues.update(id, (report) => {
    const moved = transition(report, to, { eventId: uuidv7(), at: new Date().toISOString(), by: 'office-1', note })
    if (!moved.ok) throw new Error(moved.reason)
    return moved.report
  })
}
const officeAccepts = (id: string, note: string) => officeMoves(id, 'accepted', note)

describe('the issue report detail', () => {
  it('names who reported and who answered in the timeline, with a neutral word until their cards arrive', async () => {
    const issue = await repos.issues.create(issueFields(), author)
    await officeAccepts(issue.id, '已转物业，三天内上门')
    const { wrapper } = await openIssue(issue.id)
    const who = () => wrapper.findAll('.issue-timeline__who').map((w) => w.text())

    await vi.waitFor(() => expect(who()).toEqual(['楼长', '社区工作人员']))
    await db.users.bulkPut([
      { id: author.userId, communityId: 'c-nanmen', displayName: '王芳', role: 'leader', active: true },
      { id: 'office-1', communityId: 'c-nanmen', displayName: '李主任', role: 'office', active: true },
    ])
    await vi.waitFor(() => expect(who()).toEqual(['王芳', '李主任']))
    expect(wrapper.find('.issue-timeline').text()).not.toContain('office-1')
  })

  it('shows the timeline oldest first and takes a comment that joins it', async () => {
    const issue = await repos.issues.create(issueFields(), author)
    await officeAccepts(issue.id, '已转物业，三天内上门')
    const { wrapper } = await openIssue(issue.id)

    const events = () => wrapper.findAll('.issue-timeline__event').map((e) => e.text())
    await vi.waitFor(() => expect(events()).toHaveLength(2))
    expect(events()[0]).toContain('楼长上报')
    expect(events()[1]).toContain('已受理')
    expect(events()[1]).toContain('已转物业，三天内上门')

    await fieldLabelled(wrapper, '留言').find('textarea').setValue('住户说窗框也松了')
    await buttonNamed(wrapper, '发送留言').trigger('click')

    await vi.waitFor(() => expect(events()).toHaveLength(3))
    expect(events()[2]).toContain('住户说窗框也松了')
    const stored = await db.issues.get(issue.id)
    expect(stored?.events.map((e) => e.type)).toEqual(['status', 'comment'])
    // The box is empty again, ready for the next comment, and no draft of the sent one is left.
    await vi.waitFor(() => expect((fieldLabelled(wrapper, '留言').find('textarea').element as HTMLTextAreaElement).value).toBe(''))
    expect(await db.drafts.get(`issue:${issue.id}:comment`)).toBeUndefined()
  })

  it('offers editing only while the report waits for the office', async () => {
    const issue = await repos.issues.create(issueFields(), author)
    const { wrapper } = await openIssue(issue.id)
    const buttons = () => wrapper.findAll('button').map((b) => b.text())
    await vi.waitFor(() => expect(buttons()).toContain('修改'))

    await officeAccepts(issue.id, '')

    await vi.waitFor(() => expect(wrapper.text()).toContain('已受理'))
    expect(buttons()).not.toContain('修改')
  })

  it('shows the office’s reason for returning the report first, with a way to fix and resubmit it', async () => {
    const issue = await repos.issues.create(issueFields(), author)
    await officeMoves(issue.id, 'rejected', '请写清楚是几楼的窗户')
    const { wrapper, router } = await openIssue(issue.id)

    await vi.waitFor(() => expect(wrapper.find('.issue-returned').text()).toContain('退回原因：请写清楚是几楼的窗户'))
    // Before the report's fields: the first thing the leader reads.
    expect(wrapper.find('.issue-returned ~ .issue-detail__fields').exists()).toBe(true)
    const fix = () => wrapper.findAll('.issue-returned .van-button').find((b) => b.text() === '修改后重新提交')
    await vi.waitFor(() => expect(fix()).toBeDefined())
    await fix()!.trigger('click')
    await vi.waitFor(() => expect(router.currentRoute.value).toMatchObject({ name: 'issue-edit', params: { id: issue.id } }))
  })

  it('offers a report another leader of the building filed to be read and commented on, never fixed or edited', async () => {
    const issue = await repos.issues.create(issueFields(), { ...author, userId: 'leader-2' })
    await officeMoves(issue.id, 'rejected', '请写清楚是几楼的窗户')
    const { wrapper } = await openIssue(issue.id)

    await vi.waitFor(() => expect(wrapper.find('.issue-returned').text()).toContain('请写清楚是几楼的窗户'))
    const buttons = wrapper.findAll('.van-button').map((b) => b.text())
    expect(buttons).not.toContain('修改后重新提交')
    expect(buttons).not.toContain('修改')
    expect(buttons).toContain('发送留言')
  })

  it('once resubmitted, drops the return notice and shows the leader’s note in the timeline', async () => {
    const issue = await repos.issues.create(issueFields(), author)
    await officeMoves(issue.id, 'rejected', '请写清楚是几楼的窗户')
    await repos.issues.resubmit(issue.id, issueFields({ location: '3楼楼道窗户' }), '已补上楼层', author)
    const { wrapper } = await openIssue(issue.id)

    const events = () => wrapper.findAll('.issue-timeline__event').map((e) => e.text())
    await vi.waitFor(() => expect(events()).toHaveLength(3))
    expect(events()[2]).toContain('楼长重新提交')
    expect(events()[2]).toContain('已补上楼层')
    expect(wrapper.find('.issue-returned').exists()).toBe(false)
    await vi.waitFor(() => expect(wrapper.findAll('.van-button').map((b) => b.text())).toContain('修改'))
  })
})
