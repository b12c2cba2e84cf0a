import type { VueWrapper } from '@vue/test-utils'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { CANVASS_RULES, type AnswerChoice, type CanvassAnswerFields, type CanvassFields } from '@/domain'
import { repos, ValidationError } from '@/app/db'
import { db } from '@/app/db/database'
import { seedDemoIfEmpty } from '@/app/db/seed'
import CanvassAnswerSheet from '@/app/features/canvass/CanvassAnswerSheet.vue'
import CanvassStart from '@/app/features/canvass/CanvassStart.vue'
import CanvassView from '@/app/features/canvass/CanvassView.vue'
import HomeView from '@/app/features/home/HomeView.vue'
import BuildingDetail from '@/app/features/households/BuildingDetail.vue'
import { author } from '../fixtures'
import { canvassAnswerFields, canvassFields } from '../fixtures/canvass'
import { choiceButton, choiceGroup, errorOf, fieldLabelled } from './fields'
import { mountWithApp } from './setup'

/** The leader's canvass screens, offline: opening a canvass, its figures and grid, and the answer sheet. */

// happy-dom draws no canvas: the sheet's finger-drawn signature comes from a stand-in surface, whose PNG then
// goes the real way (hashed, stored as an attachment, named in the answer's photos).
const pad = vi.hoisted(() => ({ empty: true }))
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3])
vi.mock('@/app/features/canvass/signature-surface', () => ({
  signatureSurface: () => ({
    isEmpty: () => pad.empty,
    clear: () => (pad.empty = true),
    fit: () => false,
    png: async () => ({ blob: new Blob([PNG], { type: 'image/png' }), width: 600, height: 240 }),
    dataUrl: () => '',
    destroy: () => {},
  }),
}))

const BUILDING = 'b-nanmen-115-2'
const flat = (unit: string) => `${BUILDING}-${unit}`
/** The building's eight flats (101 … 402) with the areas from their 房产证. */
const AREAS: Record<string, number | null> = { '101': 90, '102': 90, '201': 90, '202': 90, '301': 90, '302': 90, '401': 100.5, '402': 100.4 }

/** The building's eight flats under the elevator rule. */
const elevatorCanvass = (overrides: Partial<CanvassFields> = {}) =>
  canvassFields({
    buildingId: BUILDING,
    question: '是否同意加装电梯',
    households: Object.entries(AREAS).map(([unit, area]) => ({ householdId: flat(unit), area })),
    rule: CANVASS_RULES.elevator_no_objection,
    ...overrides,
  })

/** An answer of the flat `unit`, given by its owner. */
const answerFields = (canvassId: string, unit: string, answer: AnswerChoice, overrides: Partial<CanvassAnswerFields> = {}) =>
  canvassAnswerFields(canvassId, { householdId: flat(unit), answer, respondentName: '', answeredAt: '2026-11-20T02:00:00.000Z', ...overrides })

async function openCanvass(overrides: Partial<CanvassFields> = {}, answers: [string, AnswerChoice][] = []) {
  const canvass = await repos.canvasses.create(elevatorCanvass(overrides), author)
  for (const [unit, answer] of answers) await repos.canvassAnswers.create(answerFields(canvass.id, unit, answer), author)
  return canvass
}

const flatCell = (wrapper: VueWrapper, unit: string) => wrapper.findAll('.canvass-grid__flat').find((cell) => cell.find('.canvass-grid__unit').text() === unit)

beforeEach(async () => {
  await seedDemoIfEmpty(db)
})

