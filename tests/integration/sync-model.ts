import { isDeepStrictEqual } from 'node:util'
import fc from 'fast-check'
import { expect } from 'vitest'
import type { SyncedRecord } from '@/app/db/database'
import { ReportLockedError } from '@/app/db/errors'
import { InvalidTransitionError } from '@/app/db/issues'
import { allowedTransitions, ISSUE_STATUSES, IssueFields, reporterMayEdit, uuidv7, type IssueReport, type IssueStatus, type RecordTable } from '@/domain'
import { inspectionFields, issueFields, visitFields } from '../fixtures'
import { incoming } from '../fixtures/mutations'
import type { Storage } from '@/server/storage/types'
import { newIssue, type TestApi } from './api'
import { createNetwork, FAULTS, seededRandom, type Fault, type Forward, type Network } from './network'
import { expectConverged, openPhone, provisionCommunity, registerDevice, syncAllCleanly, type ConvergenceCheck, type Phone, type TestCommunity } from './phones'

/*
 * Model-based fuzzing of sync: random create / edit / delete of visits, issue reports and inspections on two
 * leaders' phones (one building each and one they share), status moves (allowed and not) and assignments
 * from the office's phone, leaders resubmitting returned reports, comments from all three, and syncs — alone or all at once, each with random
 * faults from the network (./network.ts). Each command's local outcome is checked as it runs; after the
 * faults stop and every phone has synced cleanly, expectConverged checks what must always hold: nothing
 * lost, nothing twice, every phone equal to the server, cursors never backwards, no queue stuck. Leaders
 * also try what the server refuses (editing the other's record, moving a status), and the office sends
 * moves the graph refuses, so that refusals are part of the model too.
 *
 * Each run is small (at most 12 commands) and gets a community, users and phones of its own on the server
 * under test: one per engine reached through inject (sync-model.test.ts), or two server processes behind
 * HAProxy (cluster.test.ts). DOORSTEP_FUZZ_SEED sets the seed (printed, so that a failure can be replayed).
 */

const SEED = Number(process.env.DOORSTEP_FUZZ_SEED ?? 20261120)
const MAX_COMMANDS = 12

/** 0 and 1 are the leaders' phones, 2 the office's. */
type Who = 0 | 1 | 2
type Faults = Array<Fault | null>

type Command =
  | { op: 'create'; who: 0 | 1; table: RecordTable; shared: boolean; n: number }
  | { op: 'edit'; who: 0 | 1; table: RecordTable; pick: number; n: number }
  | { op: 'delete'; who: 0 | 1; table: RecordTable; pick: number }
  /** A move the graph refuses is refused on the phone; `force` queues it anyway (an outdated app), for the server to refuse. */
  | { op: 'status'; who: Who; pick: number; to: IssueStatus; force: boolean }
  | { op: 'comment'; who: Who; pick: number; n: number }
  /** A leader fixes a returned report and sends it back; any other report is refused on the phone. */
  | { op: 'resubmit'; who: 0 | 1; pick: number; n: number }
  | { op: 'assign'; pick: number; to: 'office' | 'leader' | null }
  /** `only`: the faults hit only pushes (which happen only when changes wait), or any request. */
  | { op: 'sync'; who: Who; faults: Faults; only?: 'push' }
  /** Every phone at once, requests reordered by jitter, each phone with its own faults. */
  | { op: 'syncAll'; faults: [Faults, Faults, Faults] }
  | { op: 'deliverLate' }
  | { op: 'restart' }

const leader = fc.constantFrom<0 | 1>(0, 1)
const anyone = fc.constantFrom<Who>(0, 1, 2)
// Issue reports meet the office's moves and comments: more of them.
const table = fc.constantFrom<RecordTable>('visits', 'issues', 'issues', 'inspections')
const pick = fc.nat(20)
const n = fc.nat(99)
const faults: fc.Arbitrary<Faults> = fc.oneof(
  { arbitrary: fc.constant<Faults>([]), weight: 2 },
  { arbitrary: fc.array(fc.option(fc.constantFrom(...FAULTS), { nil: null }), { minLength: 1, maxLength: 3 }), weight: 3 },
)

