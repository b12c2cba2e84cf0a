import { createHash } from 'node:crypto'
import pg from 'pg'
import {
  DEFAULT_COMMUNITY_SETTINGS,
  ISSUE_CATEGORIES,
  TOPIC_PRESETS,
  URGENCIES,
  VISIT_PURPOSES,
  uuidv7,
  type IssueEvent,
  type IssueReport,
  type IssueStatus,
  type Visit,
} from '@/domain'
import { hashPassword } from '../auth/passwords'
import { newRecoveryKey } from '../storage/device-recovery'
import { openPostgresStorage } from '../storage/postgres'
import type { RecordsTable } from '../storage/schema'
import { copyInto, copyRow } from './copy-in'

/**
 * A year of a city's data in PostgreSQL (issue 12 item 4), for the benchmarks and the query-plan test:
 * communities with their grids, buildings and households, a leader for every two buildings and one office
 * account per community (accounts, buildings, devices and name cards), then a year of visits and issue reports
 * day by day, oldest first. Every row is what the server itself would have written: the records as a push
 * stores them (the zod schemas' field order, field revisions, the echo of the device that made them, one
 * revision each from the one counter), a report's last state after the office moved it on. Rows are copied
 * in with COPY (./copy-in.ts), into a migrated, empty database.
 */

export interface CityOptions {
  visits: number
  reports: number
  /** Defaults to one per 16,667 visits: 300 for 5 million, so that a building's year is the same at any size. */
  communities?: number
  buildingsPerCommunity?: number
  householdsPerBuilding?: number
  /** Seeds the choices (not the ids' random bits), so that two runs make the same city. */
  seed?: number
  /** The year ends here (default: today, 00:00 UTC). */
  end?: Date
  log?: (line: string) => void
}

/** What was made: enough for a benchmark or test to pick a leader, its buildings and its device. */
export interface City {
  communities: number
  buildings: number
  leaders: Array<{ id: string; deviceId: string; communityId: string; buildingIds: string[] }>
  /** Rows of the records table, and the last revision. */
  records: number
  lastRev: number
}

const DAY = 86_400_000
const DAYS = 365
const GRIDS = 5
/** The password of every generated account. */
export const CITY_PASSWORD = 'doorstep-city-year'

const COMMUNITY_NAMES = ['东湖', '仓后', '江华', '白石', '篁庄', '紫茶', '北街', '堤东', '潮连', '荷塘', '丰乐', '跃进']
const STREETS = ['南门路', '建设路', '港口路', '胜利路', '白沙大道', '五邑路', '迎宾大道', '跃进路', '蓬江路', '华园路']
const SURNAMES = ['陈', '李', '黄', '梁', '张', '林', '吴', '谭', '何', '区', '赵', '周']
const GIVEN = ['秀英', '建华', '丽萍', '志强', '美玲', '国强', '桂芳', '伟明', '少芬', '锦添']
const NEEDS = [
  '想了解养老金年审怎么在手机上办，家里只有老人，手机用不熟。',
  '楼道灯坏了两个星期，晚上上楼看不见。',
  '老人一个人住，儿子在外地，想有人常来看看。',
  '问加装电梯的意见征集什么时候开始。',
  '楼上装修噪音大，中午也在打钻。',
  '想报名社区的长者饭堂。',
  '医保缴费不会在手机上弄。',
  '反映垃圾分类投放点太远，老人拿不动。',
]
const OUTCOMES = [
  '已教会用粤省事做年审，下周再来看看。',
  '已报物业，约好周三来修。',
  '已登记，每周上门一次。',
  '已把意见记下，开居民议事会时带上去。',
  '已和楼上住户沟通，答应中午不施工。',
  '已帮忙填好报名表。',
  '当面教了一遍，老人学会了。',
  '已转给网格员跟进。',
]
const PLACES = ['3楼楼道', '一楼大堂', '天台', '电梯间', '单车棚', '楼下绿化带', '5楼消防栓旁', '地下车库入口']
const PROBLEMS = [
  '楼道堆了纸箱和旧家具，挡住了消防通道。',
  '电梯按钮失灵，老人上下楼不方便。',
  '水管漏水，墙面发霉。',
  '垃圾桶满了没人清，有异味。',
  '电动车在楼道里充电，有安全隐患。',
  '路灯不亮，晚上回家很黑。',
]
const NOTES = { resolved: '已修好，住户确认了。', rejected: '不属于社区处理范围，已告诉住户找物业。' } as const

