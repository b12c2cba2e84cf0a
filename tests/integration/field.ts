import {
  chinaDay,
  DEFAULT_POINT_RULES,
  householdCareTags,
  householdStanding,
  isCareHousehold,
  monthAsOf,
  openFollowUps,
  uuidv7,
  type Building,
  type ChecklistTemplate,
  type Change,
  type Community,
  type CoverageHousehold,
  type Household,
  type Resident,
  type Visit,
} from '@/domain'
import { hashPassword } from '@/server/auth/passwords'
import { DEMO_PASSWORD } from '@/server/seed'
import type { MemberPrincipal, Storage } from '@/server/storage/types'
import { inspectionFields, issueFields, visitFields } from '../fixtures'
import { incoming, mutation } from '../fixtures/mutations'

/*
 * A small community whose figures are worked out by hand, for coverage and the monthly report. The server's
 * clock stands at 2026-12-10 12:00 in Beijing; November is a past month (seen as on 30 November), December runs.
 * Visits: 30 days, 7 for 独居老人, 14 for 残疾.
 *
 *   building A (leader 甲): hA1 独居老人, hA2, hA3 (a 残疾 resident who moved out: not a care household)
 *   building B (leader 乙): hB1 残疾, hB2
 *   building C (its only leader is disabled: nobody looks after it): hC1
 */

export const NOW = new Date('2026-12-10T04:00:00.000Z')
export const TODAY = chinaDay(NOW)

export const field: Community = {
  id: 'c-field',
  name: '东风社区',
  settings: { visitIntervalDays: 30, careIntervalDays: { elderly_alone: 7, disabled: 14 }, silentDeviceDays: 3, retentionMonths: 12, appLock: 'required', points: DEFAULT_POINT_RULES },
}
const grid = { id: 'g-field', communityId: field.id, name: '第一网格' }
export const buildings: Building[] = [
  { id: 'b-a', gridId: grid.id, communityId: field.id, address: '东风路1号', name: '', floors: 6 },
  { id: 'b-b', gridId: grid.id, communityId: field.id, address: '东风路3号', name: '之二', floors: 6 },
  { id: 'b-c', gridId: grid.id, communityId: field.id, address: '东风路5号', name: '', floors: 3 },
]
const household = (id: string, buildingId: string, unit: string): Household => ({ id, buildingId, entrance: '', unit, floor: Number(unit[0]), area: null, occupancy: null })
export const households: Household[] = [
  household('hA1', 'b-a', '101'),
  household('hA2', 'b-a', '102'),
  household('hA3', 'b-a', '201'),
  household('hB1', 'b-b', '101'),
  household('hB2', 'b-b', '102'),
  household('hC1', 'b-c', '101'),
]
const resident = (id: string, householdId: string, name: string, careTags: Resident['careTags'] = [], movedOutAt: string | null = null): Resident => ({
  id,
  householdId,
  name,
  phone: null,
  birthYear: null,
  careTags,
  movedOutAt,
})
const residents: Resident[] = [
  resident('rA1', 'hA1', '王阿婆', ['elderly_alone']),
  resident('rA2', 'hA2', '李伯'),
  resident('rA3', 'hA3', '陈姐'),
  resident('rA3x', 'hA3', '陈伯', ['disabled'], '2026-10-01T00:00:00.000Z'),
  resident('rB1', 'hB1', '赵叔', ['disabled']),
  resident('rB2', 'hB2', '钱姨'),
  resident('rC1', 'hC1', '孙爷'),
]
export const templates: ChecklistTemplate[] = [
  {
    id: 't-fire',
    version: 1,
    title: '消防检查',
    description: '',
    items: [
      { id: 'corridor', label: '楼道无杂物', help: '', category: 'safety_hazard' },
      { id: 'extinguisher', label: '灭火器在有效期', help: '', category: 'safety_hazard' },
    ],
    publishedAt: '2026-10-01T00:00:00.000Z',
  },
  {
    id: 't-fire',
    version: 2,
    title: '防火检查',
    description: '',
    items: [
      { id: 'corridor', label: '楼道没有堆放杂物', help: '', category: 'safety_hazard' },
      { id: 'extinguisher', label: '灭火器在有效期', help: '', category: 'safety_hazard' },
      { id: 'exit', label: '安全出口畅通', help: '', category: 'safety_hazard' },
    ],
    publishedAt: '2026-11-01T00:00:00.000Z',
  },
  {
    id: 't-sanitation',
    version: 1,
    title: '卫生检查',
    description: '',
    items: [{ id: 'bins', label: '垃圾桶加盖', help: '', category: 'sanitation' }],
    publishedAt: '2026-10-01T00:00:00.000Z',
  },
]

