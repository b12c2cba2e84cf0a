import { beforeEach, describe, expect, it, vi } from 'vitest'
import { repos, StorageFullError } from '@/app/db'
import { db } from '@/app/db/database'
import { LOCAL_USER } from '@/app/db/device'
import { seedDemoIfEmpty } from '@/app/db/seed'
import HomeView from '@/app/features/home/HomeView.vue'
import HouseholdDetail from '@/app/features/households/HouseholdDetail.vue'
import IssueDetail from '@/app/features/issues/IssueDetail.vue'
import MentorMentee from '@/app/features/mentorship/MentorMentee.vue'
import { author, issueFields, visitFields } from '../fixtures'
import { MENTEE_BUILDING, MENTORSHIP_ID, menteeView, mentorNote, mentorNoteOnReport } from '../fixtures/mentorship'
import { buttonNamed, errorOf, fieldLabelled } from './fields'
import { mountWithApp } from './setup'

/** 老带新 on the phone: the mentor's copy of a new leader's work with its notes, and the notes where the new leader works. */

const me = { ...author, userId: LOCAL_USER }

async function mentorScreen() {
  const mounted = await mountWithApp(MentorMentee, { props: { mentorshipId: MENTORSHIP_ID }, route: `/mentees/${MENTORSHIP_ID}` })
  await vi.waitFor(() => expect(mounted.wrapper.find('.mentee-row').exists()).toBe(true))
  return mounted
}
const sectionRows = (wrapper: Awaited<ReturnType<typeof mentorScreen>>['wrapper'], heading: string) =>
  wrapper.find(`[aria-labelledby="${heading}"]`).findAll('.mentee-row')

describe('the mentor’s phone', () => {
  it('home has a line to each mentee, only while a copy is kept', async () => {
    const { wrapper } = await mountWithApp(HomeView)
    await vi.waitFor(() => expect(wrapper.find('.home__actions').exists()).toBe(true))
    expect(wrapper.find('.mentor-home').exists()).toBe(false)
    await db.menteeViews.put(menteeView())
    await vi.waitFor(() => expect(wrapper.find('.mentor-home .home-lines__line').text()).toBe('带教 一号楼长：3 件事要跟进'))
    expect(wrapper.find('.mentor-home .home-lines__line').attributes('href')).toBe(`/mentees/${MENTORSHIP_ID}`)
    await db.menteeViews.clear()
    await vi.waitFor(() => expect(wrapper.find('.mentor-home').exists()).toBe(false))
  })

  it('reads the new leader’s follow-ups, households due and open reports from the copy, and says when it was made', async () => {
    await db.menteeViews.put(menteeView())
    const { wrapper } = await mentorScreen()
    expect(wrapper.find('.app-page__title').text()).toBe('带教对象：一号楼长')
    expect(wrapper.find('.mentor-mentee__at').text()).toMatch(/^11月20日 \d\d:00 同步时的情况$/)
    expect(wrapper.find('.mentor-mentee__facts').text()).toContain('桥湖路32号')
    expect(wrapper.find('.mentor-mentee__facts').text()).toContain('先带他走一遍独居老人')
    const [followUp] = sectionRows(wrapper, 'mentee-follow-ups')
    expect(followUp!.text()).toContain('桥湖路32号 3单元301')
    expect(followUp!.text()).toContain('过期 5 天')
    expect(followUp!.text()).toContain('需求：想申请居家养老服务')
    const [due] = sectionRows(wrapper, 'mentee-due')
    expect(due!.text()).toContain('桥湖路32号 1单元102关爱户')
    expect(due!.text()).toContain('超期 21 天')
    const [report] = sectionRows(wrapper, 'mentee-reports')
    expect(report!.find('.mentee-row__title').text()).toBe('3楼楼道窗户玻璃碎了')
    expect(report!.text()).toContain('维修 · 已受理')
    // The copy's note on the report, under it; nothing of the mentee's can be changed here.
    expect(report!.find('.mentee-row__notes').text()).toContain('记得先打电话给物业')
    expect(wrapper.findAll('input, textarea')).toHaveLength(0)
  })

  it('says so when the pairing has ended (the copy went with it)', async () => {
    const { wrapper } = await mountWithApp(MentorMentee, { props: { mentorshipId: MENTORSHIP_ID }, route: `/mentees/${MENTORSHIP_ID}` })
    await vi.waitFor(() => expect(wrapper.find('.mentor-mentee__gone').text()).toBe('带教已经结束，或者这台手机还没同步到。'))
  })

  it('writes a note on a row: the error by the field, the words kept when saving fails, the note under the row once saved', async () => {
    await db.menteeViews.put(menteeView({ notes: [] }))
    const { wrapper } = await mentorScreen()
    await buttonNamed(sectionRows(wrapper, 'mentee-follow-ups')[0]!, '写提醒').trigger('click')
    await vi.waitFor(() => expect(wrapper.find('.mentor-note').exists()).toBe(true))
    expect(wrapper.find('.mentor-note__about').text()).toBe('桥湖路32号 3单元301')

    await wrapper.find('.mentor-note').trigger('submit')
    await vi.waitFor(() => expect(errorOf(wrapper, '提醒的话').text()).toBe('这一项要填'))

    await fieldLabelled(wrapper, '提醒的话').find('textarea').setValue('上门前先问问社康')
    const create = vi.spyOn(repos.mentorNotes, 'create').mockRejectedValueOnce(new StorageFullError('full'))
    await wrapper.find('.mentor-note').trigger('submit')
    await vi.waitFor(() => expect(wrapper.find('.mentor-note .form-notice--error').text()).toContain('手机存储空间满了'))
    expect((fieldLabelled(wrapper, '提醒的话').find('textarea').element as HTMLTextAreaElement).value).toBe('上门前先问问社康')
    const draftKey = `mentorNote:${MENTORSHIP_ID}:visit:visit-1`
    expect((await repos.drafts.load(draftKey))?.data).toEqual({ text: '上门前先问问社康' })

    // Closed and opened again, the sheet brings the words back.
    await buttonNamed(wrapper, '先不写').trigger('click')
    await vi.waitFor(() => expect(wrapper.find('.mentor-note').exists()).toBe(false))
    await buttonNamed(sectionRows(wrapper, 'mentee-follow-ups')[0]!, '写提醒').trigger('click')
    await vi.waitFor(() => expect((fieldLabelled(wrapper, '提醒的话').find('textarea').element as HTMLTextAreaElement).value).toBe('上门前先问问社康'))

    create.mockRestore()
    await wrapper.find('.mentor-note').trigger('submit')
    await vi.waitFor(() => expect(wrapper.find('.mentor-note').exists()).toBe(false))
    const [saved] = await db.mentorNotes.toArray()
    expect(saved).toMatchObject({ mentorshipId: MENTORSHIP_ID, subject: { kind: 'visit', id: 'visit-1' }, buildingId: MENTEE_BUILDING, text: '上门前先问问社康' })
    expect(await db.outbox.count()).toBe(1)
    expect(await repos.drafts.load(draftKey)).toBeUndefined()
    await vi.waitFor(() => expect(sectionRows(wrapper, 'mentee-follow-ups')[0]!.find('.mentee-row__notes').text()).toContain('上门前先问问社康'))
  })

  it('lists a row’s notes newest first, the copy’s and those made here since, each once', async () => {
    const synced = mentorNote({ text: '早先的提醒', createdAt: '2026-11-18T02:00:00.000Z' })
    await db.menteeViews.put(menteeView({ notes: [synced] }))
    // Made here and synced since: it is in the copy and on the phone, and shows once.
    await db.mentorNotes.put(synced)
    await repos.mentorNotes.create(mentorNoteOnReport({ text: '新写的提醒' }), me, new Date('2026-11-21T02:00:00.000Z'))
    const { wrapper } = await mentorScreen()
    const notes = () => sectionRows(wrapper, 'mentee-reports')[0]!.findAll('.mentee-row__notes > li').map((li) => li.text())
    await vi.waitFor(() => expect(notes()).toHaveLength(2))
    expect(notes()[0]).toContain('新写的提醒')
    expect(notes()[1]).toContain('早先的提醒')
  })
})