const command: fc.Arbitrary<Command> = fc.oneof(
  { arbitrary: fc.record({ op: fc.constant('create' as const), who: leader, table, shared: fc.boolean(), n }), weight: 25 },
  { arbitrary: fc.record({ op: fc.constant('edit' as const), who: leader, table, pick, n }), weight: 15 },
  { arbitrary: fc.record({ op: fc.constant('delete' as const), who: leader, table, pick }), weight: 5 },
  {
    arbitrary: fc.record({ op: fc.constant('status' as const), who: fc.constantFrom<Who>(2, 2, 2, 0, 1), pick, to: fc.constantFrom(...ISSUE_STATUSES), force: fc.boolean() }),
    weight: 15,
  },
  { arbitrary: fc.record({ op: fc.constant('comment' as const), who: anyone, pick, n }), weight: 10 },
  { arbitrary: fc.record({ op: fc.constant('resubmit' as const), who: leader, pick, n }), weight: 5 },
  { arbitrary: fc.record({ op: fc.constant('assign' as const), pick, to: fc.constantFrom('office' as const, 'leader' as const, null) }), weight: 5 },
  { arbitrary: fc.record({ op: fc.constant('sync' as const), who: anyone, faults, only: fc.constantFrom<'push' | undefined>('push', undefined) }), weight: 25 },
  { arbitrary: fc.record({ op: fc.constant('syncAll' as const), faults: fc.tuple(faults, faults, faults) }), weight: 5 },
  { arbitrary: fc.constant({ op: 'deliverLate' as const }), weight: 5 },
  { arbitrary: fc.constant({ op: 'restart' as const }), weight: 1 },
)

/** What the runs of one engine went through, so that the log shows the faults and refusals were really met. */
function tally(seen: Map<string, number>, network: Network, phones: Phone[]): void {
  const add = (key: string, count = 1) => seen.set(key, (seen.get(key) ?? 0) + count)
  for (const [fault, count] of Object.entries(network.fired)) add(`fault ${fault}`, count)
  for (const phone of phones) {
    for (const answers of phone.link.answers.values()) for (const answer of answers) add(`answer ${answer.status === 'rejected' ? `rejected ${answer.code}` : answer.status}`)
  }
}

/** The phone's live (not deleted) records of `table`, in a stable order, so that `pick` names one. */
async function live(phone: Phone, table: RecordTable): Promise<SyncedRecord[]> {
  const records = await phone.db.table<SyncedRecord, string>(table).toArray()
  return records.filter((r) => !r.deletedAt).sort((a, b) => (a.id < b.id ? -1 : 1))
}

async function chosen<T extends SyncedRecord>(phone: Phone, table: RecordTable, index: number): Promise<T | undefined> {
  const records = await live(phone, table)
  return records.length ? (records[index % records.length] as T) : undefined
}

