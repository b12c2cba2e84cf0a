import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { IssueFields, IssueReport, User } from '@/domain'
import { demoCommunity } from '@/domain/demo'
import { repos } from '@/app/db'
import { db } from '@/app/db/database'
import { seedDemoIfEmpty } from '@/app/db/seed'
import type { VueWrapper } from '@vue/test-utils'
import App from '@/app/App.vue'
import OfficeIssue from '@/app/features/office/OfficeIssue.vue'
import OfficeIssues from '@/app/features/office/OfficeIssues.vue'
import OfficeLayout from '@/app/features/office/OfficeLayout.vue'
import { author, inspectionFields, issueFields } from '../fixtures'
import { buttonNamed, choiceButton, choiceGroup, choose, errorOf, fieldLabelled } from './fields'
import { mountWithApp } from './setup'

const office: User = { id: 'u-office1', username: 'office1', displayName: '社区办公室', role: 'office', communityId: 'c-nanmen', buildingIds: [] }

/** Signs this device in as `user`, as the engine keeps the session. */
async function signedInAs(user: User) {
  await db.meta.bulkPut([
    { key: 'user', value: JSON.stringify(user) },
    { key: 'userId', value: user.id },
    { key: 'token', value: 'secret-token' },
    { key: 'serverUrl', value: 'https://doorstep.example' },
    { key: 'syncDeviceId', value: 'd-office' },
    // Without a PIN, as the office may allow: the app shows its pages, not the lock's (tests/component/lock-*.test.ts).
    { key: 'appLock', value: 'optional' },
    { key: 'lockSkipped', value: '2026-12-01T08:00:00.000Z' },
  ])
}

/** A leader's report as pull brings it to the office's device: acknowledged (a rev) and nothing queued here. */
async function pulled(fields: Partial<IssueFields>, state: Partial<IssueReport> = {}, at = new Date()): Promise<IssueReport> {
  const report = await repos.issues.create(issueFields(fields), author, at)
  await db.issues.update(report.id, { rev: 3, ...state })
  await db.outbox.where('recordId').equals(report.id).delete()
  return (await db.issues.get(report.id))!
}

beforeEach(async () => {
  await seedDemoIfEmpty(db)
  await signedInAs(office)
})

describe('the office workspace', () => {
  it('has a side navigation and a header, and no leader tab bar', async () => {
    const { wrapper } = await mountWithApp(App, { route: '/office' })
    await vi.waitFor(() => expect(wrapper.find('.office-layout__side').exists()).toBe(true))
    const nav = wrapper.find('nav.office-layout__side')
    expect(nav.attributes('aria-label')).toBe('工作台导航')
    expect(nav.findAll('.el-menu-item').map((item) => item.text())).toEqual(['诉求', '楼栋住户', '人员', '巡查模板', '检查任务', '表决', '矛盾调解', '老带新', '走访覆盖', '设备', '月报导出', '积分'])
    expect(wrapper.find('.app-tabbar').exists()).toBe(false)
    await vi.waitFor(() => expect(wrapper.find('.office-layout__header').text()).toContain('社区办公室（社区工作人员）'))
    // The header names the community once sync has brought its record.
    await db.communities.put(demoCommunity)
    await vi.waitFor(() => expect(wrapper.find('.office-layout__community').text()).toBe('南门社区'))
  })

  it('keeps the tab bar on the leader’s screens', async () => {
    const { wrapper } = await mountWithApp(App, { route: '/' })
    await vi.waitFor(() => expect(wrapper.find('.app-tabbar').exists()).toBe(true))
  })

  it('tells a leader who opens it that it is for office staff', async () => {
    await signedInAs({ ...office, id: 'u-leader1', role: 'leader', buildingIds: ['b-nanmen-115-2'] })
    await pulled({ location: '3楼楼道窗户' })
    const { wrapper } = await mountWithApp(OfficeLayout, { route: '/office' })

    await vi.waitFor(() => expect(wrapper.text()).toContain('这里是社区工作人员办理诉求的地方'))
    expect(wrapper.find('.office-issues__link').exists()).toBe(false)
  })
})

// A real Element Plus table in happy-dom renders slowly on a machine shared with other runs.
const TABLE = { timeout: 8000 }

