import { randomBytes } from 'node:crypto'
import type { InjectOptions } from 'fastify'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  allowedTransitions,
  RECORD_TABLES,
  uuidv7,
  type Change,
  type ChecklistTemplate,
  type Household,
  type IssueStatus,
  type ItemAnswer,
  type Mutation,
  type MutationResult,
  type PullResponse,
  type RecordTable,
  type Resident,
  type Role,
} from '@/domain'
import { demoBuildings, demoCommunity, demoGrids, demoHouseholds, demoResidents, demoTemplates } from '@/domain/demo'
import { hashPassword, verifyPassword } from '@/server/auth/passwords'
import { DEMO_PASSWORD } from '@/server/seed'
import { inspectionFields, issueFields, visitFields } from '../fixtures'
import { canvassAnswerFields, canvassFields } from '../fixtures/canvass'
import { mediationFields } from '../fixtures/mediation'
import { mentorNoteFields } from '../fixtures/mentorship'
import { png, sha256 } from '../fixtures/images'
import { mutation } from '../fixtures/mutations'
import { describeEngines, expectSafeAnswer, pushBody, startApi, type Answer, type CallOptions, type TestApi } from './api'

/**
 * The authorization matrix: every (caller, building, record, verb) of a small two-community world, each
 * refused outside the caller's scope and allowed inside it, through the real server and storage.
 *
 * The expected answers come from the rules written down in docs/sync-protocol.md (`sees`, `mayWrite` …
 * below), never from the server's own `canSee`: a test that asked the server what it may do would agree
 * with any bug. A refused mutation is written with values that would be applied for someone allowed
 * (a valid status move, a new template version …), so that scope is the only reason it can be refused;
 * afterwards every record is compared with a model of what the allowed mutations made of it.
 *
 * Refusal codes: inside the caller's view only `forbidden`; outside it `not_found` is as good (a record
 * outside your scope does not exist for you). Over HTTP: 403, or 404 outside the caller's community.
 */

const A = demoCommunity.id
/** A phone's health report (src/domain/devices.ts), as a live token sends it. */
const HEALTH = { appVersion: '1.0.0', outboxSize: 0, oldestUnsentAt: null, storagePersisted: true, storageUsedBytes: 1024, lastFullSyncAt: null }
/** The second community; office2 of the harness's EXTRA_USERS belongs to it, its reference data is made here. */
const B = 'c-other'
const [b1, b2, b3] = demoBuildings.map((b) => b.id) as [string, string, string]

const templateA = demoTemplates[0]!
const templateB: ChecklistTemplate = { ...templateA, id: 't-beimen-fire', title: '北门楼道消防' }
const referenceB = {
  communities: [{ id: B, name: '北门社区' }],
  grids: [{ id: 'g-beimen-1', communityId: B, name: '北门第一网格' }],
  buildings: [{ id: 'b-beimen-1', gridId: 'g-beimen-1', communityId: B, address: '北门路1号', name: '', floors: 6 }],
  households: [{ id: 'b-beimen-1-101', buildingId: 'b-beimen-1', entrance: '', unit: '101', floor: 1, area: null, occupancy: null }] satisfies Household[],
  residents: [{ id: 'b-beimen-1-101-r1', householdId: 'b-beimen-1-101', name: '王秀兰', phone: null, birthYear: 1948, careTags: [], movedOutAt: null }] satisfies Resident[],
}
const bB = referenceB.buildings[0]!.id

interface Place {
  building: string
  community: string
}
const PLACES: Place[] = [...demoBuildings.map((b) => ({ building: b.id, community: b.communityId })), { building: bB, community: B }]
const HOUSEHOLDS = [...demoHouseholds, ...referenceB.households]
const RESIDENTS = [...demoResidents, ...referenceB.residents]
const GRIDS = [...demoGrids, ...referenceB.grids]
const TEMPLATE_OF = { [A]: templateA, [B]: templateB }
/** Office staff each community's reports are assigned to. */
const STAFF = { [A]: 'u-office1', [B]: 'u-office2' }

const communityOf = (building: string) => PLACES.find((p) => p.building === building)!.community
/** The world's canvass of each building (made before its answers), which every new answer there answers. */
const CANVASS_OF = new Map<string, string>()
/** The pairing (老带新) of each community that has one, which every new mentor's note there names. */
const PAIRING_OF = new Map<string, string>()
/** Each mentor's mentee, by the mentor's key: leader2 mentors leader1. */
const MENTEE_OF = new Map<string, Actor>()
/** A canvass and a mentor's note name no photos; every other record of the world names one. */
const hasPhotos = (table: RecordTable) => table !== 'canvasses' && table !== 'mentorNotes'
/**
 * What an edit or delete of one's own record is refused as by a rule of its table, scope aside: an answer is
 * never changed, and a canvass keeps its building.
 */
const TABLE_REFUSALS: Partial<Record<RecordTable, { edit?: string; move: string; delete?: string }>> = {
  canvasses: { move: 'rejected:immutable_field' },
  canvassAnswers: { edit: 'rejected:locked', move: 'rejected:locked', delete: 'rejected:locked' },
  mentorNotes: { move: 'rejected:immutable_field' },
}

interface Actor {
  key: string
  userId: string
  username: string
  displayName: string
  role: Role
  /** Null for the admin, who belongs to no community: it works across the server through the set-up routes. */
  community: string | null
  /** A leader's buildings as the test has assigned them. */
  buildings: string[]
  token: string
  deviceId: string
}

/** The callers: leader1, leader2 and office1 of community A (demo + harness), admin1 of none, office2 and a new leader of B. */
const CALLERS: Array<Omit<Actor, 'token' | 'deviceId'>> = [
  { key: 'L1', userId: 'u-leader1', username: 'leader1', displayName: '演示楼长', role: 'leader', community: A, buildings: [b1, b2] },
  { key: 'L2', userId: 'u-leader2', username: 'leader2', displayName: '二号楼长', role: 'leader', community: A, buildings: [b3] },
  { key: 'O1', userId: 'u-office1', username: 'office1', displayName: '演示社区工作人员', role: 'office', community: A, buildings: [] },
  { key: 'A1', userId: 'u-admin1', username: 'admin1', displayName: '管理员', role: 'admin', community: null, buildings: [] },
  { key: 'OB', userId: 'u-office2', username: 'office2', displayName: '别的社区', role: 'office', community: B, buildings: [] },
  { key: 'LB', userId: 'u-leaderB', username: 'leaderb', displayName: '北门楼长', role: 'leader', community: B, buildings: [bB] },
]

/** The protocol's scope: staff see their whole community, a leader only the buildings assigned now. */
function sees(actor: Actor, place: Place): boolean {
  return actor.community === place.community && (actor.role !== 'leader' || actor.buildings.includes(place.building))
}

/** A mentor writes notes in the buildings their mentee leads now, and only there. */
function mentors(actor: Actor, building: string): boolean {
  return MENTEE_OF.get(actor.key)?.buildings.includes(building) ?? false
}

/** Who may create a record of `table` in `building`: its leaders; a note, the mentor of its leader. */
function mayCreate(actor: Actor, table: RecordTable, building: string): boolean {
  if (table === 'mentorNotes') return mentors(actor, building)
  return actor.role === 'leader' && actor.buildings.includes(building)
}

/** Leaders own what they reported, and only while its building is theirs (a note's, their mentee's). */
function mayWrite(actor: Actor, record: WorldRecord): boolean {
  return actor.role === 'leader' && actor.userId === record.owner.userId && mayCreate(actor, record.table, record.building)
}

/** Office and admin own status, assignment and templates, in their own community. */
function isStaffOf(actor: Actor, community: string): boolean {
  return actor.role !== 'leader' && actor.community === community
}

/** Devices: one's own, for the office those of its community's leaders and colleagues, for an admin everyone's. */
function mayManageDevices(actor: Actor, target: Actor): boolean {
  if (actor === target || actor.role === 'admin') return true
  return actor.role === 'office' && target.role !== 'admin' && actor.community === target.community
}