/** Runs one command, checking what it must do on the phone. */
async function run(command: Command, world: { network: Network; phones: Phone[]; community: TestCommunity }): Promise<void> {
  const { network, phones, community } = world
  const queued = (phone: Phone) => phone.db.outbox.count()
  switch (command.op) {
    case 'create': {
      const phone = phones[command.who]!
      const buildingId = command.shared ? community.buildings.shared : command.who === 0 ? community.buildings.a : community.buildings.b
      const before = await queued(phone)
      if (command.table === 'visits') {
        const fields = visitFields({ buildingId, householdId: community.households[buildingId]!, residentIds: [], outcome: `第${command.n}户` })
        await phone.repos.visits.create(fields, phone.author)
      } else if (command.table === 'issues') {
        await phone.repos.issues.create(issueFields({ buildingId, householdId: null, description: `问题${command.n}` }), phone.author)
      } else {
        const fields = inspectionFields({ buildingId, templateId: community.template.id, templateVersion: community.template.version })
        await phone.repos.inspections.create(fields, phone.author)
      }
      expect(await queued(phone)).toBe(before + 1)
      return
    }
    case 'edit': {
      const phone = phones[command.who]!
      const record = await chosen(phone, command.table, command.pick)
      if (!record) return
      const before = await queued(phone)
      let patch: Record<string, unknown>
      // Different fields, so that one phone's edit merges with another's rather than always meeting it.
      if (command.table === 'visits') patch = [{ outcome: `改${command.n}` }, { needs: `需${command.n}` }, { othersMet: `见${command.n}` }][command.n % 3]!
      else if (command.table === 'issues') patch = { description: `改${command.n}`, urgency: command.n % 2 ? 'low' : 'urgent' }
      else {
        const answer = { result: (['pass', 'fail', 'na'] as const)[command.n % 3]!, note: `记${command.n}`, photos: [] }
        patch = { answers: { [community.template.itemId]: answer }, completedAt: command.n % 2 ? `2026-11-20T04:${String(command.n % 60).padStart(2, '0')}:00.000Z` : null }
      }
      // A report the phone knows the office has taken on is refused there, before anything is queued.
      if (command.table === 'issues' && !reporterMayEdit((record as IssueReport).status)) {
        await expect(phone.repos.issues.update(record.id, patch)).rejects.toBeInstanceOf(ReportLockedError)
        expect(await queued(phone)).toBe(before)
        return
      }
      const saved = await phone.repos[command.table].update(record.id, patch)
      // A save that changes nothing is no change: nothing queued, the record as it was.
      const changes = Object.entries(patch).some(([field, value]) => !isDeepStrictEqual((record as unknown as Record<string, unknown>)[field], value))
      expect(await queued(phone)).toBe(before + (changes ? 1 : 0))
      if (!changes) expect(saved).toEqual(record)
      return
    }
    case 'delete': {
      const phone = phones[command.who]!
      const record = await chosen(phone, command.table, command.pick)
      if (!record) return
      const before = await queued(phone)
      await phone.repos[command.table].remove(record.id)
      expect((await phone.db.table<SyncedRecord, string>(command.table).get(record.id))?.deletedAt).not.toBeNull()
      expect(await queued(phone)).toBe(before + 1)
      return
    }
    case 'status': {
      const phone = phones[command.who]!
      const report = await chosen<IssueReport>(phone, 'issues', command.pick)
      if (!report) return
      const before = await queued(phone)
      if (allowedTransitions(report.status).includes(command.to)) {
        const moved = await phone.repos.issues.changeStatus(report.id, command.to, '处理中', phone.author)
        expect(moved.status).toBe(command.to)
        expect(await queued(phone)).toBe(before + 1)
        return
      }
      await expect(phone.repos.issues.changeStatus(report.id, command.to, '', phone.author)).rejects.toBeInstanceOf(InvalidTransitionError)
      expect(await queued(phone)).toBe(before)
      expect((await phone.db.issues.get(report.id))?.status).toBe(report.status)
      if (command.force) {
        const change = { kind: 'issue.status' as const, eventId: uuidv7(), to: command.to, note: '' }
        await phone.db.outbox.add({ mutationId: uuidv7(), table: 'issues', recordId: report.id, baseRev: report.rev, change, record: report, createdAt: new Date().toISOString() })
      }
      return
    }
    case 'comment': {
      const phone = phones[command.who]!
      const report = await chosen<IssueReport>(phone, 'issues', command.pick)
      if (!report) return
      const commented = await phone.repos.issues.comment(report.id, `评论${command.n}`, phone.author)
      expect(commented.events).toHaveLength(report.events.length + 1)
      return
    }
    case 'resubmit': {
      const phone = phones[command.who]!
      const report = await chosen<IssueReport>(phone, 'issues', command.pick)
      if (!report) return
      const before = await queued(phone)
      const fields = { ...IssueFields.parse(report), description: `重报${command.n}` }
      if (report.status === 'rejected') {
        const sent = await phone.repos.issues.resubmit(report.id, fields, `补充${command.n}`, phone.author)
        expect(sent.status).toBe('submitted')
        expect(await queued(phone)).toBe(before + (report.description === fields.description ? 1 : 2))
        return
      }
      await expect(phone.repos.issues.resubmit(report.id, fields, '', phone.author)).rejects.toBeInstanceOf(InvalidTransitionError)
      expect(await queued(phone)).toBe(before)
      expect(await phone.db.issues.get(report.id)).toEqual(report)
      return
    }
    case 'assign': {
      const phone = phones[2]!
      const report = await chosen<IssueReport>(phone, 'issues', command.pick)
      if (!report) return
      const assignee = command.to === 'office' ? community.users.office.id : command.to === 'leader' ? community.users.leader1.id : null
      const before = await queued(phone)
      await phone.repos.issues.assign(report.id, assignee, phone.author)
      expect(await queued(phone)).toBe(before + (assignee === report.assignee ? 0 : 1))
      return
    }
    case 'sync': {
      const phone = phones[command.who]!
      phone.link.schedule(command.faults, command.only)
      const outcome = await phone.engine.sync()
      phone.link.schedule([])
      // Without a fault, a sync succeeds: nothing a fault left behind may block the queue.
      if (!command.faults.some(Boolean)) expect(outcome, phone.name).toMatchObject({ status: 'done' })
      return
    }
    case 'syncAll': {
      network.jitter = true
      phones.forEach((phone, i) => phone.link.schedule(command.faults[i]!))
      await Promise.all(phones.map((phone) => phone.engine.sync()))
      for (const phone of phones) phone.link.schedule([])
      network.jitter = false
      return
    }
    case 'deliverLate':
      return network.deliverLate()
    case 'restart':
      return network.restart()
  }
}

