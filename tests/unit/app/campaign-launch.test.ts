import { describe, expect, it } from 'vitest'
import type { CampaignProgress } from '@/domain'
import { chinaTimeToIso, isoToChinaTime, launchRequest, type LaunchForm } from '@/app/features/office/campaigns/launch'
import { campaignReport } from '@/app/features/office/campaigns/report'

const form = (overrides: Partial<LaunchForm> = {}): LaunchForm => ({
  title: '台风前检查',
  note: '',
  templateId: 't-typhoon',
  allBuildings: true,
  buildingIds: ['b-1'],
  deadline: '2026-11-21T09:00',
  ...overrides,
})
const now = new Date('2026-11-20T00:00:00.000Z')

describe('the launch form', () => {
  it('reads the deadline as China time, across the day boundary', () => {
    expect(chinaTimeToIso('2026-11-21T09:00')).toBe('2026-11-21T01:00:00.000Z')
    // 07:59 on the 1st in China is still the last day of the month before in UTC.
    expect(chinaTimeToIso('2026-12-01T07:59')).toBe('2026-11-30T23:59:00.000Z')
    expect(isoToChinaTime('2026-11-30T23:59:00.000Z')).toBe('2026-12-01T07:59')
    for (const bad of ['', '2026-11-21', '2026-11-21 09:00', '2026-13-40T09:00']) expect(chinaTimeToIso(bad), bad).toBeNull()
  })

  it('sends no buildings for all of them, the checked ones otherwise', () => {
    expect(launchRequest(form(), now)).toEqual({ request: { title: '台风前检查', note: '', templateId: 't-typhoon', buildingIds: [], deadline: '2026-11-21T01:00:00.000Z' } })
    expect(launchRequest(form({ allBuildings: false }), now)).toMatchObject({ request: { buildingIds: ['b-1'] } })
  })

  it('names the first thing to fix', () => {
    expect(launchRequest(form({ title: '  ' }), now)).toEqual({ problem: 'title' })
    expect(launchRequest(form({ templateId: '' }), now)).toEqual({ problem: 'template' })
    expect(launchRequest(form({ allBuildings: false, buildingIds: [] }), now)).toEqual({ problem: 'buildings' })
    expect(launchRequest(form({ deadline: '' }), now)).toEqual({ problem: 'deadline' })
    // 08:00 on the 20th in China is midnight UTC: not after now.
    expect(launchRequest(form({ deadline: '2026-11-20T08:00' }), now)).toEqual({ problem: 'pastDeadline' })
  })
})

describe("a campaign's report", () => {
  it('counts late buildings among the done ones, and hazards open until their report is resolved or closed', () => {
    const building = (state: 'not_started' | 'in_progress' | 'done', late = false) => ({ state, late }) as CampaignProgress['buildings'][number]
    const hazard = (issueStatus: CampaignProgress['hazards'][number]['issueStatus']) => ({ issueStatus }) as CampaignProgress['hazards'][number]
    const report = campaignReport({
      buildings: [building('done', true), building('done'), building('in_progress'), building('not_started')],
      hazards: [hazard(null), hazard('accepted'), hazard('rejected'), hazard('resolved'), hazard('closed')],
    })
    expect(report).toEqual({ done: 2, total: 4, late: 1, notDone: 2, hazards: 5, unresolved: 3 })
  })
})
