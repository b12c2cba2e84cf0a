import type { VueWrapper } from '@vue/test-utils'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { transition, uuidv7 } from '@/domain'
import { repos } from '@/app/db'
import { db } from '@/app/db/database'
import { seedDemoIfEmpty } from '@/app/db/seed'
import IssueEdit from '@/app/features/issues/IssueEdit.vue'
import PhotoField from '@/app/ui/PhotoField.vue'
import { author, inspectionFields, issueFields, template } from '../fixtures'
import { buttonNamed, choiceButton, choiceGroup, choose, errorOf, fieldLabelled, valueOf } from './fields'
import { mountWithApp } from './setup'

const BUILDING = 'b-nanmen-115-2'
const PHOTO = 'ab'.repeat(32)

beforeEach(async () => {
  await seedDemoIfEmpty(db)
  // Signed in as the leader who files the reports below.
  await db.meta.put({ key: 'userId', value: author.userId })
})

async function openIssueForm(route = '/issues/new', props: { id?: string } = {}) {
  const mounted = await mountWithApp(IssueEdit, { route, props })
  await vi.waitFor(() => expect(mounted.wrapper.find('form').exists()).toBe(true))
  return mounted
}

/** A photo as PhotoField leaves it: stored on the phone, then named by hash in the form. */
async function storePhoto() {
  const bytes = new Uint8Array([0xff, 0xd8, 0xff, 0xd9]).buffer
  await repos.attachments.put({ sha256: PHOTO, type: 'image/jpeg', bytes: 4, width: 1, height: 1, data: bytes, thumb: bytes, thumbType: 'image/jpeg' })
}

const pressed = (wrapper: VueWrapper, group: string, option: string) =>
  choiceButton(choiceGroup(wrapper, group), option).attributes('aria-pressed')