/**
 * An issue report leader 1 made in the shared building on an earlier phone, on the server before the run:
 * every phone gets it with its first pull, so that even short runs move, comment, edit and delete a report
 * the others see too.
 */
async function reportFromAnotherPhone(storage: Storage, community: TestCommunity): Promise<string[]> {
  const { leader1 } = community.users
  const earlier = await registerDevice(storage, leader1)
  const put = newIssue({ buildingId: community.buildings.shared, householdId: null })
  const principal = { userId: leader1.id, deviceId: earlier.deviceId, role: leader1.role, communityId: community.id, buildingIds: leader1.buildingIds }
  expect(await storage.push(principal, incoming(put), new Date())).toMatchObject([{ status: 'applied' }])
  return [put.recordId]
}

/**
 * A server the model's phones sync with: in this process (sync-model.test.ts) or a cluster (cluster.test.ts).
 * `storage` is the database it uses (communities and devices are made straight in it); `restart` is what a
 * 'restart' command and a 'crash' fault do to it.
 */
export type ModelServer = Pick<TestApi, 'storage' | 'restart'> & ConvergenceCheck

/**
 * Runs the model `runs` times against `server`, whose phones' requests go through `forward` (seeded: SEED),
 * each run with a community and phones of its own; `label` names the server in what is logged.
 */
export async function checkSyncModel(server: ModelServer, forward: Forward, runs: number, label: string): Promise<void> {
  const started = performance.now()
  const cpu = process.cpuUsage()
  const seen = new Map<string, number>()
  let ran = 0
  const property = fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: MAX_COMMANDS }), fc.nat(), async (commands, seed) => {
    ran++
    const network = createNetwork({ forward, restart: () => server.restart(), random: seededRandom(seed) })
    const community = await provisionCommunity(server.storage)
    const { leader1, leader2, office } = community.users
    const existing = await reportFromAnotherPhone(server.storage, community)
    const phones: Phone[] = []
    try {
      for (const user of [leader1, leader2, office]) phones.push(await openPhone(network, await registerDevice(server.storage, user)))
      // As after the first pull at the community office: a phone starts inspections only from templates it has.
      await Promise.all(phones.map((phone) => phone.db.templates.put(community.template.record)))
      for (const command of commands) await run(command, { network, phones, community })
      await network.calm()
      await syncAllCleanly(phones)
      await expectConverged(server, phones, { existing })
      tally(seen, network, phones)
    } finally {
      await network.calm()
      await Promise.all(phones.map((phone) => phone.close()))
    }
  })
  console.log(`sync model on ${label}: ${runs} runs, seed ${SEED} (DOORSTEP_FUZZ_SEED=${SEED} replays them)`)
  await fc.assert(property, { numRuns: runs, seed: SEED })
  console.log(`sync model on ${label}, faults and answers met: ${[...seen].map(([key, count]) => `${key} ${count}`).join(', ')}`)
  const { user, system } = process.cpuUsage(cpu)
  const seconds = (performance.now() - started) / 1000
  console.log(`sync model on ${label}: ${ran} runs in ${seconds.toFixed(1)} s (${((seconds * 1000) / runs).toFixed(0)} ms a run; ${((user + system) / 1e6).toFixed(1)} s of CPU here)`)
}