describe('the canvass screen', () => {
  it('says what the elevator vote still needs, and colours each flat by its latest answer', async () => {
    const canvass = await openCanvass({}, [
      ['101', 'agree'],
      ['102', 'agree'],
      ['201', 'object'],
      ['202', 'agree'],
      ['301', 'undecided'],
      ['302', 'unreachable'],
    ])
    // 201 is asked again and changes its mind: its latest answer counts, the objection is history.
    await repos.canvassAnswers.create(answerFields(canvass.id, '201', 'agree', { answeredAt: '2026-11-21T02:00:00.000Z' }), author)
    await repos.canvassAnswers.create(answerFields(canvass.id, '302', 'object', { answeredAt: '2026-11-21T03:00:00.000Z' }), author)

    const { wrapper } = await mountWithApp(CanvassView, { props: { id: canvass.id }, route: `/canvasses/${canvass.id}` })
    await vi.waitFor(() => expect(wrapper.find('.canvass-figures__state').exists()).toBe(true))
    // 2/3 of 8 households is 6 (4 agree); 2/3 of 740.9 m² is 493.94 to the hundredth up (360 agree); and 302 objects.
    expect(wrapper.findAll('.canvass-figures__missing').map((line) => line.text())).toEqual(['还差 2 户同意、133.94 ㎡', '已有 1 户反对'])
    expect(wrapper.find('.canvass-counts__row--agree td').text()).toBe('4 户 · 360 ㎡')
    expect(wrapper.text()).toContain('全楼三分之二以上的户、面积同意，并且没有一户反对')

    // The top floor first, as the building stands; each flat in its answer's colour.
    expect(wrapper.findAll('.canvass-grid__floor-number').map((f) => f.text())).toEqual(['4', '3', '2', '1'])
    const colours = Object.fromEntries(Object.keys(AREAS).map((unit) => [unit, flatCell(wrapper, unit)!.classes().find((c) => c.startsWith('canvass-grid__flat--'))]))
    expect(colours).toEqual({
      '101': 'canvass-grid__flat--agree',
      '102': 'canvass-grid__flat--agree',
      '201': 'canvass-grid__flat--agree',
      '202': 'canvass-grid__flat--agree',
      '301': 'canvass-grid__flat--undecided',
      '302': 'canvass-grid__flat--object',
      '401': 'canvass-grid__flat--unasked',
      '402': 'canvass-grid__flat--unasked',
    })
    expect(wrapper.findAll('.canvass-grid__legend li').map((li) => li.text())).toEqual(['同 同意', '反 反对', '弃 弃权', '未 未表态', '联 联系不上', '还没问'])

    // The last two agree and the objector comes round: passed.
    for (const unit of ['401', '402', '302']) await repos.canvassAnswers.create(answerFields(canvass.id, unit, 'agree', { answeredAt: '2026-11-22T02:00:00.000Z' }), author)
    await vi.waitFor(() => expect(wrapper.find('.canvass-figures__state').text()).toBe('通过'))
  })

  it('says when an area is missing that the area share cannot be told yet, and counts households all the same', async () => {
    const canvass = await openCanvass({ rule: CANVASS_RULES.civil_code_278, households: elevatorCanvass().households.map((h) => (h.householdId === flat('402') ? { ...h, area: null } : h)) }, [
      ['101', 'agree'],
      ['102', 'agree'],
      ['201', 'agree'],
      ['202', 'object'],
    ])
    const { wrapper } = await mountWithApp(CanvassView, { props: { id: canvass.id }, route: `/canvasses/${canvass.id}` })
    await vi.waitFor(() => expect(wrapper.find('.canvass-figures__state').exists()).toBe(true))
    expect(wrapper.findAll('.canvass-figures__missing').map((line) => line.text())).toEqual(['参与表决还差 2 户', '缺 1 户面积，面积比例暂无法确定'])
    expect(wrapper.find('.canvass-counts__row--scope td').text()).toBe('8 户')
  })

  it("shows a fund's pledges and payments against its target", async () => {
    const canvass = await openCanvass({ kind: 'fund', question: '楼道窗户维修集资', target: 3000 })
    await repos.canvassAnswers.create(answerFields(canvass.id, '101', 'agree', { pledged: 500, paid: 200 }), author)
    await repos.canvassAnswers.create(answerFields(canvass.id, '302', 'agree', { pledged: 300.5, paid: 300.5 }), author)
    const { wrapper } = await mountWithApp(CanvassView, { props: { id: canvass.id }, route: `/canvasses/${canvass.id}` })
    await vi.waitFor(() => expect(wrapper.find('.canvass-figures__fund').exists()).toBe(true))
    expect(wrapper.find('.canvass-figures__fund').text()).toBe('已认捐 800.5 元，已交 500.5 元，目标 3,000 元')
    expect(wrapper.findAll('.canvass-view__pledges li').map((li) => li.text())).toEqual(['101：认捐 500 元，已交 200 元', '302：认捐 300.5 元，已交 300.5 元'])
  })
})

