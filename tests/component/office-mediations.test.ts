import { beforeEach, describe, expect, it, vi } from 'vitest'
import { repos } from '@/app/db'
import { db } from '@/app/db/database'
import { seedDemoIfEmpty } from '@/app/db/seed'
import OfficeIssue from '@/app/features/office/OfficeIssue.vue'
import OfficeMediation from '@/app/features/office/mediations/OfficeMediation.vue'
import OfficeMediations from '@/app/features/office/mediations/OfficeMediations.vue'
import { author, issueFields } from '../fixtures'
import { mediationFields, mediationSession } from '../fixtures/mediation'
import { mountWithApp } from './setup'

/** The workspace's mediation cases, read-only, from what sync brought to the office's computer. */

const BUILDING = 'b-nanmen-115-2'
const settledAt = '2026-11-21T02:00:00.000Z'

async function cases() {
  const noise = await repos.mediations.create(mediationFields({ buildingId: BUILDING, description: '夜里装修' }), author, new Date('2026-11-20T00:00:00.000Z'))
  const leak = await repos.mediations.create(mediationFields({ buildingId: BUILDING, kind: 'leak', description: '楼上漏水' }), author, new Date('2026-11-19T00:00:00.000Z'))
  const settled = await repos.mediations.create(
    mediationFields({ buildingId: BUILDING, kind: 'leak', description: '卫生间渗水', sessions: [mediationSession({ notes: '楼上答应修防水' })], outcome: 'settled', outcomeAt: settledAt }),
    author,
    new Date('2026-11-21T00:00:00.000Z'),
  )
  return { noise, leak, settled }
}

const descriptions = (wrapper: { findAll: (s: string) => Array<{ text: () => string }> }) => wrapper.findAll('.office-mediations__link').map((link) => link.text())

beforeEach(async () => {
  await seedDemoIfEmpty(db)
})

describe('the office’s mediation cases', () => {
  it('lists them open first, with counts by state, and filters by state and kind from the address', async () => {
    await cases()
    const { wrapper, router } = await mountWithApp(OfficeMediations, { route: '/office/mediations' })
    await vi.waitFor(() => expect(descriptions(wrapper)).toEqual(['噪音 · 夜里装修', '漏水 · 楼上漏水', '漏水 · 卫生间渗水']))
    expect(wrapper.findAll('.el-radio-button').map((b) => b.text())).toEqual(['全部（3）', '调解中（2）', '调解成功（1）', '转交社区（0）', '转交司法所（0）'])
    await router.push('/office/mediations?state=open&kind=leak')
    await vi.waitFor(() => expect(descriptions(wrapper)).toEqual(['漏水 · 楼上漏水']))
    expect(wrapper.findAll('.el-radio-button').map((b) => b.text())).toEqual(['全部（2）', '调解中（1）', '调解成功（1）', '转交社区（0）', '转交司法所（0）'])
    await router.push('/office/mediations?state=settled')
    await vi.waitFor(() => expect(descriptions(wrapper)).toEqual(['漏水 · 卫生间渗水']))
  })

  it('shows a case read-only: its parties, outcome, sessions, and the report made from it', async () => {
    const { settled, leak } = await cases()
    const { wrapper } = await mountWithApp(OfficeMediation, { props: { id: settled.id }, route: `/office/mediations/${settled.id}` })
    await vi.waitFor(() => expect(wrapper.find('.office-mediation__state').text()).toContain('调解成功'))
    expect(wrapper.text()).toContain('陈国强')
    expect(wrapper.find('.office-mediation__sessions').text()).toContain('楼上答应修防水')
    expect(wrapper.find('form').exists()).toBe(false)
    expect(wrapper.find('.office-mediation__issue').exists()).toBe(false)

    const report = await repos.issues.create(issueFields({ buildingId: BUILDING, category: 'dispute', location: '301、302', source: { mediationId: leak.id } }), author)
    const open = await mountWithApp(OfficeMediation, { props: { id: leak.id }, route: `/office/mediations/${leak.id}` })
    await vi.waitFor(() => expect(open.wrapper.find('.office-mediation__issue').attributes('href')).toBe(`/office/issues/${report.id}`))
    // And the report names the case it came from, opened on the workspace's page.
    const page = await mountWithApp(OfficeIssue, { props: { id: report.id }, route: `/office/issues/${report.id}` })
    await vi.waitFor(() => expect(page.wrapper.find('.issue-source-link').text()).toContain('来自调解案件'))
    await page.wrapper.find('.issue-source-link').trigger('click')
    await vi.waitFor(() => expect(page.router.currentRoute.value.fullPath).toBe(`/office/mediations/${leak.id}`))
  })
})