/** mulberry32: a small seeded generator, so that a city can be made again the same. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

const RECORD_COLUMNS = ['table_name', 'id', 'community_id', 'building_id', 'created_by', 'device_id', 'rev', 'data', 'field_revs', 'deleted_at', 'updated_at', 'echo_device', 'for_user'] as const

type Row = Omit<RecordsTable, 'rev'>

/** A records row in COPY's format; `data` and `fieldRevs` as the server stores them (kysely-storage.ts encodeRecord). */
function recordLine(row: Omit<Row, 'data' | 'field_revs'>, rev: number, data: object, fieldRevs: object): string {
  const record: Record<(typeof RECORD_COLUMNS)[number], string | number | null> = { ...row, rev, data: JSON.stringify(data), field_revs: JSON.stringify(fieldRevs) }
  return copyRow(RECORD_COLUMNS.map((column) => record[column]))
}

/** Per field of the record, the revision and device that wrote it: a leader's create writes them all. */
const revsOf = (data: object, rev: number, device: string) => Object.fromEntries(Object.keys(data).map((field) => [field, { rev, device }]))

interface Community {
  id: string
  office: { id: string; deviceId: string }
  /** The leader of each building, by the building's index. */
  leaders: Array<{ id: string; deviceId: string }>
}

const communityId = (c: number) => `c${String(c + 1).padStart(4, '0')}`
const buildingId = (c: number, b: number) => `${communityId(c)}-b${String(b + 1).padStart(3, '0')}`
const householdId = (c: number, b: number, h: number) => `${buildingId(c, b)}-h${String(h + 1).padStart(3, '0')}`