/** A record of the world, and the model of what the allowed mutations made of it. */
interface WorldRecord extends Place {
  table: RecordTable
  id: string
  owner: Actor
  /** Null for a table whose records name no photo. */
  photo: string | null
  rev: number
  /** The value of the table's marker field (see `markerFields`). */
  marker: string
  status: IssueStatus
  events: string[]
  assignee: string | null
}

const label = (r: WorldRecord) => `${r.owner.key}'s ${r.table} in ${r.building}`

function answersOf(template: ChecklistTemplate, note: string, photos: string[]): Record<string, ItemAnswer> {
  return { [template.items[0]!.id]: { result: 'fail', note, photos } }
}

/** Valid fields of a new record in `building`, naming `photo` if given, with `marker` in the marker field. */
function fieldsFor(table: RecordTable, building: string, marker: string, photo?: string): Record<string, unknown> {
  const household = HOUSEHOLDS.find((h) => h.buildingId === building)!
  const resident = RESIDENTS.find((r) => r.householdId === household.id)!
  const photos = photo ? [photo] : []
  switch (table) {
    case 'visits':
      return visitFields({ buildingId: building, householdId: household.id, residentIds: [resident.id], photos, outcome: marker })
    case 'issues':
      return issueFields({ buildingId: building, householdId: household.id, photos, description: marker })
    case 'inspections': {
      const template = TEMPLATE_OF[communityOf(building)]!
      return inspectionFields({ buildingId: building, templateId: template.id, templateVersion: template.version, answers: answersOf(template, marker, photos) })
    }
    case 'canvasses':
      return canvassFields({ buildingId: building, question: marker }, HOUSEHOLDS)
    case 'canvassAnswers':
      // A building nobody leads has no canvass: the answer names one nobody made (and is refused for its building).
      return canvassAnswerFields(CANVASS_OF.get(building) ?? uuidv7(), { buildingId: building, householdId: household.id, signature: photo ? 'drawn' : null, photos, note: marker })
    case 'mediations':
      return mediationFields({ buildingId: building, description: marker, photos }, HOUSEHOLDS)
    case 'mentorNotes':
      // A community without a pairing: the note names one nobody made.
      return mentorNoteFields(PAIRING_OF.get(communityOf(building)) ?? uuidv7(), { buildingId: building, text: marker }, HOUSEHOLDS)
  }
}

/** The one field an edit changes: a visit's outcome, a report's description, an inspection's answer note. */
function markerFields(record: WorldRecord, marker: string): Record<string, unknown> {
  switch (record.table) {
    case 'visits':
      return { outcome: marker }
    case 'issues':
      return { description: marker }
    case 'inspections':
      return { answers: answersOf(TEMPLATE_OF[record.community]!, marker, [record.photo!]) }
    case 'canvasses':
      return { question: marker }
    case 'canvassAnswers':
      return { note: marker }
    case 'mediations':
      return { description: marker }
    case 'mentorNotes':
      return { text: marker }
  }
}

function markerOf(table: RecordTable, data: Record<string, unknown>): unknown {
  if (table === 'visits') return data.outcome
  if (table === 'issues' || table === 'mediations') return data.description
  if (table === 'canvasses') return data.question
  if (table === 'canvassAnswers') return data.note
  if (table === 'mentorNotes') return data.text
  return Object.values(data.answers as Record<string, { note: string }>)[0]?.note
}

/** The next status a report can move to and still move on from, so that the office's moves never run out. */
function nextStatus(from: IssueStatus): IssueStatus {
  return allowedTransitions(from).find((to) => allowedTransitions(to).length > 0)!
}

/** One push case: who sends what; its outcome is the last mutation's answer. */
interface PushCase {
  name: string
  actor: Actor
  allowed: boolean
  /** Whether the target is in the caller's view at all (decides which refusal codes are right). */
  visible: boolean
  /** The outcome instead of `applied` or a scope refusal, when a rule of the record's table refuses it (TABLE_REFUSALS). */
  refusal?: string
  /** Made when the case runs, from the model as the earlier cases left it. */
  mutations: () => Mutation[]
  applied?: (result: MutationResult, sent: Mutation[]) => void
}

const outcomeOf = (r: MutationResult) => (r.status === 'rejected' ? `rejected:${r.code}` : r.status)

/** Keeps the model's revision of a record in step with an applied mutation's answer. */
function bump(record: WorldRecord, result: MutationResult): void {
  if ('rev' in result && result.rev !== null) record.rev = result.rev
}