describe('the building screen', () => {
  it("lists the building's canvasses open ones first, and opens a new one for the whole building or one stairwell", async () => {
    await openCanvass({ question: '去年的楼道改造', closedAt: '2026-01-01T00:00:00.000Z' })
    await openCanvass({}, [['101', 'agree']])
    // The roster lacks 402's area; one flat is in another stairwell.
    await db.households.update(flat('402'), { area: null })
    await db.households.update(flat('102'), { entrance: '2' })
    await db.households.update(flat('101'), { entrance: '1' })

    const { wrapper } = await mountWithApp(BuildingDetail, { props: { buildingId: BUILDING }, route: `/buildings/${BUILDING}` })
    await vi.waitFor(() => expect(wrapper.findAll('.building-section__item')).toHaveLength(2))
    expect(wrapper.findAll('.building-section__title').map((q) => q.text())).toEqual(['是否同意加装电梯', '去年的楼道改造'])
    expect(wrapper.findAll('.building-section__state')[0]!.text()).toBe('还差 5 户同意、403.94 ㎡')
    expect(wrapper.find('.building-section__start').attributes('href')).toBe(`/canvasses/new?buildingId=${BUILDING}`)

    const start = await mountWithApp(CanvassStart, { route: `/canvasses/new?buildingId=${BUILDING}` })
    const form = start.wrapper
    await vi.waitFor(() => expect(form.text()).toContain('参与的住户（8 户）'))
    await choiceButton(choiceGroup(form, '类型'), '集资').trigger('click')
    await form.find('form').trigger('submit')
    // Nothing saved; each problem beside its field, in Chinese.
    await vi.waitFor(() => expect(errorOf(form, '表决事项').text()).toBe('这一项要填'))
    expect(errorOf(form, '集资目标（元）').text()).toBe('填集资目标，单位元，如 120000')
    expect(await db.canvasses.count()).toBe(2)

    await choiceButton(choiceGroup(form, '类型'), '表决').trigger('click')
    await fieldLabelled(form, '表决事项').find('textarea').setValue('是否同意1单元加装电梯')
    await fieldLabelled(form, '通过规则').findAll('.van-radio')[1]!.trigger('click')
    // The whole building has 402 without area: the leader types it from the 房产证, then narrows to 1单元.
    await fieldLabelled(form, '402').find('input').setValue('100.4')
    await choiceButton(choiceGroup(form, '单元'), '1单元').trigger('click')
    await vi.waitFor(() => expect(form.text()).toContain('参与的住户（1 户）'))
    await form.find('form').trigger('submit')
    await vi.waitFor(() => expect(start.router.currentRoute.value.name).toBe('canvass'))
    const saved = await db.canvasses.get(String(start.router.currentRoute.value.params.id))
    expect(saved).toMatchObject({ entrance: '1', question: '是否同意1单元加装电梯', rule: CANVASS_RULES.elevator_no_objection, households: [{ householdId: flat('101'), area: (await db.households.get(flat('101')))!.area }] })
  })

  it('keeps the area typed from the 房产证 for a flat the roster has none for', async () => {
    await db.households.update(flat('402'), { area: null })
    const { wrapper, router } = await mountWithApp(CanvassStart, { route: `/canvasses/new?buildingId=${BUILDING}` })
    await vi.waitFor(() => expect(wrapper.text()).toContain('参与的住户（8 户）'))
    await fieldLabelled(wrapper, '表决事项').find('textarea').setValue('是否同意加装电梯')
    await fieldLabelled(wrapper, '402').find('input').setValue('八十')
    await wrapper.find('form').trigger('submit')
    await vi.waitFor(() => expect(errorOf(wrapper, '402').text()).toBe('填面积的数字，如 89.5'))
    expect((fieldLabelled(wrapper, '402').find('input').element as HTMLInputElement).value).toBe('八十')
    await fieldLabelled(wrapper, '402').find('input').setValue('100.4')
    await wrapper.find('form').trigger('submit')
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('canvass'))
    const saved = (await db.canvasses.toArray())[0]!
    expect(saved.households).toHaveLength(8)
    expect(saved.households.find((h) => h.householdId === flat('402'))).toEqual({ householdId: flat('402'), area: 100.4 })
    expect(saved.rule).toEqual(CANVASS_RULES.civil_code_278)
  })
})

