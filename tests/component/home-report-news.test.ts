import { beforeEach, describe, expect, it, vi } from 'vitest'
import { addComment, transition, uuidv7, type IssueReport } from '@/domain'
import { repos } from '@/app/db'
import { db } from '@/app/db/database'
import { seedDemoIfEmpty } from '@/app/db/seed'
import HomeView from '@/app/features/home/HomeView.vue'
import IssueDetail from '@/app/features/issues/IssueDetail.vue'
import IssueList from '@/app/features/issues/IssueList.vue'
import { author, issueFields } from '../fixtures'
import { mountWithApp } from './setup'

/*
 * Home tells the leader when the office moved one of their reports ("你报的 2 条诉求有新进展"), until they
 * open the report list or that report: news as it reaches the phone, not as old as the phone's first sync.
 */

const SLOW = { timeout: 8000 }

beforeEach(async () => {
  await seedDemoIfEmpty(db)
  await db.meta.put({ key: 'userId', value: author.userId })
})

/** The office's change as pull brings it: the report replaced, nothing in the outbox. */
async function officeDoes(id: string, change: (report: IssueReport) => IssueReport) {
  await db.issues.put(change((await db.issues.get(id))!))
}
const accept = (id: string) =>
  officeDoes(id, (report) => {
    const moved = transition(report, 'accepted', { eventId: uuidv7(), at: new Date().toISOString(), by: 'office-1', note: '已转物业' })
    if (!moved.ok) throw new Error(moved.reason)
    return moved.report
  })
const reply = (id: string, by = 'office-1') => officeDoes(id, (report) => addComment(report, { eventId: uuidv7(), at: new Date().toISOString(), by, text: '明天上门' }))
const fullSync = () => db.meta.put({ key: 'lastFullSyncAt', value: new Date().toISOString() })

async function home() {
  const { wrapper } = await mountWithApp(HomeView)
  return () => wrapper.find('.home-report-news')
}

describe('news on the leader’s reports, on home', { timeout: 30_000 }, () => {
  it('counts only what reaches the phone after its first full sync, and only the office’s doings on the leader’s own reports', async () => {
    const window = await repos.issues.create(issueFields({ location: '3楼楼道窗户' }), author)
    const roof = await repos.issues.create(issueFields({ location: '天台排水口' }), author)
    const stairs = await repos.issues.create(issueFields({ location: '楼梯扶手' }), author)
    const theirs = await repos.issues.create(issueFields({ location: '一楼门禁' }), { userId: 'leader-2', deviceId: 'device-2' })
    await accept(window.id)
    const notice = await home()

    // Before the first full sync the phone may be filling up with years of history: no news yet, and none of
    // that history is news afterwards.
    await accept(stairs.id)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(notice().exists()).toBe(false)
    await fullSync()
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(notice().exists()).toBe(false)

    await reply(roof.id)
    await vi.waitFor(() => expect(notice().text()).toBe('你报的诉求有新进展：天台排水口'), SLOW)
    expect(notice().attributes('href')).toBe(`/issues/${roof.id}`)

    // The leader's own comment is no news; another leader's report is not theirs to hear about.
    await reply(window.id, author.userId)
    await accept(theirs.id)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(notice().text()).toBe('你报的诉求有新进展：天台排水口')

    await reply(window.id)
    await vi.waitFor(() => expect(notice().text()).toBe('你报的 2 条诉求有新进展'), SLOW)
    expect(notice().attributes('href')).toBe('/issues')
  })

  it('clears a report when its page is opened, and all of them when the list is', async () => {
    const window = await repos.issues.create(issueFields({ location: '3楼楼道窗户' }), author)
    const roof = await repos.issues.create(issueFields({ location: '天台排水口' }), author)
    await fullSync()
    const notice = await home()
    await vi.waitFor(async () => expect((await db.meta.get('issuesSeen'))?.value).toBeDefined(), SLOW)
    await accept(window.id)
    await accept(roof.id)
    await vi.waitFor(() => expect(notice().text()).toBe('你报的 2 条诉求有新进展'), SLOW)

    const detail = await mountWithApp(IssueDetail, { props: { id: window.id }, route: `/issues/${window.id}` })
    await vi.waitFor(() => expect(notice().text()).toBe('你报的诉求有新进展：天台排水口'), SLOW)
    // News arriving while its page is open is seen there.
    await reply(window.id)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(notice().text()).toBe('你报的诉求有新进展：天台排水口')

    // Once the page is closed, more news on it brings it back.
    detail.wrapper.unmount()
    await reply(window.id)
    await vi.waitFor(() => expect(notice().text()).toBe('你报的 2 条诉求有新进展'), SLOW)

    await mountWithApp(IssueList, { route: '/issues' })
    await vi.waitFor(() => expect(notice().exists()).toBe(false), SLOW)
  })
})