describe('the new leader’s phone', () => {
  beforeEach(async () => {
    await seedDemoIfEmpty(db)
    await db.users.put({ id: 'leader-2', communityId: 'c-nanmen', displayName: '王姐', role: 'leader', active: true })
  })

  it('shows the mentor’s note on the report, with the mentor’s name', async () => {
    const issue = await repos.issues.create(issueFields(), me)
    await db.mentorNotes.put(mentorNote({ subject: { kind: 'issue', id: issue.id }, buildingId: issue.buildingId, text: '先拍照发给物业' }))
    await db.mentorNotes.put(mentorNote({ id: '019ae200-0000-7000-8000-000000000102', subject: { kind: 'issue', id: 'another-report' }, text: '别的诉求' }))
    const { wrapper } = await mountWithApp(IssueDetail, { props: { id: issue.id }, route: `/issues/${issue.id}` })
    await vi.waitFor(() => expect(wrapper.find('.mentor-notes').exists()).toBe(true))
    expect(wrapper.findAll('.mentor-notes__note')).toHaveLength(1)
    expect(wrapper.find('.mentor-notes__who').text()).toMatch(/^带教楼长 王姐 提醒 · /)
    expect(wrapper.find('.mentor-notes__text').text()).toBe('先拍照发给物业')
  })

  it('shows notes on the household and on its visits on the household page, newest first', async () => {
    const visit = await repos.visits.create(visitFields(), me)
    const { householdId, buildingId } = visit
    await db.mentorNotes.bulkPut([
      mentorNote({ id: '019ae200-0000-7000-8000-000000000111', subject: { kind: 'household', id: householdId! }, buildingId, text: '这户老人耳背，敲门大声点', createdAt: '2026-11-18T02:00:00.000Z' }),
      mentorNote({ id: '019ae200-0000-7000-8000-000000000112', subject: { kind: 'visit', id: visit.id }, buildingId, text: '回访时带上申请表', createdAt: '2026-11-19T02:00:00.000Z' }),
    ])
    const { wrapper } = await mountWithApp(HouseholdDetail, { props: { householdId }, route: `/households/${householdId}` })
    await vi.waitFor(() => expect(wrapper.findAll('.mentor-notes__text')).toHaveLength(2))
    expect(wrapper.findAll('.mentor-notes__text').map((p) => p.text())).toEqual(['回访时带上申请表', '这户老人耳背，敲门大声点'])
  })
})