describe('the answer sheet', () => {
  it('saves a second answer as a new record, and keeps the first in the history', async () => {
    const canvass = await openCanvass({}, [['101', 'agree']])
    const route = `/canvasses/${canvass.id}/households/${flat('101')}`
    const { wrapper, router } = await mountWithApp(CanvassAnswerSheet, { props: { id: canvass.id, householdId: flat('101') }, route })
    await vi.waitFor(() => expect(wrapper.findAll('.canvass-history__item')).toHaveLength(1))

    await choiceButton(choiceGroup(wrapper, '意见'), '反对').trigger('click')
    await choiceButton(choiceGroup(wrapper, '谁答的'), '代签').trigger('click')
    await choiceButton(choiceGroup(wrapper, '签字方式'), '不签字').trigger('click')
    await fieldLabelled(wrapper, '备注').find('textarea').setValue('担心一楼采光')
    await wrapper.find('form').trigger('submit')
    // A proxy must be named; what was typed stays.
    await vi.waitFor(() => expect(errorOf(wrapper, '签字人姓名').text()).toBe('代签要写代签人的名字'))
    expect(choiceButton(choiceGroup(wrapper, '意见'), '反对').attributes('aria-pressed')).toBe('true')
    expect(await db.canvassAnswers.count()).toBe(1)

    await fieldLabelled(wrapper, '签字人姓名').find('input').setValue('李小明（儿子）')
    await wrapper.find('form').trigger('submit')
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('canvass'))
    const answers = await db.canvassAnswers.orderBy('id').toArray()
    expect(answers.map((a) => a.answer)).toEqual(['agree', 'object'])
    expect(answers[1]).toMatchObject({ respondent: 'proxy', respondentName: '李小明（儿子）', signature: null, note: '担心一楼采光', householdId: flat('101') })

    // Opened again: the new answer counts, the first is still there beneath it.
    await router.push(route)
    await vi.waitFor(() => expect(wrapper.findAll('.canvass-history__item')).toHaveLength(2))
    const history = wrapper.findAll('.canvass-history__item')
    expect(history[0]!.text()).toContain('反对')
    expect(history[0]!.text()).toContain('当前有效')
    expect(history[0]!.text()).toContain('代签：李小明（儿子）')
    expect(history[1]!.text()).toContain('同意')
    expect(history[1]!.text()).not.toContain('当前有效')
  })

  it('keeps a half-filled sheet as a draft, but not the drawn signature, and says so', async () => {
    const canvass = await openCanvass()
    const props = { id: canvass.id, householdId: flat('202') }
    const route = `/canvasses/${canvass.id}/households/${flat('202')}`
    const first = await mountWithApp(CanvassAnswerSheet, { props, route })
    await vi.waitFor(() => expect(first.wrapper.find('form').exists()).toBe(true))
    expect(first.wrapper.text()).toContain('签名不存草稿：离开这页再回来，要重新签。')
    await choiceButton(choiceGroup(first.wrapper, '意见'), '弃权').trigger('click')
    await vi.waitFor(async () => expect((await db.drafts.get(`canvass:${canvass.id}:${flat('202')}`))?.data).toMatchObject({ answer: 'abstain' }), { timeout: 2000 })
    first.wrapper.unmount()

    // Home lists it among the unfinished, by its flat, and leads back to it.
    const home = await mountWithApp(HomeView)
    await vi.waitFor(() => expect(home.wrapper.findAll('.home__draft-kind').map((d) => d.text())).toEqual(['表决登记 · 南门路115号之二 202']))
    expect(home.wrapper.find('.home__draft').attributes('href')).toBe(route)
    // And the open vote has its line there.
    await vi.waitFor(() => expect(home.wrapper.find('.canvass-home .home-lines__line').text()).toBe('表决中：是否同意加装电梯（南门路115号之二）'))

    const again = await mountWithApp(CanvassAnswerSheet, { props, route })
    await vi.waitFor(() => expect(choiceButton(choiceGroup(again.wrapper, '意见'), '弃权').attributes('aria-pressed')).toBe('true'))
    expect(again.wrapper.text()).toContain('已恢复')
  })

  it('saves the signature drawn on the screen as a PNG photo of the answer', async () => {
    const canvass = await openCanvass()
    const { wrapper, router } = await mountWithApp(CanvassAnswerSheet, {
      props: { id: canvass.id, householdId: flat('301') },
      route: `/canvasses/${canvass.id}/households/${flat('301')}`,
    })
    await vi.waitFor(() => expect(wrapper.find('form').exists()).toBe(true))
    await choiceButton(choiceGroup(wrapper, '意见'), '同意').trigger('click')
    // Nothing signed yet: refused, next to the box.
    pad.empty = true
    await wrapper.find('form').trigger('submit')
    await vi.waitFor(() => expect(wrapper.find('.canvass-signature .field-error').text()).toBe('请在框里签字，或选别的签字方式'))
    expect(await db.canvassAnswers.count()).toBe(0)

    pad.empty = false
    await wrapper.find('.canvass-signature__canvas').trigger('pointerup')
    await wrapper.find('form').trigger('submit')
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('canvass'))
    const [answer] = await db.canvassAnswers.toArray()
    expect(answer).toMatchObject({ answer: 'agree', respondent: 'owner', signature: 'drawn' })
    expect(answer!.photos).toHaveLength(1)
    const photo = await db.attachments.get(answer!.photos[0]!)
    expect(photo).toMatchObject({ type: 'image/png', width: 600, height: 240, bytes: PNG.byteLength })
    expect(new Uint8Array(photo!.data)).toEqual(PNG)
  })

  it('shows a closed canvass with its figures and takes no answer', async () => {
    const canvass = await openCanvass({ closedAt: '2026-11-25T00:00:00.000Z' })
    const { wrapper } = await mountWithApp(CanvassAnswerSheet, {
      props: { id: canvass.id, householdId: flat('101') },
      route: `/canvasses/${canvass.id}/households/${flat('101')}`,
    })
    await vi.waitFor(() => expect(wrapper.text()).toContain('这次表决已经结束，下面是结果，不能再登记。'))
    expect(wrapper.find('.canvass-figures').exists()).toBe(true)
    expect(wrapper.find('form').exists()).toBe(false)
    // Nor does the phone's repository take one given after it closed, as the server would not (answerRefusal).
    await expect(repos.canvassAnswers.create(answerFields(canvass.id, '101', 'agree', { answeredAt: '2026-11-25T00:00:01.000Z' }), author)).rejects.toBeInstanceOf(ValidationError)
    expect(await db.canvassAnswers.count()).toBe(0)
  })
})