describe('the issue report form', () => {
  it('shows Chinese messages beside the missing fields on an empty submit and writes nothing', async () => {
    const { wrapper } = await openIssueForm()

    await wrapper.find('form').trigger('submit')

    await vi.waitFor(() => expect(wrapper.find('[role="alert"]').text()).toBe('有几项没填好，请看红字提示。'))
    expect(errorOf(wrapper, '楼栋').text()).toBe('这一项要填')
    expect(errorOf(wrapper, '具体位置').text()).toBe('这一项要填')
    expect(errorOf(wrapper, '情况说明').text()).toBe('这一项要填')
    expect(choiceGroup(wrapper, '问题类别').find('.field-error').text()).toBe('请从列表里选一项')
    // A household is optional and the urgency has a default: nothing to complain about.
    expect(errorOf(wrapper, '住户').exists()).toBe(false)
    expect(choiceGroup(wrapper, '紧急程度').find('.field-error').exists()).toBe(false)
    expect(await db.issues.count()).toBe(0)
    expect(await db.outbox.count()).toBe(0)
  })

  it('brings the first problem into view on a submit that fails, as every edit screen does', async () => {
    const scrolled: Element[] = []
    const scroll = vi.spyOn(Element.prototype, 'scrollIntoView').mockImplementation(function (this: Element) {
      scrolled.push(this)
    })
    const { wrapper } = await openIssueForm()

    await wrapper.find('form').trigger('submit')

    await vi.waitFor(() => expect(scrolled).toEqual([errorOf(wrapper, '楼栋').element]))
    scroll.mockRestore()
  })

  it('names each household by its unit and first resident, as the visit form does', async () => {
    const { wrapper } = await openIssueForm()
    await choose(wrapper, '楼栋', BUILDING)
    const household = (await db.households.where('buildingId').equals(BUILDING).sortBy('unit'))[0]!
    const [resident] = await db.residents.where('householdId').equals(household.id).toArray()

    const option = () => fieldLabelled(wrapper, '住户').find(`option[value="${household.id}"]`)
    await vi.waitFor(() => expect(option().text()).toBe(`${household.unit} ${resident!.name}`))
    // A report need not be about one household: the empty choice says so, and is kept as none.
    expect(fieldLabelled(wrapper, '住户').find('option[value=""]').text()).toBe('不涉及具体住户')
  })

  it('autosaves what is typed as a draft that comes back when the form is opened again', async () => {
    const first = await openIssueForm()
    await fieldLabelled(first.wrapper, '具体位置').find('input').setValue('3楼楼道窗户')
    await choiceButton(choiceGroup(first.wrapper, '问题类别'), '维修').trigger('click')

    await vi.waitFor(
      async () => expect((await db.drafts.get('issue:new'))?.data).toMatchObject({ location: '3楼楼道窗户', category: 'repair' }),
      { timeout: 2000 },
    )
    first.wrapper.unmount()

    const { wrapper } = await openIssueForm()
    await vi.waitFor(() => expect(valueOf(wrapper, '具体位置')).toBe('3楼楼道窗户'))
    expect(pressed(wrapper, '问题类别', '维修')).toBe('true')
    expect(wrapper.find('[role="status"]').text()).toContain('上次没填完的内容已恢复')
  })

  it('stores a complete report with its photo as submitted, with one outbox entry, and opens it', async () => {
    await storePhoto()
    const { wrapper, router } = await openIssueForm()

    await choose(wrapper, '楼栋', BUILDING)
    await choiceButton(choiceGroup(wrapper, '问题类别'), '维修').trigger('click')
    await fieldLabelled(wrapper, '具体位置').find('input').setValue('3楼楼道窗户')
    await fieldLabelled(wrapper, '情况说明').find('textarea').setValue('窗户玻璃碎了，风大容易掉下来')
    await choiceButton(choiceGroup(wrapper, '紧急程度'), '紧急').trigger('click')
    // PhotoField's compression needs a real browser: do what it does once a photo is stored.
    wrapper.findComponent(PhotoField).vm.$emit('update:modelValue', [PHOTO])
    await vi.waitFor(() => expect(wrapper.find(`img[data-sha256="${PHOTO}"]`).exists()).toBe(true))

    await wrapper.find('form').trigger('submit')

    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('issue'))
    const [stored, ...others] = await db.issues.toArray()
    expect(others).toEqual([])
    expect(stored).toMatchObject({
      buildingId: BUILDING,
      householdId: null,
      category: 'repair',
      location: '3楼楼道窗户',
      description: '窗户玻璃碎了，风大容易掉下来',
      urgency: 'urgent',
      photos: [PHOTO],
      status: 'submitted',
      events: [],
      source: null,
    })
    expect(router.currentRoute.value.params.id).toBe(stored!.id)
    const outbox = await db.outbox.toArray()
    expect(outbox.map((e) => [e.table, e.recordId])).toEqual([['issues', stored!.id]])
    expect(await db.drafts.get('issue:new')).toBeUndefined()
  })

  it('opened from a failed inspection item, words the finding, leaves the location to the leader with the cursor in it, and keeps the link', async () => {
    await storePhoto()
    const inspection = await repos.inspections.create(
      inspectionFields({ answers: { 'exit-clear': { result: 'fail', note: '三楼楼梯口堆了纸箱', photos: [PHOTO] } } }),
      author,
    )
    const item = template.items.find((i) => i.id === 'exit-clear')!

    const { wrapper, router } = await openIssueForm(`/issues/new?inspectionId=${inspection.id}&itemId=exit-clear`)

    await vi.waitFor(() => expect(valueOf(wrapper, '情况说明')).toBe(`巡查发现：“${item.label}”这一项不符合要求。现场情况：三楼楼梯口堆了纸箱`))
    expect(valueOf(wrapper, '具体位置')).toBe('')
    await vi.waitFor(() => expect(document.activeElement).toBe(fieldLabelled(wrapper, '具体位置').find('input').element))
    await vi.waitFor(() => expect(valueOf(wrapper, '楼栋')).toBe(inspection.buildingId))
    expect(pressed(wrapper, '问题类别', '安全隐患')).toBe('true')
    expect(pressed(wrapper, '紧急程度', '紧急')).toBe('true')
    expect(wrapper.text()).toContain('这条诉求来自安全巡查')
    await vi.waitFor(() => expect(wrapper.find(`img[data-sha256="${PHOTO}"]`).exists()).toBe(true))

    await fieldLabelled(wrapper, '具体位置').find('input').setValue('三楼楼梯口')
    await wrapper.find('form').trigger('submit')

    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('issue'))
    const [stored] = await db.issues.toArray()
    expect(stored).toMatchObject({
      location: '三楼楼梯口',
      source: { inspectionId: inspection.id, itemId: 'exit-clear' },
      photos: [PHOTO],
      status: 'submitted',
    })
  })

  it('takes the "not filled in" banner down once every field is fixed', async () => {
    const { wrapper } = await openIssueForm()
    await wrapper.find('form').trigger('submit')
    await vi.waitFor(() => expect(wrapper.find('[role="alert"]').text()).toBe('有几项没填好，请看红字提示。'))

    await choose(wrapper, '楼栋', BUILDING)
    await choiceButton(choiceGroup(wrapper, '问题类别'), '维修').trigger('click')
    await fieldLabelled(wrapper, '具体位置').find('input').setValue('3楼楼道窗户')
    await fieldLabelled(wrapper, '情况说明').find('textarea').setValue('窗户玻璃碎了')

    await vi.waitFor(() => expect(wrapper.find('.field-error, .van-field__error-message').exists()).toBe(false))
    expect(wrapper.find('.form-notice--error').exists()).toBe(false)
  })

  it('keeps what was typed and says why when the office takes the report on while the leader edits it', async () => {
    const issue = await repos.issues.create(issueFields({ location: '楼道' }), author)
    await db.outbox.clear()
    const { wrapper } = await openIssueForm(`/issues/${issue.id}/edit`, { id: issue.id })
    await vi.waitFor(() => expect(valueOf(wrapper, '具体位置')).toBe('楼道'))
    await fieldLabelled(wrapper, '具体位置').find('input').setValue('3楼楼道')
    await repos.issues.changeStatus(issue.id, 'accepted', '', { userId: 'office-1', deviceId: 'office-device' })
    await db.outbox.clear()

    await wrapper.find('form').trigger('submit')
    await vi.waitFor(() => expect(wrapper.find('.form-notice--error').text()).toContain('社区已经受理'))
    expect(valueOf(wrapper, '具体位置')).toBe('3楼楼道')
    expect(await db.outbox.count()).toBe(0)
    expect((await db.issues.get(issue.id))!.location).toBe('楼道')
  })

  it('does not open another leader’s report for editing, and says why', async () => {
    const issue = await repos.issues.create(issueFields(), { ...author, userId: 'leader-2' })
    const { wrapper } = await mountWithApp(IssueEdit, { route: `/issues/${issue.id}/edit`, props: { id: issue.id } })
    await vi.waitFor(() => expect(wrapper.find('.issue-edit__message').text()).toContain('只有上报的人能修改'))
    expect(wrapper.find('form').exists()).toBe(false)
  })

  it('edits a returned report under the office’s reason and sends it back with the leader’s note', async () => {
    const issue = await repos.issues.create(issueFields({ location: '楼道' }), author)
    await repos.issues.update(issue.id, (report) => {
      const moved = transition(report, 'rejected', { eventId: uuidv7(), at: new Date().toISOString(), by: 'office-1', note: '请写清楚是几楼' })
      if (!moved.ok) throw new Error(moved.reason)
      return moved.report
    })
    await db.outbox.clear()

    const { wrapper, router } = await openIssueForm(`/issues/${issue.id}/edit`, { id: issue.id })
    expect(wrapper.find('.issue-returned').text()).toContain('退回原因：请写清楚是几楼')
    await vi.waitFor(() => expect(valueOf(wrapper, '具体位置')).toBe('楼道'))
    await fieldLabelled(wrapper, '具体位置').find('input').setValue('3楼楼道')
    await fieldLabelled(wrapper, '补充说明').find('textarea').setValue('已补上楼层')
    await buttonNamed(wrapper, '重新提交').trigger('submit')

    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('issue'))
    const stored = (await db.issues.get(issue.id))!
    expect(stored).toMatchObject({ status: 'submitted', location: '3楼楼道' })
    expect(stored.events.at(-1)).toMatchObject({ type: 'status', from: 'rejected', to: 'submitted', note: '已补上楼层' })
    const changes = (await db.outbox.orderBy('seq').toArray()).map((e) => e.change)
    expect(changes).toEqual([
      { kind: 'put', changed: expect.arrayContaining(['location']) },
      { kind: 'issue.resubmit', eventId: stored.events.at(-1)!.id, note: '已补上楼层' },
    ])
  })
})