describeEngines('authorization matrix', (engine) => {
  let api: TestApi
  let now = Date.parse('2026-11-27T08:00:00.000Z')
  const window = 60_000
  const actors = new Map<string, Actor>()
  const actor = (key: string) => actors.get(key)!
  const world: WorldRecord[] = []
  /** Every record the server accepted (the world, and creates and deletes of the matrix), by id. */
  const ledger = new Map<string, Place & { table: RecordTable }>()
  /** Template row ids (`<id>@<version>`) per community. */
  const templateRows = new Map<string, Set<string>>([
    [A, new Set(demoTemplates.map((t) => `${t.id}@${t.version}`))],
    [B, new Set([`${templateB.id}@${templateB.version}`])],
  ])
  /** The newest published version per community and template id: each community's ids are its own. */
  const newest = new Map<string, number>([...demoTemplates.map((t) => [`${A}/${t.id}`, t.version] as const), [`${B}/${templateB.id}`, templateB.version]])
  let cases = 0
  let failures: string[] = []

  /** Counts a case and notes it when its outcome is not one of the acceptable ones; true when it was acceptable. */
  function check(name: string, acceptable: readonly string[], outcome: string): boolean {
    cases++
    if (acceptable.includes(outcome)) return true
    failures.push(`${name}: expected ${acceptable.join(' or ')}, got ${outcome}`)
    return false
  }

  /** Fails the test with every case that went wrong, not only the first. */
  function expectNoFailures(): void {
    const found = failures
    failures = []
    expect(found).toEqual([])
  }

  const refusedCodes = (visible: boolean) => (visible ? ['rejected:forbidden'] : ['rejected:forbidden', 'rejected:not_found'])
  const refusedStatuses = (sameCommunity: boolean) => (sameCommunity ? ['403'] : ['403', '404'])

  async function push(who: Actor, mutations: Mutation[]): Promise<MutationResult[]> {
    const answer = await api.call('POST', '/api/v1/sync/push', { token: who.token, json: pushBody(who.deviceId, mutations) })
    expect(answer.status, answer.body).toBe(200)
    // Protocol 1 (pushBody): each answer names its mutation.
    return (answer.json as { results: MutationResult[] }).results
  }

  async function runPushCases(list: PushCase[]): Promise<void> {
    for (const c of list) {
      const sent = c.mutations()
      const results = await push(c.actor, sent)
      // Helper mutations before the one under test (a record to delete) must themselves succeed.
      for (const [i, r] of results.slice(0, -1).entries()) expect(r.status, `${c.name}: helper mutation ${i}`).toBe('applied')
      const result = results.at(-1)!
      const ok = check(`${c.actor.key} ${c.name}`, c.refusal ? [c.refusal] : c.allowed ? ['applied'] : refusedCodes(c.visible), outcomeOf(result))
      if (ok && c.allowed) c.applied?.(result, sent)
    }
    expectNoFailures()
  }

  /** A pull from `cursor` to the end: the first page's `reset`, every change, and the last cursor. */
  async function pullFrom(who: Actor, cursor = ''): Promise<{ reset: boolean; changes: Change[]; cursor: string }> {
    const changes: Change[] = []
    let reset: boolean | undefined
    for (;;) {
      const answer = await api.call('GET', `/api/v1/sync/pull?limit=100&cursor=${cursor}`, { token: who.token })
      expect(answer.status, answer.body).toBe(200)
      const page = answer.json as PullResponse
      // Only the first page after a scope change resets; the pages after it continue.
      if (reset === undefined) reset = page.reset
      else expect(page.reset).toBe(false)
      changes.push(...page.changes)
      cursor = page.cursor
      if (!page.hasMore) return { reset, changes, cursor }
    }
  }

  async function spareDevice(userId: string): Promise<string> {
    const id = uuidv7()
    await api.storage.createDevice({ id, userId, name: 'spare phone', tokenHash: randomBytes(32).toString('hex'), at: new Date(now).toISOString() })
    return id
  }

  beforeAll(async () => {
    api = await startApi(engine, {
      clock: () => new Date(now),
      limits: {
        loginPerAccountAddress: { free: 3, firstDelayMs: window, maxDelayMs: window, forgetAfterMs: window },
        loginPerAddress: { free: 6, firstDelayMs: window, maxDelayMs: window, forgetAfterMs: window },
      },
    })
    for (const table of ['communities', 'grids', 'buildings', 'households', 'residents'] as const) {
      await api.storage.putReference(B, table, referenceB[table])
    }
    await api.storage.putReference(B, 'templates', [templateB])
    await api.storage.createUser({
      id: 'u-leaderB',
      username: 'leaderb',
      displayName: '北门楼长',
      role: 'leader',
      communityId: B,
      buildingIds: [bB],
      passwordHash: await hashPassword(DEMO_PASSWORD),
    })
    for (const caller of CALLERS) {
      const answer = await api.call('POST', '/api/v1/auth/login', {
        json: { username: caller.username, password: DEMO_PASSWORD, deviceName: `${caller.key} phone` },
      })
      expect(answer.status, answer.body).toBe(200)
      const body = answer.json as { token: string; deviceId: string; user: { id: string; role: Role; communityId: string; buildingIds: string[] } }
      // The world the rules below assume is the one the server has.
      expect(body.user).toMatchObject({ id: caller.userId, role: caller.role, communityId: caller.community, buildingIds: [...caller.buildings].sort() })
      actors.set(caller.key, { ...caller, buildings: [...caller.buildings], token: body.token, deviceId: body.deviceId })
    }
    // 老带新: the office pairs leader1 with leader2 as mentor, whose notes go into leader1's buildings.
    const paired = await api.call('POST', `/api/v1/communities/${A}/mentorships`, { token: actor('O1').token, json: { mentorId: 'u-leader2', menteeId: 'u-leader1' } })
    expect(paired.status, paired.body).toBe(201)
    PAIRING_OF.set(A, (paired.json as { id: string }).id)
    MENTEE_OF.set('L2', actor('L1'))
    // In every building with a leader, one record of each type by that leader, each naming its own uploaded photo.
    let shade = 0
    for (const owner of [...actors.values()].filter((a) => a.role === 'leader')) {
      for (const building of owner.buildings) {
        for (const table of RECORD_TABLES) {
          // A building's notes are its leader's mentor's; a leader nobody mentors has none.
          const author = table === 'mentorNotes' ? [...actors.values()].find((a) => mentors(a, building)) : owner
          if (!author) continue
          let photo: string | null = null
          if (hasPhotos(table)) {
            const bytes = png(4, 4, ++shade)
            photo = sha256(bytes)
            const upload = await api.call('PUT', `/api/v1/attachments/${photo}`, { token: author.token, body: bytes, headers: { 'content-type': 'image/png' } })
            expect(upload.status, upload.body).toBe(201)
          }
          const marker = `${table} by ${author.key}`
          const put = mutation.put(table, uuidv7(), fieldsFor(table, building, marker, photo ?? undefined))
          const [result] = await push(author, [put])
          if (result?.status !== 'applied' || put.kind !== 'put') throw new Error(`world record not applied: ${JSON.stringify(result)}`)
          if (table === 'canvasses') CANVASS_OF.set(building, put.recordId)
          const record: WorldRecord = {
            table,
            id: put.recordId,
            building,
            community: communityOf(building),
            owner: author,
            photo,
            rev: result.rev,
            marker,
            status: 'submitted',
            events: [],
            assignee: null,
          }
          world.push(record)
          ledger.set(record.id, { table, building, community: communityOf(building) })
        }
      }
    }
  })

  afterAll(async () => {
    console.log(`authorization matrix [${engine}]: ${cases} cases checked`)
    await api?.close()
  })

  it('lets a leader create, edit and delete only their own records in their own buildings', async () => {
    const list: PushCase[] = []
    for (const caller of actors.values()) {
      for (const place of PLACES) {
        for (const table of RECORD_TABLES) {
          const id = uuidv7()
          list.push({
            name: `put:create ${table} in ${place.building}`,
            actor: caller,
            allowed: mayCreate(caller, table, place.building),
            visible: sees(caller, place),
            mutations: () => [mutation.put(table, id, fieldsFor(table, place.building, `new by ${caller.key}`))],
            applied: () => ledger.set(id, { table, ...place }),
          })
        }
      }
      for (const record of world) {
        const own = mayWrite(caller, record)
        const visible = sees(caller, record)
        const marker = `edited by ${caller.key}`
        const refusals = TABLE_REFUSALS[record.table]
        list.push({
          name: `put:edit ${label(record)}`,
          actor: caller,
          allowed: own,
          visible,
          refusal: own ? refusals?.edit : undefined,
          mutations: () => [mutation.put(record.table, record.id, markerFields(record, marker), record.rev)],
          applied: (result) => {
            if (refusals?.edit) return
            record.marker = marker
            bump(record, result)
          },
        })
        if (own) {
          // Moving one's own record into a building that is not one's own.
          for (const place of PLACES.filter((p) => p.building !== record.building && !caller.buildings.includes(p.building))) {
            list.push({
              name: `put:move ${label(record)} to ${place.building}`,
              actor: caller,
              allowed: false,
              visible: true,
              refusal: refusals?.move,
              mutations: () => [mutation.put(record.table, record.id, { buildingId: place.building }, record.rev)],
            })
          }
          // Deleting one's own record: a copy made for the purpose, so that the world stays for the other verbs.
          const copy = uuidv7()
          list.push({
            name: `delete own ${record.table} in ${record.building}`,
            actor: caller,
            allowed: true,
            visible: true,
            refusal: refusals?.delete,
            mutations: () => [mutation.put(record.table, copy, fieldsFor(record.table, record.building, 'to delete')), mutation.delete(record.table, copy)],
            applied: () => ledger.set(copy, { table: record.table, building: record.building, community: record.community }),
          })
        } else {
          // A whole new record sent under someone else's id, into the caller's own building: a take-over.
          const into = caller.buildings[0] ?? record.building
          list.push({
            name: `put:take-over ${label(record)} into ${into}`,
            actor: caller,
            allowed: false,
            visible,
            mutations: () => [mutation.put(record.table, record.id, fieldsFor(record.table, into, `taken by ${caller.key}`), null)],
          })
          list.push({
            name: `delete ${label(record)}`,
            actor: caller,
            allowed: false,
            visible,
            mutations: () => [mutation.delete(record.table, record.id, record.rev)],
          })
        }
      }
    }
    await runPushCases(list)
  })

  it('lets only the office of the community move and assign a report, and those who see it comment', async () => {
    const list: PushCase[] = []
    for (const caller of actors.values()) {
      for (const report of world.filter((r) => r.table === 'issues')) {
        const visible = sees(caller, report)
        const staff = isStaffOf(caller, report.community)
        list.push({
          name: `issue.status ${label(report)}`,
          actor: caller,
          allowed: staff,
          visible,
          mutations: () => [mutation.status(report.id, nextStatus(report.status), `by ${caller.key}`)],
          applied: (result, [sent]) => {
            if (sent?.kind !== 'issue.status') return
            report.status = sent.to
            report.events.push(sent.eventId)
            bump(report, result)
          },
        })
        list.push({
          name: `issue.assign ${label(report)}`,
          actor: caller,
          allowed: staff,
          visible,
          // Always a real change: to the community's office, or back to nobody.
          mutations: () => [mutation.assign(report.id, report.assignee === null ? STAFF[report.community]! : null)],
          applied: (result, [sent]) => {
            if (sent?.kind === 'issue.assign') report.assignee = sent.assignee
            bump(report, result)
          },
        })
        list.push({
          name: `issue.comment ${label(report)}`,
          actor: caller,
          allowed: visible,
          visible,
          mutations: () => [mutation.comment(report.id, `comment by ${caller.key}`)],
          applied: (result, [sent]) => {
            if (sent?.kind === 'issue.comment') report.events.push(sent.eventId)
            bump(report, result)
          },
        })
      }
    }
    await runPushCases(list)
  })

  it('lets only its reporter resubmit a report the office returned', async () => {
    // A report of each leader in each of their buildings, returned by its community's office.
    const returned: Array<{ id: string; owner: Actor; building: string; community: string }> = []
    for (const owner of [...actors.values()].filter((a) => a.role === 'leader')) {
      for (const building of owner.buildings) {
        const id = uuidv7()
        expect((await push(owner, [mutation.put('issues', id, fieldsFor('issues', building, `returned, by ${owner.key}`))]))[0]).toMatchObject({ status: 'applied' })
        const office = [...actors.values()].find((a) => isStaffOf(a, communityOf(building)))!
        expect((await push(office, [mutation.status(id, 'rejected', '请写清楚是几楼')]))[0]).toMatchObject({ status: 'applied' })
        const report = { id, owner, building, community: communityOf(building) }
        returned.push(report)
        ledger.set(report.id, { table: 'issues', building, community: report.community })
      }
    }
    // For this test leader2 also leads b1 (楼长 and 副楼长): a co-leader sees the report, and still may not resubmit it.
    const coLeader = actor('L2')
    const own = [...coLeader.buildings]
    await api.storage.assignBuildings(coLeader.userId, [...own, b1])
    coLeader.buildings.push(b1)
    const list: PushCase[] = []
    for (const report of returned) {
      // The reporter last: until then the report stands returned, so scope is the only reason to refuse the others.
      const callers = [...actors.values()].sort((a, b) => Number(a === report.owner) - Number(b === report.owner))
      for (const caller of callers) {
        list.push({
          name: `issue.resubmit ${caller.key === report.owner.key ? 'own' : `${report.owner.key}'s`} report in ${report.building}`,
          actor: caller,
          allowed: caller === report.owner && caller.buildings.includes(report.building),
          visible: sees(caller, report),
          mutations: () => [mutation.resubmit(report.id, `by ${caller.key}`)],
        })
      }
    }
    try {
      await runPushCases(list)
    } finally {
      await api.storage.assignBuildings(coLeader.userId, own)
      coLeader.buildings.splice(0, coLeader.buildings.length, ...own)
    }
    const stored = new Map((await pullFrom(actor('O1'))).changes.map((c) => [c.id, c.record]))
    for (const report of returned.filter((r) => r.community === A)) expect(stored.get(report.id), report.id).toMatchObject({ status: 'submitted' })
  })

  it('lets only office staff publish templates, each into their own community', async () => {
    const list: PushCase[] = []
    for (const caller of actors.values()) {
      // Another community's template id is new to the caller, like any other: it becomes their own template.
      for (const [community, template] of Object.entries(TEMPLATE_OF)) {
        const key = `${caller.community}/${template.id}`
        list.push({
          name: `template.publish ${template.id} of ${community}`,
          actor: caller,
          // An admin belongs to no community, so has none to publish into.
          allowed: caller.role === 'office',
          visible: caller.community === community,
          mutations: () => [mutation.publish({ ...template, version: (newest.get(key) ?? 0) + 1, publishedAt: new Date(now).toISOString() })],
          applied: (_result, [sent]) => {
            if (sent?.kind !== 'template.publish') return
            newest.set(key, sent.template.version)
            templateRows.get(caller.community!)!.add(`${sent.template.id}@${sent.template.version}`)
          },
        })
      }
    }
    await runPushCases(list)
  })

  it('leaves no trace of a refused mutation: each record is what the allowed ones made it', async () => {
    const stored = new Map<string, Change>()
    for (const staff of [actor('O1'), actor('OB')]) for (const change of (await pullFrom(staff)).changes) stored.set(`${change.table}/${change.id}`, change)
    for (const record of world) {
      const data = stored.get(`${record.table}/${record.id}`)?.record
      expect(data, label(record)).toBeDefined()
      const expected: Record<string, unknown> = { buildingId: record.building, createdBy: record.owner.userId, deletedAt: null, rev: record.rev }
      if (record.table === 'issues') Object.assign(expected, { status: record.status, assignee: record.assignee })
      expect(data, label(record)).toMatchObject(expected)
      expect(markerOf(record.table, data!), label(record)).toBe(record.marker)
      if (record.table === 'issues') expect((data!.events as Array<{ id: string }>).map((e) => e.id), label(record)).toEqual(record.events)
    }
    // Both communities' staff see every record there is: exactly the ones the server accepted.
    const records = [...stored.values()].filter((c) => (RECORD_TABLES as readonly string[]).includes(c.table))
    expect(records.map((c) => c.id).sort()).toEqual([...ledger.keys()].sort())
    // Template ids are per community (both may have the same one): each community's staff see exactly theirs.
    for (const [staff, community] of [[actor('O1'), A], [actor('OB'), B]] as const) {
      const templates = (await pullFrom(staff)).changes.filter((c) => c.table === 'templates').map((c) => c.id)
      expect(templates.sort(), community).toEqual([...templateRows.get(community)!].sort())
    }
  })

  it('pulls to each caller exactly the records and reference data of their scope', async () => {
    for (const caller of actors.values()) {
      const { changes } = await pullFrom(caller)
      const ids = (table: string) => new Set(changes.filter((c) => c.table === table).map((c) => c.id))
      const pulled = new Set(changes.filter((c) => (RECORD_TABLES as readonly string[]).includes(c.table)).map((c) => c.id))
      for (const [id, place] of ledger) {
        const what = `${caller.key} pull ${place.table} ${id} in ${place.building}`
        check(what, [sees(caller, place) ? 'present' : 'absent'], pulled.has(id) ? 'present' : 'absent')
      }
      for (const id of pulled) if (!ledger.has(id)) failures.push(`${caller.key} pulled ${id}, which nobody made`)

      const places = PLACES.filter((p) => sees(caller, p)).map((p) => p.building)
      const households = HOUSEHOLDS.filter((h) => places.includes(h.buildingId)).map((h) => h.id)
      const { community } = caller
      // An admin belongs to no community: it pulls the list of communities and nothing of any of them.
      const expected: Record<string, string[]> = {
        communities: community === null ? [A, B] : [community],
        grids: GRIDS.filter((g) => g.communityId === community).map((g) => g.id),
        buildings: places,
        households,
        residents: RESIDENTS.filter((r) => households.includes(r.householdId)).map((r) => r.id),
        templates: community === null ? [] : [...templateRows.get(community)!],
        // The name cards of every account of the community (all of them are callers here).
        users: [...actors.values()].filter((a) => community !== null && a.community === community).map((a) => a.userId),
      }
      for (const [table, want] of Object.entries(expected)) {
        const got = [...ids(table)].sort()
        check(`${caller.key} pull ${table}`, [JSON.stringify([...want].sort())], JSON.stringify(got))
      }
    }
    expectNoFailures()
  })

  it('gives a photo only to those who see a record naming it, and to its uploader', async () => {
    for (const caller of actors.values()) {
      for (const record of world.filter((r) => r.photo !== null)) {
        const allowed = sees(caller, record) || caller === record.owner
        const answer = await api.call('GET', `/api/v1/attachments/${record.photo}`, { token: caller.token })
        const acceptable = allowed ? ['200'] : ['403', '404']
        if (check(`${caller.key} GET photo of ${label(record)}`, acceptable, String(answer.status)) && allowed) {
          expect(answer.headers['content-type']).toBe('image/png')
        }
      }
    }
    expectNoFailures()
  })

  it("lets only the user and their community's office list and revoke their devices", async () => {
    for (const caller of actors.values()) {
      for (const target of actors.values()) {
        const allowed = mayManageDevices(caller, target)
        const refused = refusedStatuses(caller.community === target.community)
        const list = await api.call('GET', `/api/v1/users/${target.userId}/devices`, { token: caller.token })
        check(`${caller.key} list devices of ${target.key}`, allowed ? ['200'] : refused, String(list.status))
        if (list.status === 200) {
          const listed = (list.json as Array<{ userId: string }>).map((d) => d.userId)
          expect(listed.every((userId) => userId === target.userId)).toBe(true)
        }

        const spare = await spareDevice(target.userId)
        const revoke = await api.call('DELETE', `/api/v1/users/${target.userId}/devices/${spare}`, { token: caller.token })
        check(`${caller.key} revoke a device of ${target.key}`, allowed ? ['204'] : refused, String(revoke.status))
        const revokedAt = (await api.storage.listDevices(target.userId)).find((d) => d.id === spare)?.revokedAt
        if ((revokedAt !== null) !== (revoke.status === 204)) failures.push(`${caller.key} revoke ${target.key}: answered ${revoke.status}, revokedAt ${revokedAt}`)
      }
    }
    expectNoFailures()
  })

  it('takes a building away at once: the next push into it is refused and the next pull resets without it', async () => {
    const [L1, L2, O1] = [actor('L1'), actor('L2'), actor('O1')]
    const cursors = new Map<Actor, string>()
    for (const who of [L1, L2, O1]) cursors.set(who, (await pullFrom(who)).cursor)

    // b2 passes from leader1 to leader2.
    L1.buildings = [b1]
    L2.buildings = [b2, b3]
    await api.storage.assignBuildings(L1.userId, L1.buildings)
    await api.storage.assignBuildings(L2.userId, L2.buildings)

    const inB2 = world.filter((r) => r.building === b2)
    const reportInB2 = inB2.find((r) => r.table === 'issues')!
    const place = { building: b2, community: A }
    const list: PushCase[] = []
    for (const table of RECORD_TABLES) {
      const late = uuidv7()
      const fresh = uuidv7()
      list.push({ name: `put:create ${table} in ${b2} after it was taken away`, actor: L1, allowed: false, visible: sees(L1, place), mutations: () => [mutation.put(table, late, fieldsFor(table, b2, 'late'))] })
      list.push({
        name: `put:create ${table} in ${b2} after it was given`,
        actor: L2,
        // No longer the mentee's building, so no longer the mentor's to write notes in.
        allowed: mayCreate(L2, table, b2),
        visible: true,
        mutations: () => [mutation.put(table, fresh, fieldsFor(table, b2, 'new leader'))],
        applied: () => ledger.set(fresh, { table, ...place }),
      })
    }
    for (const record of inB2) {
      const edit = () => [mutation.put(record.table, record.id, markerFields(record, 'late edit'), record.rev)]
      list.push({ name: `put:edit own ${label(record)} after it was taken away`, actor: L1, allowed: false, visible: sees(L1, record), mutations: edit })
      list.push({ name: `delete own ${label(record)} after it was taken away`, actor: L1, allowed: false, visible: sees(L1, record), mutations: () => [mutation.delete(record.table, record.id, record.rev)] })
      // The new leader sees the old leader's records, and still may not change what someone else reported.
      list.push({ name: `put:edit ${label(record)} of the previous leader`, actor: L2, allowed: false, visible: sees(L2, record), mutations: edit })
    }
    const visitInB1 = world.find((r) => r.building === b1 && r.table === 'visits')!
    list.push({ name: `put:move ${label(visitInB1)} into ${b2}`, actor: L1, allowed: false, visible: true, mutations: () => [mutation.put('visits', visitInB1.id, { buildingId: b2 }, visitInB1.rev)] })
    list.push({ name: `issue.comment ${label(reportInB2)} after it was taken away`, actor: L1, allowed: false, visible: sees(L1, reportInB2), mutations: () => [mutation.comment(reportInB2.id, 'late')] })
    list.push({
      name: `issue.comment ${label(reportInB2)} as its new leader`,
      actor: L2,
      allowed: true,
      visible: true,
      mutations: () => [mutation.comment(reportInB2.id, 'new leader here')],
      applied: (result, [sent]) => {
        if (sent?.kind === 'issue.comment') reportInB2.events.push(sent.eventId)
        bump(reportInB2, result)
      },
    })
    await runPushCases(list)

    for (const who of [L1, L2, O1]) {
      const { reset, changes } = await pullFrom(who, cursors.get(who))
      // Only a leader's scope changed; the office keeps its cursor.
      check(`${who.key} pull resets after the reassignment`, [String(who.role === 'leader')], String(reset))
      if (who.role !== 'leader') continue
      const pulled = new Set(changes.map((c) => c.id))
      for (const [id, place] of ledger) {
        check(`${who.key} pull after the reassignment: ${place.table} in ${place.building}`, [sees(who, place) ? 'present' : 'absent'], pulled.has(id) ? 'present' : 'absent')
      }
      const buildings = changes.filter((c) => c.table === 'buildings').map((c) => c.id).sort()
      check(`${who.key} pull after the reassignment: buildings`, [JSON.stringify([...who.buildings].sort())], JSON.stringify(buildings))
      const householdBuildings = new Set(changes.filter((c) => c.table === 'households').map((c) => c.record.buildingId))
      check(`${who.key} pull after the reassignment: households`, [JSON.stringify([...who.buildings].sort())], JSON.stringify([...householdBuildings].sort()))
    }
    for (const record of inB2.filter((r) => r.photo !== null)) {
      const answer = await api.call('GET', `/api/v1/attachments/${record.photo}`, { token: L2.token })
      check(`L2 GET photo of ${label(record)} after it was given`, ['200'], String(answer.status))
    }
    expectNoFailures()
  })

  it('leaves a leader whose every building was taken away with nothing to write and only community-wide data to pull', async () => {
    const L1 = actor('L1')
    const { cursor } = await pullFrom(L1)
    L1.buildings = []
    await api.storage.assignBuildings(L1.userId, [])
    const own = world.filter((r) => r.owner === L1)
    await runPushCases([
      ...RECORD_TABLES.map((table) => ({
        name: `put:create ${table} in ${b1} with no buildings`,
        actor: L1,
        allowed: false,
        visible: false,
        mutations: () => [mutation.put(table, uuidv7(), fieldsFor(table, b1, 'nowhere'))],
      })),
      ...own.map((record) => ({
        name: `put:edit own ${label(record)} with no buildings`,
        actor: L1,
        allowed: false,
        visible: false,
        mutations: () => [mutation.put(record.table, record.id, markerFields(record, 'nowhere'), record.rev)],
      })),
    ])
    const { reset, changes } = await pullFrom(L1, cursor)
    check('L1 pull resets with no buildings', ['true'], String(reset))
    const tables = [...new Set(changes.map((c) => c.table))].sort()
    check('L1 pull with no buildings carries only community-wide tables', [JSON.stringify(['communities', 'grids', 'templates', 'users'])], JSON.stringify(tables))
    expectNoFailures()
  })

  /** The authenticated routes, from the OpenAPI document (plus Fastify's automatic HEAD of each GET), so that a new route is covered. */
  async function authenticatedRoutes(): Promise<string[]> {
    const doc = (await api.call('GET', '/api/v1/openapi.json')).json as { paths: Record<string, Record<string, { security?: unknown[] }>> }
    const routes: string[] = []
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        // No `security` of its own means the document's default: a bearer token. Public routes say `[]`.
        if (operation.security?.length === 0) continue
        routes.push(`${method.toUpperCase()} ${path}`)
        if (method === 'get' && !operations.head) routes.push(`HEAD ${path}`)
      }
    }
    // Logout revokes the token it is sent with: last, so that the control run can use the others first.
    return routes.sort((a, b) => Number(a.includes('/auth/logout')) - Number(b.includes('/auth/logout')))
  }

  /** `live`: what a live token of these leaders gets, when not a success (office-only routes refuse the role: 403). */
  type Request = CallOptions & { method: InjectOptions['method']; url: string; live?: string[] }
  const SUCCESS = ['200', '201', '204']

  /**
   * For each authenticated route, a request that would succeed for `who` signed in on `deviceId`, so that a
   * refusal can only come from the token; and the side effects the requests would have (a revoked spare
   * device, a new report, a stored photo), so that the test can tell whether anything happened.
   */
  async function requestsFor(who: Actor, deviceId: string) {
    // A record of theirs that names a photo (a mentor's note in a building now theirs names none).
    const own = world.find((r) => r.owner === who && who.buildings.includes(r.building) && r.photo !== null)!
    const spare = await spareDevice(who.userId)
    const photo = png(3, 3, randomBytes(1)[0])
    const report = mutation.put('issues', uuidv7(), fieldsFor('issues', who.buildings[0]!, 'sent with a dead token'))
    const roster = (step: string): Request => ({ method: 'POST', url: `/api/v1/communities/${A}/roster/${step}`, body: '楼栋,房号,姓名', headers: { 'content-type': 'text/csv' } })
    const requests: Record<string, Request> = {
      'POST /api/v1/auth/logout': { method: 'POST', url: '/api/v1/auth/logout' },
      'GET /api/v1/auth/device': { method: 'GET', url: '/api/v1/auth/device' },
      'HEAD /api/v1/auth/device': { method: 'HEAD', url: '/api/v1/auth/device' },
      'GET /api/v1/users/{userId}/devices': { method: 'GET', url: `/api/v1/users/${who.userId}/devices` },
      'HEAD /api/v1/users/{userId}/devices': { method: 'HEAD', url: `/api/v1/users/${who.userId}/devices` },
      'DELETE /api/v1/users/{userId}/devices/{deviceId}': { method: 'DELETE', url: `/api/v1/users/${who.userId}/devices/${spare}` },
      'POST /api/v1/sync/push': { method: 'POST', url: '/api/v1/sync/push', json: pushBody(deviceId, [report]) },
      'GET /api/v1/sync/pull': { method: 'GET', url: '/api/v1/sync/pull?limit=1' },
      'HEAD /api/v1/sync/pull': { method: 'HEAD', url: '/api/v1/sync/pull?limit=1' },
      'PUT /api/v1/attachments/{sha256}': { method: 'PUT', url: `/api/v1/attachments/${sha256(photo)}`, body: photo, headers: { 'content-type': 'image/png' } },
      'HEAD /api/v1/attachments/{sha256}': { method: 'HEAD', url: `/api/v1/attachments/${own.photo}` },
      'GET /api/v1/attachments/{sha256}': { method: 'GET', url: `/api/v1/attachments/${own.photo}` },
      'POST /api/v1/attachments/missing': { method: 'POST', url: '/api/v1/attachments/missing', json: { hashes: [own.photo] } },
      'POST /api/v1/communities/{communityId}/roster/preview': { ...roster('preview'), live: ['403'] },
      'POST /api/v1/communities/{communityId}/roster/import': { ...roster('import'), live: ['403'] },
      'GET /api/v1/communities/{communityId}/roster.xlsx': { method: 'GET', url: `/api/v1/communities/${A}/roster.xlsx`, live: ['403'] },
      'HEAD /api/v1/communities/{communityId}/roster.xlsx': { method: 'HEAD', url: `/api/v1/communities/${A}/roster.xlsx`, live: ['403'] },
      'GET /api/v1/roster/template.xlsx': { method: 'GET', url: '/api/v1/roster/template.xlsx' },
      // The office imports a leader's rescue file; a leader is refused before the file is opened.
      'POST /api/v1/communities/{communityId}/rescue': {
        method: 'POST',
        url: `/api/v1/communities/${A}/rescue`,
        body: Buffer.from('PK'),
        headers: { 'content-type': 'application/zip', 'x-rescue-password': 'dead-token' },
        live: ['403'],
      },
      // The exports (issue 8): the office's, refused to a leader.
      ...Object.fromEntries(
        ['visits', 'issues', 'inspections'].flatMap((kind) =>
          ['xlsx', 'csv'].flatMap((format) =>
            (['GET', 'HEAD'] as const).map((method): [string, Request] => [
              `${method} /api/v1/communities/{communityId}/exports/${kind}.${format}`,
              { method, url: `/api/v1/communities/${A}/exports/${kind}.${format}`, live: ['403'] },
            ]),
          ),
        ),
      ),
      ...Object.fromEntries(
        ['xlsx', 'csv'].flatMap((format) =>
          (['GET', 'HEAD'] as const).map((method): [string, Request] => [
            `${method} /api/v1/communities/{communityId}/report.${format}`,
            { method, url: `/api/v1/communities/${A}/report.${format}?month=2026-11`, live: ['403'] },
          ]),
        ),
      ),
      'HEAD /api/v1/roster/template.xlsx': { method: 'HEAD', url: '/api/v1/roster/template.xlsx' },
      // With a live token these answer what a leader gets: a weak new password is refused, set-up is the office's.
      'POST /api/v1/auth/password': { method: 'POST', url: '/api/v1/auth/password', json: { currentPassword: DEMO_PASSWORD, newPassword: '1111111111' }, live: ['400'] },
      'POST /api/v1/auth/recovery-key': { method: 'POST', url: '/api/v1/auth/recovery-key', json: { password: DEMO_PASSWORD } },
      'GET /api/v1/communities': { method: 'GET', url: '/api/v1/communities', live: ['403'] },
      'HEAD /api/v1/communities': { method: 'HEAD', url: '/api/v1/communities', live: ['403'] },
      'POST /api/v1/communities': { method: 'POST', url: '/api/v1/communities', json: { name: '死令牌社区' }, live: ['403'] },
      'GET /api/v1/communities/{id}/buildings': { method: 'GET', url: `/api/v1/communities/${who.community}/buildings`, live: ['403'] },
      'HEAD /api/v1/communities/{id}/buildings': { method: 'HEAD', url: `/api/v1/communities/${who.community}/buildings`, live: ['403'] },
      'GET /api/v1/communities/{id}/accounts': { method: 'GET', url: `/api/v1/communities/${who.community}/accounts`, live: ['403'] },
      'HEAD /api/v1/communities/{id}/accounts': { method: 'HEAD', url: `/api/v1/communities/${who.community}/accounts`, live: ['403'] },
      'POST /api/v1/communities/{id}/accounts': {
        method: 'POST',
        url: `/api/v1/communities/${who.community}/accounts`,
        json: { username: 'dead-token-made', displayName: '死令牌', role: 'leader' },
        live: ['403'],
      },
      'PATCH /api/v1/accounts/{userId}': { method: 'PATCH', url: `/api/v1/accounts/${who.userId}`, json: { displayName: '死令牌改名' }, live: ['403'] },
      'POST /api/v1/accounts/{userId}/password': { method: 'POST', url: `/api/v1/accounts/${who.userId}/password`, live: ['403'] },
      'PUT /api/v1/accounts/{userId}/buildings': { method: 'PUT', url: `/api/v1/accounts/${who.userId}/buildings`, json: { buildingIds: [] }, live: ['403'] },
      // Coverage, the monthly report and the settings are the office's.
      ...Object.fromEntries(
        ['coverage?month=2026-11', 'coverage/households?month=2026-11&buildingId=b-x', 'report?month=2026-11'].flatMap((path): Array<[string, Request]> => {
          const route = `/api/v1/communities/{id}/${path.split('?')[0]!}`
          const url = `/api/v1/communities/${who.community}/${path}`
          return [
            [`GET ${route}`, { method: 'GET', url, live: ['403'] }],
            [`HEAD ${route}`, { method: 'HEAD', url, live: ['403'] }],
          ]
        }),
      ),
      'PATCH /api/v1/communities/{id}/settings': { method: 'PATCH', url: `/api/v1/communities/${who.community}/settings`, json: { silentDeviceDays: 5 }, live: ['403'] },
      'POST /api/v1/sync/health': { method: 'POST', url: '/api/v1/sync/health', json: HEALTH },
      'GET /api/v1/communities/{id}/devices': { method: 'GET', url: `/api/v1/communities/${who.community}/devices`, live: ['403'] },
      'HEAD /api/v1/communities/{id}/devices': { method: 'HEAD', url: `/api/v1/communities/${who.community}/devices`, live: ['403'] },
      // Inspection campaigns: the office's; a leader is refused before the campaign is looked up.
      'GET /api/v1/communities/{id}/campaigns': { method: 'GET', url: `/api/v1/communities/${who.community}/campaigns`, live: ['403'] },
      'HEAD /api/v1/communities/{id}/campaigns': { method: 'HEAD', url: `/api/v1/communities/${who.community}/campaigns`, live: ['403'] },
      'POST /api/v1/communities/{id}/campaigns': {
        method: 'POST',
        url: `/api/v1/communities/${who.community}/campaigns`,
        json: { title: '死令牌检查', templateId: 't-typhoon', deadline: '2099-01-01T00:00:00.000Z' },
        live: ['403'],
      },
      'GET /api/v1/campaigns/{id}': { method: 'GET', url: `/api/v1/campaigns/${uuidv7()}`, live: ['403'] },
      'HEAD /api/v1/campaigns/{id}': { method: 'HEAD', url: `/api/v1/campaigns/${uuidv7()}`, live: ['403'] },
      'POST /api/v1/campaigns/{id}/reminders': { method: 'POST', url: `/api/v1/campaigns/${uuidv7()}/reminders`, json: { text: '死令牌提醒' }, live: ['403'] },
      'POST /api/v1/campaigns/{id}/close': { method: 'POST', url: `/api/v1/campaigns/${uuidv7()}/close`, live: ['403'] },
      // The consent canvass's office routes; a leader is refused before the canvass is looked up.
      ...Object.fromEntries(
        [`communities/${who.community}/canvasses`, `canvasses/${uuidv7()}`, `canvasses/${uuidv7()}/export.xlsx`, `canvasses/${uuidv7()}/signatures.zip`].flatMap((path) => {
          const route = `/api/v1/${path.replace(/^communities\/[^/]+/, 'communities/{id}').replace(/^canvasses\/[^/]+/, 'canvasses/{id}')}`
          return (['GET', 'HEAD'] as const).map((method): [string, Request] => [`${method} ${route}`, { method, url: `/api/v1/${path}`, live: ['403'] }])
        }),
      ),
      'POST /api/v1/communities/{id}/canvasses': { method: 'POST', url: `/api/v1/communities/${who.community}/canvasses`, json: { buildingId: b1, question: '死令牌表决' }, live: ['403'] },
      'POST /api/v1/canvasses/{id}/close': { method: 'POST', url: `/api/v1/canvasses/${uuidv7()}/close`, live: ['403'] },
      // One-time answer links: a leader's of its buildings' canvasses; one it cannot see does not exist for it.
      'POST /api/v1/canvasses/{id}/links': { method: 'POST', url: `/api/v1/canvasses/${uuidv7()}/links`, json: { householdId: 'h-x' }, live: ['404'] },
      'GET /api/v1/canvasses/{id}/links': { method: 'GET', url: `/api/v1/canvasses/${uuidv7()}/links`, live: ['404'] },
      'HEAD /api/v1/canvasses/{id}/links': { method: 'HEAD', url: `/api/v1/canvasses/${uuidv7()}/links`, live: ['404'] },
      'POST /api/v1/canvass-links/{linkId}/revoke': { method: 'POST', url: `/api/v1/canvass-links/${uuidv7()}/revoke`, live: ['404'] },
      // Points: the month's ranking, its recognition list and adjustments are the office's.
      ...Object.fromEntries(
        ['points?month=2026-11', 'points/export.xlsx?month=2026-11'].flatMap((path) => {
          const route = `/api/v1/communities/{id}/${path.split('?')[0]!}`
          return (['GET', 'HEAD'] as const).map((method): [string, Request] => [`${method} ${route}`, { method, url: `/api/v1/communities/${who.community}/${path}`, live: ['403'] }])
        }),
      ),
      'POST /api/v1/communities/{id}/points/adjustments': {
        method: 'POST',
        url: `/api/v1/communities/${who.community}/points/adjustments`,
        json: { userId: who.userId, month: '2026-11', points: 5, reason: '死令牌调整' },
        live: ['403'],
      },
      // 老带新: pairing is the office's; a leader fetches what it mentors (none: an empty list).
      ...Object.fromEntries(
        (['GET', 'HEAD'] as const).flatMap((method): Array<[string, Request]> => [
          [`${method} /api/v1/communities/{communityId}/mentorships`, { method, url: `/api/v1/communities/${who.community}/mentorships`, live: ['403'] }],
          [`${method} /api/v1/mentorships/mine`, { method, url: '/api/v1/mentorships/mine' }],
        ]),
      ),
      'POST /api/v1/communities/{communityId}/mentorships': {
        method: 'POST',
        url: `/api/v1/communities/${who.community}/mentorships`,
        json: { mentorId: who.userId, menteeId: 'u-leader1' },
        live: ['403'],
      },
      'POST /api/v1/mentorships/{id}/end': { method: 'POST', url: `/api/v1/mentorships/${PAIRING_OF.get(A)}/end`, live: ['403'] },
      // The audit: the admin's alone.
      'GET /api/v1/audit': { method: 'GET', url: '/api/v1/audit', live: ['403'] },
      'HEAD /api/v1/audit': { method: 'HEAD', url: '/api/v1/audit', live: ['403'] },
    }
    /** What the requests changed. */
    async function effects(): Promise<string[]> {
      const found: string[] = []
      if ((await api.storage.listDevices(who.userId)).find((d) => d.id === spare)?.revokedAt) found.push('revoked a device')
      if (await api.storage.hasAttachment(sha256(photo))) found.push('stored a photo')
      if ((await pullFrom(actor('O1'))).changes.some((c) => report.kind === 'put' && c.id === report.recordId)) found.push('stored a report')
      if (!(await verifyPassword(DEMO_PASSWORD, await api.storage.passwordHashOf(who.userId)))) found.push('changed a password')
      const account = await api.storage.getUser(who.userId)
      if (account?.displayName !== who.displayName || account.mustChangePassword) found.push('changed the account')
      if (account?.buildingIds.length !== who.buildings.length) found.push('changed the buildings')
      if (await api.storage.findUserByUsername('dead-token-made')) found.push('created an account')
      if ((await api.storage.listCommunities()).length !== 2) found.push('created a community')
      if (who.community && (await api.storage.communityDevices(who.community)).find((d) => d.id === deviceId)?.health) found.push('reported health')
      if ((await api.storage.listReference(A, 'campaigns')).length + (await api.storage.listReference(B, 'campaigns')).length > 0) found.push('launched a campaign')
      if ((await api.storage.listReference(A, 'pointAdjustments')).length + (await api.storage.listReference(B, 'pointAdjustments')).length > 0) found.push('adjusted points')
      const pairings = await api.tables().selectFrom('mentorships').select('ended_at').execute()
      if (pairings.length !== 1) found.push('made a pairing')
      if (pairings.some((p) => p.ended_at !== null)) found.push('ended a pairing')
      return found
    }
    return { requests, effects }
  }

  /** Sends every authenticated route with `token`; returns the answers and what the requests changed. */
  async function everyRoute(who: Actor, token: string, deviceId: string) {
    const { requests, effects } = await requestsFor(who, deviceId)
    const answers: Array<{ route: string; answer: Answer; live: string[] }> = []
    for (const route of await authenticatedRoutes()) {
      const request = requests[route]
      if (!request) throw new Error(`No request for the authenticated route ${route}: add one to this test's table`)
      const { method, url, ...options } = request
      const { live = SUCCESS, ...sent } = options
      answers.push({ route, answer: await api.call(method, url, { ...sent, token }), live })
    }
    return { answers, effects: await effects() }
  }

  function expectAllUnauthorized(answers: Array<{ route: string; answer: Answer }>, why: string, error = 'unauthorized'): void {
    expect(answers.length).toBeGreaterThanOrEqual(8)
    for (const { route, answer } of answers) {
      const ok = check(`${route} with ${why}`, ['401'], String(answer.status))
      if (ok && answer.body !== '') expect(answer.json, route).toMatchObject({ error })
      if (ok) expect(answer.headers['www-authenticate'], route).toBe('Bearer')
    }
  }

  it("lets only a community's office and the admin read and manage its accounts; office staff never an admin's", async () => {
    for (const caller of actors.values()) {
      for (const community of [A, B]) {
        const own = caller.role === 'admin' || (caller.role === 'office' && caller.community === community)
        const expected = caller.role === 'leader' ? '403' : own ? '200' : '404'
        for (const what of ['accounts', 'buildings', 'devices']) {
          const answer = await api.call('GET', `/api/v1/communities/${community}/${what}`, { token: caller.token })
          check(`${caller.key} GET ${what} of ${community}`, [expected], String(answer.status))
        }
        const create = await api.call('POST', `/api/v1/communities/${community}/accounts`, {
          token: caller.token,
          // Invalid on purpose (a building of no community): an allowed caller gets 400, and nothing is ever made.
          json: { username: `by-${caller.key.toLowerCase()}`, displayName: '不该有', role: 'leader', buildingIds: ['b-nowhere'] },
        })
        check(`${caller.key} POST an account into ${community}`, [own ? '400' : expected], String(create.status))
      }
      for (const target of actors.values()) {
        const allowed = caller.role === 'admin' || (caller.role === 'office' && target.role !== 'admin' && caller.community === target.community)
        const refused = caller.role === 'leader' || target.role === 'admin' || caller.community === target.community ? '403' : '404'
        // The same name again: allowed, it changes nothing the other tests see.
        const answer = await api.call('PATCH', `/api/v1/accounts/${target.userId}`, { token: caller.token, json: { displayName: target.displayName } })
        check(`${caller.key} PATCH the account of ${target.key}`, [allowed ? '200' : refused], String(answer.status))
      }
    }
    for (const caller of actors.values()) expect(await api.storage.findUserByUsername(`by-${caller.key.toLowerCase()}`)).toBeUndefined()
    expectNoFailures()
  })

  it('answers 401 to a revoked token on every authenticated route, and does nothing', async () => {
    const L2 = actor('L2')
    const lost = await api.login(L2.username)
    const signedOut = await api.login(L2.username)
    expect((await api.call('DELETE', `/api/v1/users/${L2.userId}/devices/${lost.deviceId}?mode=wipe`, { token: actor('O1').token })).status).toBe(204)
    expect((await api.call('POST', '/api/v1/auth/logout', { token: signedOut.token })).status).toBe(204)
    for (const [why, dead, error] of [['a token wiped by the office', lost, 'device_wiped'], ['a token signed out', signedOut, 'unauthorized']] as const) {
      const { answers, effects } = await everyRoute(L2, dead.token, dead.deviceId)
      expectAllUnauthorized(answers, why, error)
      expect(effects, why).toEqual([])
    }
    // The same requests with a live token of the same user all succeed: the token was the only reason.
    const live = await api.login(L2.username)
    const control = await everyRoute(L2, live.token, live.deviceId)
    for (const { route, answer, live } of control.answers) check(`${route} with a live token`, live, String(answer.status))
    expect(control.effects).toEqual(['revoked a device', 'stored a photo', 'stored a report', 'reported health'])
    expectNoFailures()
  })

  it('answers a phone the office signed out only on the routes of its last push (photos, records)', async () => {
    const L2 = actor('L2')
    const phone = await api.login(L2.username)
    expect((await api.call('DELETE', `/api/v1/users/${L2.userId}/devices/${phone.deviceId}?mode=sign_out`, { token: actor('O1').token })).status).toBe(204)
    const { answers, effects } = await everyRoute(L2, phone.token, phone.deviceId)
    const finalPush = new Set(['POST /api/v1/sync/push', 'PUT /api/v1/attachments/{sha256}', 'POST /api/v1/attachments/missing'])
    expect(answers.filter(({ route }) => finalPush.has(route)).map(({ route }) => route).sort()).toEqual([...finalPush].sort())
    for (const { route, answer, live } of answers.filter(({ route }) => finalPush.has(route))) check(`${route} of a signed-out phone`, live, String(answer.status))
    expectAllUnauthorized(answers.filter(({ route }) => !finalPush.has(route)), 'a phone the office signed out', 'device_signed_out')
    expect(effects).toEqual(['stored a photo', 'stored a report'])
    expectNoFailures()
  })

  it('answers 401 to a disabled account on every authenticated route and on sign-in, as to a wrong password', async () => {
    const LB = actor('LB')
    const login = (password: string) => api.call('POST', '/api/v1/auth/login', { json: { username: LB.username, password, deviceName: 'LB phone' } })
    const wrong = await login('not-the-password')
    await api.storage.updateUser(LB.userId, { disabled: true })
    const disabled = await login(DEMO_PASSWORD)
    check('sign-in of a disabled account', ['401'], String(disabled.status))
    expect(disabled.body).toBe(wrong.body)
    const { answers, effects } = await everyRoute(LB, LB.token, LB.deviceId)
    expectAllUnauthorized(answers, 'a disabled account')
    expect(effects).toEqual([])

    await api.storage.updateUser(LB.userId, { disabled: false })
    const control = await everyRoute(LB, LB.token, LB.deviceId)
    for (const { route, answer, live } of control.answers) check(`${route} once enabled again`, live, String(answer.status))
    expectNoFailures()
  })

  it('throttles sign-in per account at an address and per address across accounts, with 429 and Retry-After', async () => {
    now += window + 1
    /** A sign-in from `address`, claiming to be forwarded for another one: the server trusts no proxy by default. */
    async function loginFrom(address: string, username: string, password: string): Promise<Answer> {
      const response = await api.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress: address,
        headers: { 'content-type': 'application/json', 'x-forwarded-for': `192.0.2.${randomBytes(1)[0]}` },
        payload: JSON.stringify({ username, password, deviceName: 'throttle test' }),
      })
      const body = response.body
      const answer: Answer = { status: response.statusCode, headers: response.headers, body, json: body ? JSON.parse(body) : undefined }
      expectSafeAnswer(answer, `login ${username} from ${address}`)
      return answer
    }
    function expectThrottled(answer: Answer, what: string): void {
      check(what, ['429'], String(answer.status))
      expect(answer.json, what).toMatchObject({ error: 'too_many_requests' })
      const retryAfter = Number(answer.headers['retry-after'])
      expect(retryAfter, what).toBeGreaterThan(0)
      expect(retryAfter, what).toBeLessThanOrEqual(window / 1000)
    }

    // One account guessed at from one address, in any letter case: the account is throttled there, even with the
    // right password, and only there: its owner signs in from another address.
    for (const [i, username] of ['leaderb', 'LeaderB', 'LEADERB'].entries()) {
      check(`guess ${username} from 10.0.1.1`, ['401'], String((await loginFrom('10.0.1.1', username, `guess-${i}`)).status))
    }
    expectThrottled(await loginFrom('10.0.1.1', 'leaderb', DEMO_PASSWORD), 'leaderb from the guessing address')
    check('leaderb from another address', ['200'], String((await loginFrom('10.0.1.9', 'leaderb', DEMO_PASSWORD)).status))
    check('another account from the guessing address', ['200'], String((await loginFrom('10.0.1.1', 'office2', DEMO_PASSWORD)).status))

    // One address trying many accounts: the address is throttled, even for a real account and password.
    const sprayed = ['leader1', 'leader2', 'admin1', 'office2', 'nobody-1', 'nobody-2']
    for (const username of sprayed) check(`spray ${username} from 10.0.2.1`, ['401'], String((await loginFrom('10.0.2.1', username, 'guess')).status))
    expectThrottled(await loginFrom('10.0.2.1', 'office1', DEMO_PASSWORD), 'office1 from the spraying address')
    check('office1 from another address', ['200'], String((await loginFrom('10.0.2.2', 'office1', DEMO_PASSWORD)).status))

    now += window + 1
    check('leaderb from the guessing address after the wait', ['200'], String((await loginFrom('10.0.1.1', 'leaderb', DEMO_PASSWORD)).status))
    check('the spraying address after the window', ['200'], String((await loginFrom('10.0.2.1', 'office1', DEMO_PASSWORD)).status))
    expectNoFailures()
  })
})