export const users = {
  office: { id: 'u-field-office', username: 'fieldoffice', displayName: '东风社工', role: 'office', communityId: field.id, buildingIds: [] },
  leaderA: { id: 'u-field-a', username: 'fielda', displayName: '甲楼长', role: 'leader', communityId: field.id, buildingIds: ['b-a'] },
  leaderB: { id: 'u-field-b', username: 'fieldb', displayName: '乙楼长', role: 'leader', communityId: field.id, buildingIds: ['b-b'] },
  gone: { id: 'u-field-gone', username: 'fieldgone', displayName: '已停用', role: 'leader', communityId: field.id, buildingIds: ['b-c'] },
} as const

const principal = (user: (typeof users)[keyof typeof users]): MemberPrincipal => ({
  userId: user.id,
  deviceId: `d-${user.username}`,
  role: user.role,
  communityId: field.id,
  buildingIds: [...user.buildingIds],
})

/** Pushes and checks that every mutation was applied. */
async function push(storage: Storage, who: MemberPrincipal, at: string, ...mutations: Parameters<typeof incoming>): Promise<void> {
  const results = await storage.push(who, incoming(...mutations), new Date(at))
  for (const result of results) if (result.status !== 'applied') throw new Error(`not applied: ${JSON.stringify(result)}`)
}

/** Record ids are UUIDs: the visits' names here stand for them. */
const visitIds = new Map<string, string>()
const visitId = (name: string) => visitIds.get(name) ?? visitIds.set(name, uuidv7()).get(name)!

const visit = (name: string, householdId: string, visitedAt: string, more: Partial<Visit> = {}) =>
  mutation.put('visits', visitId(name), visitFields({ buildingId: householdId.startsWith('hA') ? 'b-a' : 'b-b', householdId, visitedAt, residentIds: [], ...more }))