describe('the table of reports', { timeout: 30_000 }, () => {
  const rows = (wrapper: VueWrapper) => wrapper.findAll('.office-issues__link').map((r) => r.text())
  const statusTab = (wrapper: VueWrapper, n: number) => wrapper.findAll('.office-issues__statuses input')[n]!

  it('counts reports per status, filters by status, building and words, newest first or oldest first', async () => {
    await pulled({ location: '1楼信报箱', urgency: 'low' }, {}, new Date('2026-11-20T01:00:00Z'))
    await pulled({ location: '3楼楼道窗户', urgency: 'urgent' }, {}, new Date('2026-11-18T01:00:00Z'))
    await pulled({ location: '天台排水口', urgency: 'normal', buildingId: 'b-qiaohu-32' }, { status: 'accepted' }, new Date('2026-11-19T01:00:00Z'))
    await pulled({ location: '楼梯灯', urgency: 'normal', buildingId: 'b-qiaohu-32' }, { status: 'closed' }, new Date('2026-11-17T01:00:00Z'))

    const { wrapper, router } = await mountWithApp(OfficeIssues, { route: '/office' })
    const chips = () => wrapper.findAll('.office-issues__statuses .el-radio-button').map((c) => c.text())

    await vi.waitFor(() => expect(rows(wrapper)).toHaveLength(4), TABLE)
    expect(rows(wrapper)).toEqual(['维修 · 1楼信报箱', '维修 · 天台排水口', '紧急 维修 · 3楼楼道窗户', '维修 · 楼梯灯'])
    expect(chips()).toEqual(['全部 4', '已上报 2', '已受理 1', '办理中 0', '已解决 0', '已办结 1', '已退回 0'])

    await statusTab(wrapper, 1).setValue(true)
    await vi.waitFor(() => expect(rows(wrapper)).toHaveLength(2))
    expect(router.currentRoute.value.query).toEqual({ status: 'submitted' })

    await router.replace({ query: { building: 'b-qiaohu-32' } })
    await vi.waitFor(() => expect(chips()).toEqual(['全部 2', '已上报 0', '已受理 1', '办理中 0', '已解决 0', '已办结 1', '已退回 0']))
    expect(rows(wrapper)).toEqual(['维修 · 天台排水口', '维修 · 楼梯灯'])

    await router.replace({ query: {} })
    // Every report here describes a broken window; only one is in a stairwell (楼道).
    await wrapper.find('.office-issues__search input').setValue('楼道 窗户')
    await vi.waitFor(() => expect(rows(wrapper)).toEqual(['紧急 维修 · 3楼楼道窗户']))
    // Never in the address, which Chromium keeps in the profile's history in clear.
    expect(router.currentRoute.value.query).toEqual({})

    await wrapper.find('.office-issues__search input').setValue('')
    await vi.waitFor(() => expect(rows(wrapper)).toHaveLength(4), TABLE)
    await wrapper.find('.office-issues__table th.is-sortable .caret-wrapper .sort-caret.ascending').trigger('click')
    await vi.waitFor(() => expect(rows(wrapper)[0]).toBe('维修 · 楼梯灯'))
    expect(router.currentRoute.value.query).toEqual({ order: 'ascending' })
  })

  it('shows 50 reports a page and pages on, keeping the page in the address', async () => {
    for (let n = 0; n < 60; n++) await pulled({ location: `${n}号`, urgency: 'normal' }, {}, new Date(Date.UTC(2026, 10, 1, 0, n)))
    const { wrapper, router } = await mountWithApp(OfficeIssues, { route: '/office' })

    await vi.waitFor(() => expect(rows(wrapper)).toHaveLength(50), TABLE)
    expect(rows(wrapper)[0]).toBe('维修 · 59号')
    await wrapper.find('.office-issues__pages .btn-next').trigger('click')
    await vi.waitFor(() => expect(rows(wrapper)).toHaveLength(10), TABLE)
    expect(rows(wrapper).at(-1)).toBe('维修 · 0号')
    expect(router.currentRoute.value.query).toEqual({ page: '2' })
  })

  it('names reporters and handlers from their cards, and a neutral word before a card arrives', async () => {
    await pulled({ location: '3楼楼道窗户' }, { createdBy: 'u-leader1', assignee: 'u-office2' })
    await pulled({ location: '楼梯灯' }, { createdBy: 'u-leader9', assignee: 'u-office9' })
    await db.users.bulkPut([
      { id: 'u-leader1', communityId: 'c-nanmen', displayName: '王芳', role: 'leader', active: true },
      { id: 'u-office2', communityId: 'c-nanmen', displayName: '李主任', role: 'office', active: true },
    ])
    const { wrapper } = await mountWithApp(OfficeIssues, { route: '/office' })
    const cells = () => wrapper.findAll('.office-issues__table tbody tr').map((tr) => tr.findAll('td').map((td) => td.text()))

    await vi.waitFor(() => expect(cells().map((c) => c[2])).toEqual(expect.arrayContaining(['王芳', '楼长'])))
    expect(cells().map((c) => c[5])).toEqual(expect.arrayContaining(['李主任', '社区工作人员']))
    expect(wrapper.text()).not.toContain('u-leader')
    expect(wrapper.text()).not.toContain('u-office')
  })
})