/** Generates the city into a migrated, empty PostgreSQL database at `url`. */
export async function generateCity(url: string, options: CityOptions): Promise<City> {
  const log = options.log ?? (() => {})
  const communities = options.communities ?? Math.max(1, Math.round(options.visits / 16_667))
  const perCommunity = options.buildingsPerCommunity ?? 100
  const perBuilding = options.householdsPerBuilding ?? 24
  const next = random(options.seed ?? 12)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!
  const end = options.end ?? new Date(Math.floor(Date.now() / DAY) * DAY)
  const start = end.getTime() - DAYS * DAY
  const yearStart = new Date(start).toISOString()

  const storage = openPostgresStorage({ url, maxConnections: 1 })
  await storage.migrate()
  const empty = await storage.isEmpty()
  await storage.close()
  if (!empty) throw new Error('The database is not empty: the city is generated into a new one only')

  const passwordHash = await hashPassword(CITY_PASSWORD)
  const city: Community[] = Array.from({ length: communities }, (_, c) => {
    const leaders = Array.from({ length: Math.ceil(perCommunity / 2) }, () => ({ id: uuidv7(start), deviceId: uuidv7(start) }))
    return { id: communityId(c), office: { id: uuidv7(start), deviceId: uuidv7(start) }, leaders: Array.from({ length: perCommunity }, (_, b) => leaders[b >> 1]!) }
  })
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  let rev = 0
  try {
    await client.query('begin')
    const began = performance.now()
    const people = city.flatMap((community, c) => [
      { ...community.office, c, role: 'office', name: `${pick(SURNAMES)}${pick(GIVEN)}`, username: `${community.id}-office`, buildings: [] as string[] },
      ...[...new Set(community.leaders)].map((leader, l) => ({
        ...leader,
        c,
        role: 'leader',
        name: `${pick(SURNAMES)}${pick(GIVEN)}`,
        username: `${community.id}-l${String(l + 1).padStart(3, '0')}`,
        buildings: [2 * l, 2 * l + 1].filter((b) => b < perCommunity).map((b) => buildingId(c, b)),
      })),
    ])
    await copyInto(client, 'users', ['id', 'username', 'display_name', 'role', 'community_id', 'password_hash', 'disabled', 'must_change_password', 'phone'], people.map((p) => copyRow([p.id, p.username, p.name, p.role, communityId(p.c), passwordHash, 0, 0, null])))
    await copyInto(client, 'user_buildings', ['user_id', 'building_id'], people.flatMap((p) => p.buildings.map((b) => copyRow([p.id, b]))))
    await copyInto(
      client,
      'devices',
      ['id', 'user_id', 'name', 'token_hash', 'created_at', 'last_seen_at', 'recovery_key'],
      people.map((p) => copyRow([p.deviceId, p.id, p.role === 'leader' ? '手机' : '社区电脑', createHash('sha256').update(p.deviceId).digest('hex'), yearStart, end.toISOString(), newRecoveryKey()])),
    )

    /** The office's reference data, community by community, as putReference and createUser write it. */
    function* reference(): Generator<string> {
      const put = <T extends { id: string }>(c: number, table: Row['table_name'], building: string | null, data: T) =>
        recordLine({ table_name: table, id: data.id, community_id: communityId(c), building_id: building, created_by: null, device_id: null, deleted_at: null, updated_at: yearStart, echo_device: null, for_user: null }, ++rev, data, {})
      for (let c = 0; c < communities; c++) {
        const base = COMMUNITY_NAMES[c % COMMUNITY_NAMES.length]!
        const round = Math.floor(c / COMMUNITY_NAMES.length)
        // Settings as the schema's defaults fill them in (Community.parse).
        yield put(c, 'communities', null, { id: communityId(c), name: round ? `${base}第${round + 1}社区` : `${base}社区`, settings: DEFAULT_COMMUNITY_SETTINGS })
        for (let g = 0; g < GRIDS; g++) yield put(c, 'grids', null, { id: `${communityId(c)}-g${g + 1}`, communityId: communityId(c), name: `第${g + 1}网格` })
        for (let b = 0; b < perCommunity; b++) {
          const floors = 6 + Math.floor(next() * 28)
          const building = { id: buildingId(c, b), gridId: `${communityId(c)}-g${(b % GRIDS) + 1}`, communityId: communityId(c), address: `${pick(STREETS)}${b + 1}号`, name: `${b + 1}栋`, floors }
          yield put(c, 'buildings', building.id, building)
          for (let h = 0; h < perBuilding; h++) {
            const floor = 1 + Math.floor(h / 4)
            yield put(c, 'households', building.id, { id: householdId(c, b, h), buildingId: building.id, entrance: '', unit: `${floor}0${(h % 4) + 1}`, floor, area: 60 + Math.floor(next() * 60), occupancy: pick(['owner', 'owner', 'rented', 'vacant'] as const) })
          }
        }
      }
      for (const p of people) yield put(p.c, 'users', null, { id: p.id, communityId: communityId(p.c), displayName: p.name, role: p.role, active: true })
    }

    /** A report moved on by the office: the statuses it went through, each with its event. */
    const moves: IssueStatus[][] = [['accepted'], ['accepted', 'in_progress'], ['accepted', 'in_progress', 'resolved'], ['accepted', 'in_progress', 'resolved', 'closed'], ['rejected']]
    /** Reports made, by the day the office last moves them: written then, in their last state. */
    const later = new Map<number, Array<{ report: IssueReport; c: number; leader: { id: string; deviceId: string }; madeRev: number; moved: IssueStatus[] }>>()

    const reportLine = (report: IssueReport, c: number, leader: { id: string; deviceId: string }, fieldRevs: object) =>
      recordLine({ table_name: 'issues', id: report.id, community_id: communityId(c), building_id: report.buildingId, created_by: leader.id, device_id: leader.deviceId, deleted_at: null, updated_at: report.updatedAt, echo_device: null, for_user: null }, report.rev!, report, fieldRevs)

    /** The year's work, day by day: the office's moves of earlier reports, then the day's new visits and reports. */
    function* work(): Generator<string> {
      for (let day = 0; day < DAYS; day++) {
        const visits = Math.floor(((day + 1) * options.visits) / DAYS) - Math.floor((day * options.visits) / DAYS)
        const reports = Math.floor(((day + 1) * options.reports) / DAYS) - Math.floor((day * options.reports) / DAYS)
        const moved = later.get(day) ?? []
        later.delete(day)
        const events = moved.length + visits + reports
        // Spread over the working day, 08:00 to 18:00 China time (00:00–10:00 UTC), in revision order.
        const at = (i: number) => new Date(start + day * DAY + Math.floor((i * 10 * 3_600_000) / events)).toISOString()
        let i = 0
        for (const { report, c, leader, madeRev, moved: statuses } of moved) {
          const when = at(i++)
          const office = city[c]!.office
          const trail: IssueEvent[] = []
          let from: IssueStatus = 'submitted'
          for (const to of statuses) {
            trail.push({ id: uuidv7(Date.parse(when)), at: when, by: office.id, type: 'status', from, to, note: to === 'resolved' || to === 'rejected' ? NOTES[to] : '' })
            from = to
          }
          const last = { ...report, updatedAt: when, rev: ++rev, status: from, assignee: office.id, events: trail }
          const byOffice = { rev, device: office.deviceId }
          const fieldRevs = { ...revsOf(report, madeRev, leader.deviceId), status: byOffice, events: byOffice, assignee: byOffice }
          yield reportLine(last, c, leader, fieldRevs)
        }
        for (let n = 0; n < visits + reports; n++) {
          const when = at(i++)
          const c = Math.floor(next() * communities)
          const b = Math.floor(next() * perCommunity)
          const leader = city[c]!.leaders[b]!
          const household = householdId(c, b, Math.floor(next() * perBuilding))
          const meta = { id: uuidv7(Date.parse(when)), createdAt: when, updatedAt: when, createdBy: leader.id, deviceId: leader.deviceId, rev: ++rev, deletedAt: null, conflicts: [] }
          const row = { community_id: communityId(c), building_id: buildingId(c, b), created_by: leader.id, device_id: leader.deviceId, deleted_at: null, updated_at: when, for_user: null }
          // Visits and reports interleaved in the day's proportion.
          if (Math.floor(((n + 1) * reports) / (visits + reports)) === Math.floor((n * reports) / (visits + reports))) {
            const follow = next() < 0.2 ? new Date(start + (day + 7) * DAY).toISOString().slice(0, 10) : null
            const visit: Visit = {
              ...meta,
              buildingId: buildingId(c, b),
              householdId: household,
              visitedAt: when,
              purpose: pick(VISIT_PURPOSES),
              topics: [pick(TOPIC_PRESETS)],
              residentIds: [],
              othersMet: '',
              needs: pick(NEEDS),
              outcome: pick(OUTCOMES),
              followUpOn: follow,
              followsVisitId: null,
              photos: [],
            }
            yield recordLine({ ...row, table_name: 'visits', id: visit.id, echo_device: leader.deviceId }, rev, visit, revsOf(visit, rev, leader.deviceId))
            continue
          }
          const report: IssueReport = {
            ...meta,
            buildingId: buildingId(c, b),
            householdId: next() < 0.5 ? household : null,
            category: pick(ISSUE_CATEGORIES),
            location: pick(PLACES),
            description: pick(PROBLEMS),
            urgency: pick(URGENCIES),
            photos: [],
            source: null,
            status: 'submitted',
            assignee: null,
            events: [],
          }
          // Seven in ten are moved on by the office within two weeks; the rest (and those of the last days) wait.
          const when2 = day + 1 + Math.floor(next() * 14)
          // Its row then has the revision of the office's move: the one its making took is seen by nobody.
          if (next() < 0.7 && when2 < DAYS) {
            const waiting = later.get(when2) ?? []
            waiting.push({ report, c, leader, madeRev: meta.rev, moved: pick(moves) })
            later.set(when2, waiting)
            continue
          }
          yield reportLine(report, c, leader, revsOf(report, rev, leader.deviceId))
        }
      }
    }

    let records = await copyInto(client, 'records', [...RECORD_COLUMNS], reference())
    log(`reference data and accounts: ${records.toLocaleString('en')} records in ${((performance.now() - began) / 1000).toFixed(1)} s`)
    records += await copyInto(client, 'records', [...RECORD_COLUMNS], work())
    await client.query('update counter set value = $1 where id = 1', [rev])
    await client.query('commit')
    log(`a year of work: ${records.toLocaleString('en')} records in all, last revision ${rev.toLocaleString('en')}, ${((performance.now() - began) / 1000).toFixed(1)} s`)
    const analysed = performance.now()
    await client.query('vacuum analyze')
    log(`vacuum analyze: ${((performance.now() - analysed) / 1000).toFixed(1)} s`)
    return {
      communities,
      buildings: communities * perCommunity,
      leaders: people.filter((p) => p.role === 'leader').map((p) => ({ id: p.id, deviceId: p.deviceId, communityId: communityId(p.c), buildingIds: p.buildings })),
      records,
      lastRev: rev,
    }
  } catch (error) {
    await client.query('rollback').catch(() => {})
    throw error
  } finally {
    await client.end()
  }
}