/** Stores the community, its people and the field's records. */
export async function seedField(storage: Storage): Promise<void> {
  await storage.putReference(field.id, 'communities', [field])
  await storage.putReference(field.id, 'grids', [grid])
  await storage.putReference(field.id, 'buildings', buildings)
  await storage.putReference(field.id, 'households', households)
  await storage.putReference(field.id, 'residents', residents)
  await storage.putReference(field.id, 'templates', templates)
  const passwordHash = await hashPassword(DEMO_PASSWORD)
  for (const user of Object.values(users)) await storage.createUser({ ...user, buildingIds: [...user.buildingIds], passwordHash })
  await storage.updateUser(users.gone.id, { disabled: true })

  const a = principal(users.leaderA)
  const b = principal(users.leaderB)
  const office = principal(users.office)
  const at = '2026-12-10T03:00:00.000Z'
  await push(
    storage,
    a,
    at,
    visit('vA1a', 'hA1', '2026-11-03T02:00:00.000Z', { purpose: 'policy_promotion' }),
    // 23:30 in Beijing on 30 November: a November visit.
    visit('vA1b', 'hA1', '2026-11-30T15:30:00.000Z', { purpose: 'community_counselling' }),
    // 00:30 in Beijing on 1 December, although still 30 November in UTC: a December visit.
    visit('vA2', 'hA2', '2026-11-30T16:30:00.000Z', { purpose: 'opinion_collection', followUpOn: '2026-12-05' }),
    // 23:30 UTC on 31 October is 07:30 on 1 November in Beijing.
    visit('vA3', 'hA3', '2026-10-31T23:30:00.000Z', { purpose: 'dispute_mediation', followUpOn: '2026-11-10' }),
    // Follows vA3 up (closing it) and sets its own, which the December visit closes by going back.
    visit('vA3b', 'hA3', '2026-11-15T03:00:00.000Z', { purpose: 'dispute_mediation', followUpOn: '2026-11-20', followsVisitId: visitId('vA3') }),
    visit('vA3c', 'hA3', '2026-12-02T01:00:00.000Z', { purpose: 'policy_promotion' }),
  )
  await push(
    storage,
    b,
    at,
    visit('vB1', 'hB1', '2026-10-20T02:00:00.000Z'),
    visit('vB1x', 'hB1', '2026-11-25T02:00:00.000Z'),
    visit('vB2', 'hB2', '2026-11-10T02:00:00.000Z', { purpose: 'property_assistance', followUpOn: '2026-12-20' }),
  )
  await push(storage, b, at, mutation.delete('visits', visitId('vB1x'), null))

  // Reports: created when they reach the server, moved on by the office.
  const issue = (id: string, building: 'b-a' | 'b-b', category: 'repair' | 'safety_hazard' | 'sanitation') =>
    mutation.put('issues', id, issueFields({ buildingId: building, category }))
  const leaderOf = (building: 'b-a' | 'b-b') => (building === 'b-a' ? a : b)
  const reports = [
    { id: uuidv7(), building: 'b-a', category: 'repair', at: '2026-11-05T02:00:00.000Z', moves: [['accepted', '2026-11-05T04:00:00.000Z'], ['in_progress', '2026-11-06T02:00:00.000Z'], ['resolved', '2026-11-07T02:00:00.000Z']] },
    { id: uuidv7(), building: 'b-b', category: 'safety_hazard', at: '2026-11-10T00:00:00.000Z', moves: [['accepted', '2026-11-10T06:00:00.000Z']] },
    { id: uuidv7(), building: 'b-a', category: 'repair', at: '2026-11-20T00:00:00.000Z', moves: [['rejected', '2026-11-20T01:00:00.000Z']] },
    // 01:00 on 1 December in Beijing: a December report.
    { id: uuidv7(), building: 'b-a', category: 'sanitation', at: '2026-11-30T17:00:00.000Z', moves: [['accepted', '2026-11-30T18:00:00.000Z']] },
  ] as const
  for (const report of reports) {
    await push(storage, leaderOf(report.building), report.at, issue(report.id, report.building, report.category))
    for (const [to, when] of report.moves) await push(storage, office, when, mutation.status(report.id, to, '已处理'))
  }

  const inspection = (building: 'b-a' | 'b-b', templateId: string, templateVersion: number, completedAt: string | null, answers: Record<string, 'pass' | 'fail'>) =>
    mutation.put(
      'inspections',
      uuidv7(),
      inspectionFields({
        buildingId: building,
        templateId,
        templateVersion,
        startedAt: '2026-11-01T00:00:00.000Z',
        completedAt,
        answers: Object.fromEntries(Object.entries(answers).map(([item, result]) => [item, { result, note: '', photos: [] }])),
      }),
    )
  await push(
    storage,
    a,
    at,
    inspection('b-a', 't-fire', 1, '2026-11-12T02:00:00.000Z', { corridor: 'fail', extinguisher: 'pass' }),
    // Completed on 1 December in Beijing.
    inspection('b-a', 't-fire', 2, '2026-11-30T16:00:00.000Z', { exit: 'fail' }),
    inspection('b-a', 't-fire', 2, null, { exit: 'fail' }),
  )
  await push(
    storage,
    b,
    at,
    inspection('b-b', 't-fire', 2, '2026-11-30T15:59:59.000Z', { corridor: 'fail', extinguisher: 'fail', exit: 'pass' }),
    inspection('b-b', 't-sanitation', 1, '2026-11-05T02:00:00.000Z', { bins: 'pass' }),
  )
}

/**
 * What a phone computes with the worklist rules from the records it pulled (all of them, deleted ones as
 * tombstones), household by household: the figures coverage must agree with.
 */
export function phoneFigures(changes: Change[], community: Community, month: string, today: string) {
  const asOf = monthAsOf(month, today)
  const of = <T>(table: string) => changes.filter((c) => c.table === table).map((c) => c.record as T)
  const visits = of<Visit>('visits').filter((v) => !v.deletedAt && chinaDay(v.visitedAt) <= asOf)
  const open = openFollowUps(visits).filter((v) => v.followUpOn! < asOf)
  return of<Household>('households').map((h) => {
    const own = visits.filter((v) => v.householdId === h.id)
    const last = own.map((v) => chinaDay(v.visitedAt)).sort().at(-1) ?? null
    const careTags = householdCareTags(of<Resident>('residents').filter((r) => r.householdId === h.id))
    const standing = householdStanding(last, careTags, community.settings, asOf)
    return {
      householdId: h.id,
      lastVisitDay: last,
      dueOn: standing.dueOn,
      needsVisit: standing.needsVisit,
      visitedInMonth: own.some((v) => chinaDay(v.visitedAt).startsWith(month)),
      followUpsOverdue: open.filter((v) => v.householdId === h.id).length,
      care: isCareHousehold(careTags, community.settings),
    } satisfies Partial<CoverageHousehold> & { care: boolean }
  })
}