describe('handling one report', () => {
  async function open(report: IssueReport) {
    const mounted = await mountWithApp(OfficeIssue, { props: { id: report.id }, route: `/office/issues/${report.id}` })
    await vi.waitFor(() => expect(mounted.wrapper.find('.issue-timeline').exists()).toBe(true))
    return mounted
  }

  it('offers only the moves the status graph allows, and a return needs a reason', async () => {
    const report = await pulled({ location: '3楼楼道窗户' })
    const { wrapper } = await open(report)
    const moves = () => choiceGroup(wrapper, '下一步').findAll('button').map((b) => b.text())

    await vi.waitFor(() => expect(moves()).toEqual(['受理', '退回']))
    await choiceButton(choiceGroup(wrapper, '下一步'), '退回').trigger('click')
    await buttonNamed(wrapper, '确认退回').trigger('submit')

    await vi.waitFor(() => expect(errorOf(wrapper, '办理说明').text()).toBe('这一项要填'))
    expect(await db.outbox.count()).toBe(0)
    expect((await db.issues.get(report.id))?.status).toBe('submitted')
  })

  it('asks for a note before a report is marked resolved, as before a return', async () => {
    const report = await pulled({ location: '3楼楼道窗户' }, { status: 'in_progress' })
    const { wrapper } = await open(report)

    await vi.waitFor(() => choiceButton(choiceGroup(wrapper, '下一步'), '办好了'))
    await choiceButton(choiceGroup(wrapper, '下一步'), '办好了').trigger('click')
    await fieldLabelled(wrapper, '办理说明').find('textarea').setValue('   ')
    await buttonNamed(wrapper, '确认办好了').trigger('submit')

    await vi.waitFor(() => expect(errorOf(wrapper, '办理说明').text()).toBe('这一项要填'))
    expect(await db.outbox.count()).toBe(0)
    expect((await db.issues.get(report.id))?.status).toBe('in_progress')

    await fieldLabelled(wrapper, '办理说明').find('textarea').setValue('物业已换好窗户')
    await buttonNamed(wrapper, '确认办好了').trigger('submit')
    await vi.waitFor(async () => expect((await db.issues.get(report.id))?.status).toBe('resolved'))
  })

  it('queues a status change for sync and shows it at once, with its sync state', async () => {
    const report = await pulled({ location: '3楼楼道窗户' })
    const { wrapper } = await open(report)
    await vi.waitFor(() => expect(wrapper.find('.sync-badge').text()).toBe('已同步'))

    await choiceButton(choiceGroup(wrapper, '下一步'), '受理').trigger('click')
    await fieldLabelled(wrapper, '办理说明').find('textarea').setValue('  已转物业，三天内上门 ')
    await buttonNamed(wrapper, '确认受理').trigger('submit')

    await vi.waitFor(async () => expect((await db.issues.get(report.id))?.status).toBe('accepted'))
    const [entry] = await db.outbox.toArray()
    expect(entry).toMatchObject({ recordId: report.id, baseRev: 3, change: { kind: 'issue.status', to: 'accepted', note: '已转物业，三天内上门' } })
    const stored = (await db.issues.get(report.id))!
    expect(stored.events.at(-1)).toMatchObject({ type: 'status', from: 'submitted', to: 'accepted', note: '已转物业，三天内上门', by: office.id })

    await vi.waitFor(() => expect(wrapper.find('.sync-badge').text()).toBe('未同步'))
    expect(wrapper.find('.issue-timeline').text()).toContain('已转物业，三天内上门')
    // From accepted, the next moves are offered in a fresh form.
    await vi.waitFor(() => expect(choiceGroup(wrapper, '下一步').findAll('button').map((b) => b.text())).toEqual(['开始办理', '退回']))
    expect((fieldLabelled(wrapper, '办理说明').find('textarea').element as HTMLTextAreaElement).value).toBe('')
  })

  it('assigns the report to the signed-in staff member and takes comments, both queued for sync', async () => {
    const report = await pulled({ location: '3楼楼道窗户' }, { status: 'accepted' })
    const { wrapper } = await open(report)
    const assignee = () => wrapper.findAll('.van-cell').find((c) => c.text().startsWith('办理人'))!.text()
    expect(assignee()).toContain('还没分派')

    // The button waits for the signed-in user, read from this device like everything else.
    await vi.waitFor(() => buttonNamed(wrapper, '分给我'))
    await buttonNamed(wrapper, '分给我').trigger('click')

    await vi.waitFor(() => expect(assignee()).toContain('我'))
    expect((await db.issues.get(report.id))?.assignee).toBe(office.id)
    await fieldLabelled(wrapper, '留言').find('textarea').setValue('请拍一张窗框的照片')
    await buttonNamed(wrapper, '发送留言').trigger('click')

    await vi.waitFor(async () => expect(await db.outbox.count()).toBe(2))
    const changes = (await db.outbox.orderBy('seq').toArray()).map((e) => e.change)
    expect(changes).toEqual([
      { kind: 'issue.assign', assignee: office.id },
      expect.objectContaining({ kind: 'issue.comment', text: '请拍一张窗框的照片' }),
    ])
    expect(buttonNamed(wrapper, '取消分派').exists()).toBe(true)
  })

  it('assigns a report to any active colleague of the office (not a disabled one), listed by name, and names the reporter', async () => {
    await db.users.bulkPut([
      { id: office.id, communityId: 'c-nanmen', displayName: '社区办公室', role: 'office', active: true },
      { id: 'u-office2', communityId: 'c-nanmen', displayName: '李主任', role: 'office', active: true },
      { id: 'u-leader1', communityId: 'c-nanmen', displayName: '王芳', role: 'leader', active: true },
      { id: 'u-office3', communityId: 'c-nanmen', displayName: '赵前任', role: 'office', active: false },
    ])
    const report = await pulled({ location: '3楼楼道窗户' }, { status: 'accepted', createdBy: 'u-leader1' })
    const { wrapper } = await open(report)
    const cell = (title: string) => wrapper.findAll('.van-cell').find((c) => c.text().startsWith(title))!.text()

    await vi.waitFor(() => expect(cell('上报人')).toContain('王芳'))
    const options = () => fieldLabelled(wrapper, '分派给').findAll('option').map((o) => o.text())
    await vi.waitFor(() => expect(options()).toEqual(['还没分派', '我', '李主任']))
    await choose(wrapper, '分派给', 'u-office2')

    await vi.waitFor(async () => expect((await db.issues.get(report.id))?.assignee).toBe('u-office2'))
    await vi.waitFor(() => expect(cell('办理人')).toContain('李主任'))
    expect((await db.outbox.toArray()).map((e) => e.change)).toEqual([{ kind: 'issue.assign', assignee: 'u-office2' }])
  })

  it('drops the status form’s error banner once a comment has gone out instead, keeping the note by the field', async () => {
    const report = await pulled({ location: '3楼楼道窗户' }, { status: 'accepted' })
    const { wrapper } = await open(report)
    const alerts = () => wrapper.findAll('.form-notice--error').map((a) => a.text())

    await vi.waitFor(() => buttonNamed(wrapper, '确认'))
    await buttonNamed(wrapper, '确认').trigger('submit')
    await vi.waitFor(() => expect(alerts()).toEqual(['有几项没填好，请看红字提示。']))

    await fieldLabelled(wrapper, '留言').find('textarea').setValue('请拍一张窗框的照片')
    await buttonNamed(wrapper, '发送留言').trigger('submit')

    await vi.waitFor(async () => expect(await db.outbox.count()).toBe(1))
    await vi.waitFor(() => expect(alerts()).toEqual([]))
    expect(choiceGroup(wrapper, '下一步').find('.field-error').exists()).toBe(true)
  })

  it('says a finished report can no longer move', async () => {
    const report = await pulled({ location: '3楼楼道窗户' }, { status: 'closed' })
    const { wrapper } = await open(report)

    await vi.waitFor(() => expect(wrapper.text()).toContain('这条诉求已经结束，不能再改状态。'))
  })

  it('shows the inspection a report was raised from, with the failed item, and opens it', async () => {
    const inspection = await repos.inspections.create(
      inspectionFields({ answers: { 'exit-clear': { result: 'fail', note: '', photos: [] } } }),
      author,
    )
    const report = await pulled({ location: '3楼楼梯口', category: 'safety_hazard', source: { inspectionId: inspection.id, itemId: 'exit-clear' } })
    const { wrapper, router } = await open(report)

    const link = () => wrapper.find('.issue-source-link')
    await vi.waitFor(() => expect(link().text()).toContain('安全出口、楼梯通道畅通，没有堆放杂物'))
    expect(link().text()).toContain('来自安全巡查')
    await link().trigger('click')
    await vi.waitFor(() => expect(router.currentRoute.value).toMatchObject({ name: 'inspection-summary', params: { id: inspection.id } }))
  })
})
