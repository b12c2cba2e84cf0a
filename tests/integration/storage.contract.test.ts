import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest'
import { IssueReport, uuidv7, type AttachmentMeta, type Change, type Mutation, type MutationResult } from '@/domain'
import { demoBuildings, demoHouseholds, demoResidents, demoTemplates } from '@/domain/demo'
import { countAttempt } from '@/server/auth/throttle'
import { seedDemo } from '@/server/seed'
import { openPostgresStorage } from '@/server/storage/postgres'
import { openSqliteStorage } from '@/server/storage/sqlite'
import type { IncomingMutation, MemberPrincipal, Principal, Storage } from '@/server/storage/types'
import { issueFields, visitFields } from '../fixtures'
import { mentorNoteFields, mentorship } from '../fixtures/mentorship'
import { incoming, mutation } from '../fixtures/mutations'
import { createTestDatabase } from './postgres'

/**
 * The storage contract: every behaviour the sync server relies on, run against both engines. PostgreSQL
 * gets a fresh database per test in the cluster that tests/integration/postgres.ts starts.
 */

interface Engine {
  name: 'sqlite' | 'postgres'
  /**
   * A new, empty storage (not yet migrated), how to open a second connection to the same database, and the
   * attachment files on disk (none where the bytes live in the database).
   */
  create(): Promise<{ storage: Storage; reopen: () => Storage; cleanup: () => Promise<void>; blobFiles: () => Promise<string[]> }>
}

const postgresUrl = inject('postgresUrl')

const engines: Engine[] = [
  {
    name: 'sqlite',
    async create() {
      const dataDir = await mkdtemp(join(tmpdir(), 'doorstep-storage-'))
      return {
        storage: openSqliteStorage({ dataDir }),
        reopen: () => openSqliteStorage({ dataDir }),
        cleanup: () => rm(dataDir, { recursive: true, force: true }),
        blobFiles: () => readdir(join(dataDir, 'attachments')),
      }
    },
  },
  {
    name: 'postgres',
    async create() {
      const url = await createTestDatabase(postgresUrl)
      return { storage: openPostgresStorage({ url }), reopen: () => openPostgresStorage({ url }), cleanup: async () => {}, blobFiles: async () => [] }
    },
  },
]

const now = new Date('2026-11-20T08:00:00.000Z')
const [b1, b2, b3] = demoBuildings.map((b) => b.id) as [string, string, string]

/** The principal of a community's user (every user of these tests has one). */
async function principalOf(storage: Storage, username: string, deviceId = `d-${username}`): Promise<MemberPrincipal> {
  const user = await storage.findUserByUsername(username)
  if (!user?.communityId) throw new Error(`no user ${username} of a community`)
  return { userId: user.id, deviceId, role: user.role, communityId: user.communityId, buildingIds: user.buildingIds }
}

/** Every change the principal may see after `afterRev`, page by page, checking that revisions only go up. */
async function pullAll(storage: Storage, principal: Principal, afterRev = 0, limit = 50): Promise<{ changes: Change[]; lastRev: number }> {
  const changes: Change[] = []
  let cursor = afterRev
  for (;;) {
    const page = await storage.pull(principal, cursor, limit)
    expect(page.changes.length).toBeLessThanOrEqual(limit)
    for (const change of page.changes) {
      expect(change.rev).toBeGreaterThan(cursor)
      cursor = change.rev
    }
    expect(page.lastRev).toBe(cursor)
    changes.push(...page.changes)
    if (!page.hasMore) return { changes, lastRev: cursor }
  }
}

function newVisit(overrides: Parameters<typeof visitFields>[0] = {}): Mutation {
  return mutation.put('visits', uuidv7(), { ...visitFields(overrides), createdAt: '2026-11-20T02:00:00.000Z' })
}

function newIssue(overrides: Parameters<typeof issueFields>[0] = {}): Mutation {
  return mutation.put('issues', uuidv7(), { ...issueFields(overrides), createdAt: '2026-11-20T02:00:00.000Z' })
}

function recordId(m: Mutation): string {
  if (!('recordId' in m)) throw new Error('mutation names no record')
  return m.recordId
}

function revOf(result: MutationResult | undefined): number {
  if (!result || !('rev' in result) || result.rev === null) throw new Error(`no revision in ${JSON.stringify(result)}`)
  return result.rev
}

for (const engine of engines) {
  describe.skipIf(engine.name === 'postgres' && !postgresUrl)(`storage contract (${engine.name})`, () => {
    let storage: Storage
    let reopen: () => Storage
    let cleanup: () => Promise<void>
    let blobFiles: () => Promise<string[]>
    let leader1: MemberPrincipal
    let leader2: MemberPrincipal
    let office1: MemberPrincipal
    const opened: Storage[] = []

    /** A second connection to the same database, closed after the test. */
    function another(): Storage {
      const s = reopen()
      opened.push(s)
      return s
    }

    beforeEach(async () => {
      ;({ storage, reopen, cleanup, blobFiles } = await engine.create())
      await storage.migrate()
      await seedDemo(storage)
      await storage.createUser({
        id: 'u-leader2',
        username: 'leader2',
        displayName: '第二位楼长',
        role: 'leader',
        communityId: 'c-nanmen',
        buildingIds: [b3],
        passwordHash: 'not-a-real-hash',
      })
      leader1 = await principalOf(storage, 'leader1')
      leader2 = await principalOf(storage, 'leader2')
      office1 = await principalOf(storage, 'office1')
    })

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()))
      await storage.close()
      await cleanup()
    })

    describe('migrations', () => {
      it('run again and from a second connection without changing anything', async () => {
        await storage.migrate()
        const second = another()
        await second.migrate()
        expect(await second.isEmpty()).toBe(false)
        expect(await second.getUser('u-leader1')).toMatchObject({ username: 'leader1' })
      })

      it('leave a new database empty', async () => {
        const fresh = await engine.create()
        try {
          await fresh.storage.migrate()
          expect(await fresh.storage.isEmpty()).toBe(true)
          expect(await fresh.storage.pull(office1, 0, 10)).toEqual({ changes: [], lastRev: 0, hasMore: false })
        } finally {
          await fresh.storage.close()
          await fresh.cleanup()
        }
      })

      // Many stateless servers share one PostgreSQL database; SQLite has one server process. (Tests that do
      // not apply to an engine are left out rather than skipped: CI counts a skip as a failure.)
      if (engine.name === 'postgres') {
        it('may run from several servers starting at once', async () => {
          const fresh = await engine.create()
          const servers = [fresh.storage, fresh.reopen(), fresh.reopen()]
          try {
            await Promise.all(servers.map((s) => s.migrate()))
            expect(await fresh.storage.isEmpty()).toBe(true)
          } finally {
            await Promise.all(servers.map((s) => s.close()))
          }
        })
      }
    })

    describe('users and devices', () => {
      it('stores users with their buildings, and reassigns and disables them', async () => {
        const found = await storage.findUserByUsername('leader1')
        expect(found).toMatchObject({ id: 'u-leader1', role: 'leader', communityId: 'c-nanmen', buildingIds: [b1, b2].sort(), disabled: false })
        expect(found?.passwordHash).toMatch(/^scrypt\$/)
        expect(await storage.findUserByUsername('nobody')).toBeUndefined()
        await storage.assignBuildings('u-leader1', [b3, b3])
        await storage.updateUser('u-leader1', { disabled: true })
        expect(await storage.getUser('u-leader1')).toMatchObject({ buildingIds: [b3], disabled: true })
        await storage.assignBuildings('u-leader1', [])
        expect(await storage.getUser('u-leader1')).toMatchObject({ buildingIds: [] })
      })

      it('refuses a second user with the same username', async () => {
        const again = { id: 'u-other', username: 'leader1', displayName: 'x', role: 'leader' as const, communityId: 'c-nanmen', buildingIds: [], passwordHash: 'x' }
        await expect(storage.createUser(again)).rejects.toThrow()
      })

      it('finds a device by its token hash, lists, touches and revokes it, and keeps its recovery key', async () => {
        const tokenHash = createHash('sha256').update('token-1').digest('base64url')
        const { recoveryKey, ...device } = await storage.createDevice({ id: 'd-1', userId: 'u-leader1', name: '红米手机', tokenHash, at: now.toISOString() })
        expect(device).toEqual({ id: 'd-1', userId: 'u-leader1', name: '红米手机', createdAt: now.toISOString(), lastSeenAt: null, revokedAt: null })
        expect(recoveryKey).toMatch(/^[A-Za-z0-9_-]{43}$/)
        expect(await storage.recoveryKeyOf('d-1')).toBe(recoveryKey)
        expect(await storage.recoveryKeyOf('d-unknown')).toBeUndefined()
        const found = await storage.findDeviceByTokenHash(tokenHash)
        expect(found?.device).toMatchObject({ id: 'd-1', tokenHash })
        expect(found?.user).toMatchObject({ id: 'u-leader1', buildingIds: [b1, b2].sort() })
        expect(await storage.findDeviceByTokenHash('unknown')).toBeUndefined()
        await expect(storage.createDevice({ id: 'd-2', userId: 'u-leader1', name: 'x', tokenHash, at: now.toISOString() })).rejects.toThrow()

        await storage.touchDevice('d-1', '2026-11-20T09:00:00.000Z')
        await storage.revokeDevice('d-1', '2026-11-20T10:00:00.000Z')
        await storage.revokeDevice('d-1', '2026-11-21T10:00:00.000Z')
        expect(await storage.listDevices('u-leader1')).toEqual([
          { ...device, lastSeenAt: '2026-11-20T09:00:00.000Z', revokedAt: '2026-11-20T10:00:00.000Z' },
        ])
        expect((await storage.findDeviceByTokenHash(tokenHash))?.device.revokedAt).toBe('2026-11-20T10:00:00.000Z')
      })
    })

    describe('push', () => {
      it('applies each mutation once: a retried batch is answered duplicate and applies nothing again', async () => {
        const { lastRev: before } = await pullAll(storage, office1)
        const visit = newVisit()
        const issue = newIssue()
        const first = await storage.push(leader1, incoming(visit, issue), now)
        expect(first.map((r) => r.status)).toEqual(['applied', 'applied'])
        expect(revOf(first[1])).toBe(revOf(first[0]) + 1)

        const retried = await storage.push(leader1, incoming(visit, issue), now)
        // The stamps come again: the device whose first answer was lost settles the record from them.
        const stamps = first.map((r) => (r.status === 'applied' ? r.stamps : undefined))
        expect(stamps).toEqual([expect.objectContaining({ createdBy: 'u-leader1' }), expect.objectContaining({ status: 'submitted' })])
        expect(retried).toEqual(first.map((r, i) => ({ mutationId: r.mutationId, status: 'duplicate', rev: revOf(r), stamps: stamps[i] })))
        const { changes } = await pullAll(storage, office1, before)
        expect(changes.map((c) => [c.table, c.id, c.rev])).toEqual([
          ['visits', recordId(visit), revOf(first[0])],
          ['issues', recordId(issue), revOf(first[1])],
        ])
      })

      it('answers a mutation repeated within one batch as duplicate', async () => {
        const visit = newVisit()
        const results = await storage.push(leader1, incoming(visit, visit), now)
        expect(results.map((r) => r.status)).toEqual(['applied', 'duplicate'])
      })

      it('answers a rejected mutation alone and applies the ones after it; a retry of it stays rejected', async () => {
        const bad = newVisit({ buildingId: b3 })
        const good = newVisit()
        const malformed: IncomingMutation = { ok: false, mutationId: 'garbage', message: 'Not a valid mutation' }
        const results = await storage.push(leader1, [malformed, ...incoming(bad, good)], now)
        expect(results).toMatchObject([
          { mutationId: 'garbage', status: 'rejected', code: 'invalid' },
          { mutationId: bad.mutationId, status: 'rejected', code: 'forbidden' },
          { mutationId: good.mutationId, status: 'applied' },
        ])
        // The same refusal again, not a bare duplicate: a device whose first answer was lost must still see it.
        expect(await storage.push(leader1, incoming(bad), now)).toEqual([results[1]])
        const ids = (await pullAll(storage, office1)).changes.map((c) => c.id)
        expect(ids).toContain(recordId(good))
        expect(ids).not.toContain(recordId(bad))
      })

      it('keeps both values when two devices change the same field, until one settles it', async () => {
        const visit = newVisit()
        const base = revOf((await storage.push(leader1, incoming(visit), now))[0])
        const tablet = { ...leader1, deviceId: 'd-tablet' }
        await storage.push(leader1, incoming(mutation.put('visits', recordId(visit), { needs: '手机' }, base)), now)
        const lost = mutation.put('visits', recordId(visit), { needs: '平板', outcome: '平板的结果' }, base)
        const [answer] = await storage.push(tablet, incoming(lost), now)
        expect(answer).toMatchObject({ status: 'conflict', conflicts: [{ field: 'needs', value: '平板', mutationId: lost.mutationId, by: 'u-leader1' }] })
        // The same conflict again, not a bare duplicate: a tablet whose first answer was lost must still learn its value lost.
        expect(await storage.push(tablet, incoming(lost), now)).toEqual([answer])

        const { changes } = await pullAll(storage, leader1, base)
        expect(changes).toHaveLength(1)
        expect(changes[0]!.record).toMatchObject({ needs: '手机', outcome: '平板的结果', rev: revOf(answer), conflicts: [{ field: 'needs', value: '平板' }] })

        const settle = mutation.put('visits', recordId(visit), { needs: '平板' }, revOf(answer))
        await storage.push(tablet, incoming(settle), now)
        const settled = (await pullAll(storage, leader1, revOf(answer))).changes[0]!.record
        expect(settled).toMatchObject({ needs: '平板', conflicts: [] })
      })

      it('moves an issue along the status graph with events, comments and assignment, and refuses other moves', async () => {
        const issue = newIssue()
        await storage.push(leader1, incoming(issue), now)
        const id = recordId(issue)
        const results = await storage.push(
          office1,
          incoming(
            mutation.status(id, 'accepted', '已通知物业'),
            mutation.status(id, 'closed'),
            mutation.assign(id, 'u-office1'),
            mutation.assign(id, 'u-leader2'),
            mutation.status(id, 'in_progress'),
          ),
          now,
        )
        expect(results.map((r) => (r.status === 'rejected' ? r.code : r.status))).toEqual([
          'applied',
          'invalid_transition',
          'applied',
          'invalid',
          'applied',
        ])
        const leaderResults = await storage.push(leader1, incoming(mutation.status(id, 'resolved'), mutation.comment(id, '谢谢')), now)
        expect(leaderResults.map((r) => r.status)).toEqual(['rejected', 'applied'])

        const { changes } = await pullAll(storage, leader1)
        const report = IssueReport.parse(changes.find((c) => c.id === id)!.record)
        expect(report).toMatchObject({ status: 'in_progress', assignee: 'u-office1' })
        expect(report.events.map((e) => (e.type === 'status' ? `${e.from}→${e.to}` : e.text))).toEqual([
          'submitted→accepted',
          'accepted→in_progress',
          '谢谢',
        ])
      })

      it('publishes a new template version, never an older or equal one', async () => {
        const template = demoTemplates[0]!
        const results = await storage.push(
          office1,
          incoming(mutation.publish({ ...template, version: 2, title: '新版' }), mutation.publish({ ...template, version: 2, title: '又一版' })),
          now,
        )
        expect(results.map((r) => (r.status === 'rejected' ? r.code : r.status))).toEqual(['applied', 'stale_template'])
        const { changes } = await pullAll(storage, leader1, revOf(results[0]) - 1)
        expect(changes).toEqual([{ table: 'templates', id: `${template.id}@2`, rev: revOf(results[0]), record: { ...template, version: 2, title: '新版' } }])
      })

      it("checks an edit's residents against the household of the stored record when the put names none", async () => {
        const visit = newVisit()
        const fields = visit.kind === 'put' ? visit.fields : {}
        const home = String(fields.householdId)
        const [created] = await storage.push(leader1, incoming(visit), now)
        const stranger = demoResidents.find((r) => r.householdId !== home && demoHouseholds.some((h) => h.id === r.householdId && h.buildingId === fields.buildingId))!
        const housemate = demoResidents.filter((r) => r.householdId === home).at(-1)!
        const edit = (residentIds: string[]) => mutation.put('visits', recordId(visit), { residentIds }, revOf(created))
        const results = await storage.push(leader1, incoming(edit([stranger.id]), edit([housemate.id])), now)
        expect(results.map((r) => (r.status === 'rejected' ? r.message : r.status))).toEqual(['A resident named does not live in this household', 'applied'])
      })
    })

    describe('pull', () => {
      it('carries the reference data as domain records, in revision order, page by page', async () => {
        const { changes } = await pullAll(storage, office1, 0, 17)
        const households = changes.filter((c) => c.table === 'households').map((c) => c.record)
        expect(households).toEqual(demoHouseholds)
        expect(changes.filter((c) => c.table === 'residents')).toHaveLength(demoResidents.length)
        const templates = changes.filter((c) => c.table === 'templates')
        expect(templates.map((c) => c.id)).toEqual(demoTemplates.map((t) => `${t.id}@${t.version}`))
        expect(templates.map((c) => c.record)).toEqual(demoTemplates)
      })

      it('gives a leader only the assigned buildings and the community-wide rows; the office sees the whole community', async () => {
        const mine = newVisit()
        const theirs = newVisit({ buildingId: b3, householdId: demoHouseholds.find((h) => h.buildingId === b3)!.id, residentIds: [] })
        await storage.push(leader1, incoming(mine), now)
        await storage.push(leader2, incoming(theirs), now)

        const seenBy = async (p: Principal) => (await pullAll(storage, p)).changes
        const leaderView = await seenBy(leader1)
        const buildingsOf = (changes: Change[]) => new Set(changes.map((c) => c.record.buildingId ?? (c.table === 'buildings' ? c.id : null)))
        expect(buildingsOf(leaderView)).toEqual(new Set([null, b1, b2]))
        expect(leaderView.map((c) => c.id)).toContain(recordId(mine))
        expect(leaderView.map((c) => c.id)).not.toContain(recordId(theirs))
        expect(new Set(leaderView.map((c) => c.table))).toEqual(
          new Set(['communities', 'grids', 'buildings', 'households', 'residents', 'templates', 'users', 'visits']),
        )
        const residents = leaderView.filter((c) => c.table === 'residents').map((c) => c.id)
        const assigned = (householdId: string) => [b1, b2].includes(demoHouseholds.find((h) => h.id === householdId)!.buildingId)
        expect(residents.sort()).toEqual(demoResidents.filter((r) => assigned(r.householdId)).map((r) => r.id).sort())

        const officeView = await seenBy(office1)
        expect(officeView.map((c) => c.id)).toEqual(expect.arrayContaining([recordId(mine), recordId(theirs)]))
        const elsewhere = { ...office1, communityId: 'c-elsewhere' }
        expect(await seenBy(elsewhere)).toEqual([])

        // A reassignment takes effect with the next principal built from storage.
        await storage.assignBuildings('u-leader1', [b3])
        const reassigned = await seenBy(await principalOf(storage, 'leader1'))
        expect(reassigned.map((c) => c.id)).toContain(recordId(theirs))
        expect(reassigned.map((c) => c.id)).not.toContain(recordId(mine))
        const nothingAssigned = await seenBy({ ...leader1, buildingIds: [] })
        expect(new Set(nothingAssigned.map((c) => c.table))).toEqual(new Set(['communities', 'grids', 'templates', 'users']))
      })

      it('carries deletions as tombstones, and a deleted record refuses further edits', async () => {
        const visit = newVisit()
        const created = revOf((await storage.push(leader1, incoming(visit), now))[0])
        const [deleted] = await storage.push(leader1, incoming(mutation.delete('visits', recordId(visit), created)), now)
        const { changes } = await pullAll(storage, leader1, created)
        expect(changes).toEqual([
          { table: 'visits', id: recordId(visit), rev: revOf(deleted), record: expect.objectContaining({ deletedAt: now.toISOString(), rev: revOf(deleted) }) },
        ])
        const [edit] = await storage.push(leader1, incoming(mutation.put('visits', recordId(visit), { needs: 'x' }, revOf(deleted))), now)
        expect(edit).toMatchObject({ status: 'rejected', code: 'deleted' })
        const [unknown] = await storage.push(leader1, incoming(mutation.delete('visits', uuidv7())), now)
        expect(unknown).toMatchObject({ status: 'rejected', code: 'not_found' })
      })
    })

    describe('attachments', () => {
      const bytes = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(500)])
      const meta: AttachmentMeta = { sha256: createHash('sha256').update(bytes).digest('hex'), type: 'image/jpeg', bytes: bytes.length, width: 40, height: 30 }

      it('stores bytes once under their hash; a repeated put is harmless', async () => {
        expect(await storage.hasAttachment(meta.sha256)).toBe(false)
        expect(await storage.getAttachment(meta.sha256)).toBeUndefined()
        expect(await storage.putAttachment(meta, bytes, 'u-leader1', now.toISOString())).toBe(true)
        expect(await storage.putAttachment(meta, bytes, 'u-leader2', now.toISOString())).toBe(false)
        expect(await storage.hasAttachment(meta.sha256)).toBe(true)
        const got = await storage.getAttachment(meta.sha256)
        expect(got?.meta).toEqual(meta)
        expect(got?.bytes.equals(bytes)).toBe(true)
        expect(await another().getAttachment(meta.sha256)).toMatchObject({ meta })
      })

      it('may be read by its uploader and by whoever sees a record naming it, even before it arrives', async () => {
        const visit = newVisit({ photos: [meta.sha256] })
        await storage.push(leader1, incoming(visit), now)
        await storage.putAttachment(meta, bytes, 'u-leader1', now.toISOString())
        expect(await storage.canReadAttachment(leader1, meta.sha256)).toBe(true)
        expect(await storage.canReadAttachment(office1, meta.sha256)).toBe(true)
        expect(await storage.canReadAttachment(leader2, meta.sha256)).toBe(false)

        const other = createHash('sha256').update('not uploaded yet').digest('hex')
        const inspection = mutation.put('inspections', uuidv7(), {
          templateId: demoTemplates[0]!.id,
          templateVersion: 1,
          buildingId: b3,
          startedAt: now.toISOString(),
          completedAt: null,
          answers: { 'exit-clear': { result: 'fail', note: '堆了纸箱', photos: [other] } },
          createdAt: now.toISOString(),
        })
        expect((await storage.push(leader2, incoming(inspection), now))[0]!.status).toBe('applied')
        expect(await storage.canReadAttachment(leader2, other)).toBe(true)
        expect(await storage.canReadAttachment(leader1, other)).toBe(false)
        expect(await storage.hasAttachment(other)).toBe(false)
      })

      it('count every uploader of the same bytes as a reader, and nobody else, also for many hashes at once', async () => {
        await storage.putAttachment(meta, bytes, 'u-leader1', now.toISOString())
        const absent = createHash('sha256').update('never uploaded').digest('hex')
        expect(await storage.readableStoredAttachments(leader2, [meta.sha256, absent])).toEqual(new Set())
        await storage.putAttachment(meta, bytes, 'u-leader2', now.toISOString())
        expect(await storage.readableStoredAttachments(leader2, [meta.sha256, absent])).toEqual(new Set([meta.sha256]))
        expect(await storage.readableStoredAttachments(office1, [meta.sha256])).toEqual(new Set())
      })

      /** A distinct upload of `size` bytes by `userId` at `at`. */
      async function upload(userId: string, at: Date, size = 1000): Promise<string> {
        const content = randomBytes(size)
        const sha256 = createHash('sha256').update(content).digest('hex')
        await storage.putAttachment({ ...meta, sha256, bytes: size }, content, userId, at.toISOString())
        return sha256
      }
      const hoursAfter = (hours: number) => new Date(now.getTime() + hours * 3_600_000)

      it('counts the bytes of a user\'s uploads that no record names, and stops counting one once a record names it', async () => {
        expect(await storage.unreferencedUploadBytes('u-leader1')).toBe(0)
        const named = await upload('u-leader1', now, 1000)
        await upload('u-leader1', now, 300)
        await upload('u-leader2', now, 5000)
        expect(await storage.unreferencedUploadBytes('u-leader1')).toBe(1300)
        await storage.push(leader1, incoming(newVisit({ photos: [named] })), now)
        expect(await storage.unreferencedUploadBytes('u-leader1')).toBe(300)
        expect(await storage.unreferencedUploadBytes('u-leader2')).toBe(5000)
      })

      it('sweeps uploads older than the cut-off that no record names, rows and bytes alike, and nothing else', async () => {
        const stale = await upload('u-leader1', now, 700)
        const staleNamed = await upload('u-leader1', now)
        const staleNamedByDeleted = await upload('u-leader1', now)
        const fresh = await upload('u-leader1', hoursAfter(20))
        // First uploaded long ago, uploaded again (by another phone) within the day: as young as its newest upload.
        const staleUploadedAgain = await upload('u-leader1', now)
        await storage.putAttachment({ ...meta, sha256: staleUploadedAgain, bytes: 1000 }, Buffer.alloc(1000), 'u-leader2', hoursAfter(20).toISOString())
        // Named only by a value that lost a conflict, which the leader may still choose.
        const staleInConflict = await upload('u-leader1', now)
        const contested = newVisit()
        const base = revOf((await storage.push(leader1, incoming(contested), now))[0])
        await storage.push(leader1, incoming(mutation.put('visits', recordId(contested), { photos: [fresh] }, base)), now)
        const [lost] = await storage.push({ ...leader1, deviceId: 'd-tablet' }, incoming(mutation.put('visits', recordId(contested), { photos: [staleInConflict] }, base)), now)
        expect(lost).toMatchObject({ status: 'conflict', conflicts: [{ field: 'photos', value: [staleInConflict] }] })
        await storage.push(leader1, incoming(newVisit({ photos: [staleNamed] })), now)
        const doomed = newVisit({ photos: [staleNamedByDeleted] })
        await storage.push(leader1, incoming(doomed), now)
        expect((await storage.push(leader1, incoming(mutation.delete('visits', recordId(doomed))), now))[0]!.status).toBe('applied')
        const filesBefore = await blobFiles()

        expect(await storage.sweepUnreferencedAttachments(hoursAfter(1).toISOString())).toEqual({ count: 1, bytes: 700 })

        expect(await another().hasAttachment(stale)).toBe(false)
        expect(await another().getAttachment(stale)).toBeUndefined()
        // Its uploader no longer holds it: the same bytes uploaded again by someone else would not be theirs to name.
        expect(await storage.canReadAttachment(leader1, stale)).toBe(false)
        for (const kept of [staleNamed, staleNamedByDeleted, fresh, staleUploadedAgain, staleInConflict]) {
          expect(await another().getAttachment(kept), kept).toBeDefined()
        }
        if (engine.name === 'sqlite') expect((await blobFiles()).sort()).toEqual(filesBefore.filter((f) => f !== stale).sort())
        expect(await storage.sweepUnreferencedAttachments(hoursAfter(1).toISOString())).toEqual({ count: 0, bytes: 0 })
      })
    })

    describe('sign-in throttle states', () => {
      const t0 = now.getTime()
      const state = (failures: number, blockedUntil = 0, forgetAt = t0 + 60_000) => ({ failures, blockedUntil, forgetAt })

      it('writes a state only over the one the writer read, across connections', async () => {
        expect(await storage.throttleState('k')).toBeUndefined()
        expect(await storage.swapThrottleState('k', undefined, state(1))).toBe(true)
        // Someone else wrote first: this writer read nothing, so its write is refused.
        expect(await another().swapThrottleState('k', undefined, state(1))).toBe(false)
        expect(await another().swapThrottleState('k', state(1), state(2, t0 + 1000))).toBe(true)
        expect(await storage.swapThrottleState('k', state(1), state(2))).toBe(false)
        // Milliseconds past 2^31 come back as numbers on both engines.
        expect(await storage.throttleState('k')).toEqual(state(2, t0 + 1000))
        expect(await storage.throttleState('other')).toBeUndefined()
      })

      it('forgets a key, and drops the states forgotten before a time', async () => {
        await storage.swapThrottleState('k', undefined, state(3))
        await storage.swapThrottleState('old', undefined, state(3, 0, t0 + 1000))
        await storage.clearRateLimit('k')
        expect(await storage.throttleState('k')).toBeUndefined()
        await storage.swapThrottleState('k', undefined, state(1))
        await storage.dropEndedRateLimits(t0 + 5000)
        expect(await storage.throttleState('old')).toBeUndefined()
        expect(await storage.throttleState('k')).toEqual(state(1))
      })

      it('counts every one of many attempts at once exactly once, on every server', async () => {
        const servers = [storage, another(), another()]
        const rule = { free: 100, firstDelayMs: 60_000, maxDelayMs: 60_000, forgetAfterMs: 60_000 }
        await Promise.all(Array.from({ length: 30 }, (_, i) => countAttempt(servers[i % 3]!, 'k', rule, t0)))
        expect(await storage.throttleState('k')).toEqual(state(30))
      })
    })

    if (engine.name === 'postgres') describe('concurrent writers', () => {
      it('a push waits for another transaction that holds the counter, so revisions commit in order', async () => {
        const url = await createTestDatabase(postgresUrl)
        const writer = openPostgresStorage({ url })
        const blocker = new pg.Client({ connectionString: url })
        try {
          await writer.migrate()
          await seedDemo(writer)
          const leader = await principalOf(writer, 'leader1')
          await blocker.connect()
          await blocker.query('BEGIN')
          const taken = await blocker.query<{ value: string }>('UPDATE counter SET value = value + 1 RETURNING value')
          let done = false
          const pushing = writer.push(leader, incoming(newVisit()), now).then((r) => ((done = true), r))
          await new Promise((resolve) => setTimeout(resolve, 300))
          expect(done).toBe(false)
          await blocker.query('COMMIT')
          const [result] = await pushing
          // The push took its revision after the other transaction's, not beside it.
          expect(revOf(result)).toBe(Number(taken.rows[0]!.value) + 1)
          const { rows } = await blocker.query<{ value: string }>('SELECT value FROM counter')
          expect(Number(rows[0]!.value)).toBe(revOf(result))
        } finally {
          await blocker.end()
          await writer.close()
        }
      })

      /**
       * Two pushes on two servers (or with `oneServer`, on one) that both read and decide before either takes the
       * counter, which another transaction holds meanwhile without taking a revision; `prepare` runs first, on a
       * seeded database.
       */
      async function racingPushes<T>(
        prepare: (setup: Storage) => Promise<T>,
        push: (writer: Storage, prepared: T, i: number) => Promise<MutationResult[]>,
        { oneServer = false } = {},
      ): Promise<MutationResult[]> {
        const url = await createTestDatabase(postgresUrl)
        const setup = openPostgresStorage({ url })
        const first = openPostgresStorage({ url })
        const writers = [first, oneServer ? first : openPostgresStorage({ url })]
        const blocker = new pg.Client({ connectionString: url })
        try {
          await setup.migrate()
          await seedDemo(setup)
          const prepared = await prepare(setup)
          await blocker.connect()
          await blocker.query('BEGIN')
          await blocker.query('UPDATE counter SET value = value')
          const pushing = Promise.all(writers.map((writer, i) => push(writer, prepared, i)))
          await new Promise((resolve) => setTimeout(resolve, 300))
          await blocker.query('COMMIT')
          return (await pushing).map(([result]) => result!)
        } finally {
          await blocker.end()
          await Promise.all([setup, ...new Set(writers)].map((s) => s.close()))
        }
      }

      it('a batch retried while it is still being applied is applied once: the second push reads again under the counter', async () => {
        const visit = newVisit()
        const answers = await racingPushes(
          (setup) => principalOf(setup, 'leader1'),
          (writer, leader) => writer.push(leader, incoming(visit), now),
        )
        expect(answers.map((r) => r.status).sort()).toEqual(['applied', 'duplicate'])
        expect(revOf(answers[0])).toBe(revOf(answers[1]))
      })

      it('a refused batch retried while it is still being answered is answered the same twice, and recorded once', async () => {
        const refused = newVisit({ buildingId: b3 })
        const answers = await racingPushes(
          (setup) => principalOf(setup, 'leader1'),
          (writer, leader) => writer.push(leader, incoming(refused), now),
        )
        expect(answers[0]).toMatchObject({ status: 'rejected', code: 'forbidden' })
        expect(answers[1]).toEqual(answers[0])
      })

      // Through one server the later push is numbered after the earlier before either is written, and must still see it.
      for (const [through, oneServer] of [['two servers', false], ['one server', true]] as const) {
        it(`two devices changing one field at once through ${through}: the later push sees the earlier change and keeps its value as a conflict`, async () => {
          const created = newVisit()
          const answers = await racingPushes(
            async (setup) => {
              const leader = await principalOf(setup, 'leader1')
              return { leader, base: revOf((await setup.push(leader, incoming(created), now))[0]) }
            },
            // Each device its own value, both based on the revision they saw: one of them loses.
            (writer, { leader, base }, i) =>
              writer.push({ ...leader, deviceId: `d-racer-${i}` }, incoming(mutation.put('visits', recordId(created), { needs: `第${i}台` }, base)), now),
            { oneServer },
          )
          expect(answers.map((r) => r.status).sort()).toEqual(['applied', 'conflict'])
        })
      }

      it("a mentor's note pushed while the office ends its pairing is refused once the end commits first", async () => {
        const url = await createTestDatabase(postgresUrl)
        const server = openPostgresStorage({ url })
        const blocker = new pg.Client({ connectionString: url })
        const watcher = new pg.Client({ connectionString: url })
        // Until `count` transactions wait for a lock (the counter's, which the blocker holds).
        const waiting = async (count: number) => {
          for (;;) {
            const { rows } = await watcher.query<{ n: string }>("select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'")
            if (Number(rows[0]!.n) >= count) return
            await new Promise((resolve) => setTimeout(resolve, 20))
          }
        }
        try {
          await server.migrate()
          await seedDemo(server)
          await server.createUser({ id: 'u-leader2', username: 'leader2', displayName: '老楼长', role: 'leader', communityId: 'c-nanmen', buildingIds: ['b-qiaohu-32'], passwordHash: 'unused' })
          const pairing = mentorship()
          expect(await server.createMentorship(pairing)).toBe(true)
          const mentor = await principalOf(server, 'leader2')
          const note = () => incoming(mutation.put('mentorNotes', uuidv7(), mentorNoteFields(pairing.id)))
          // Without the race the note lands: the answer checked below is the one the race must change.
          expect((await server.push(mentor, note(), now)).map((r) => r.status)).toEqual(['applied'])
          await Promise.all([blocker.connect(), watcher.connect()])
          await blocker.query('BEGIN')
          await blocker.query('UPDATE counter SET value = value')
          // The end queues for the counter first; the note is read and decided while the pairing still lasts.
          const ending = server.endMentorship(pairing.id, now.toISOString(), 'u-office1')
          await waiting(1)
          const pushing = server.push(mentor, note(), now)
          await waiting(2)
          await blocker.query('COMMIT')
          expect(await ending).toMatchObject({ endedAt: now.toISOString() })
          expect((await pushing).map((r) => r.status)).toEqual(['rejected'])
        } finally {
          await Promise.all([blocker.end(), watcher.end()])
          await server.close()
        }
      })

      it('a reader pulling while several servers push never skips a revision', async () => {
        const url = await createTestDatabase(postgresUrl)
        const setup = openPostgresStorage({ url })
        const writers = Array.from({ length: 6 }, () => openPostgresStorage({ url, maxConnections: 2 }))
        const reader = openPostgresStorage({ url, maxConnections: 1 })
        try {
          await setup.migrate()
          await seedDemo(setup)
          const leader = await principalOf(setup, 'leader1')
          const { lastRev: start } = await pullAll(setup, leader)

          const batches = 15
          const perBatch = 8
          const written = new Set<string>()
          let writing = true
          const writes = Promise.all(
            writers.map(async (writer, w) => {
              const device = { ...leader, deviceId: `d-writer-${w}` }
              for (let b = 0; b < batches; b++) {
                // Batches of different sizes keep transactions of different lengths racing each other.
                const batch = Array.from({ length: 1 + ((b + w) % perBatch) }, () => newVisit())
                const results = await writer.push(device, incoming(...batch), now)
                expect(results.every((r) => r.status === 'applied')).toBe(true)
                for (const m of batch) written.add(recordId(m))
              }
            }),
          ).finally(() => (writing = false))

          const seen = new Set<string>()
          let cursor = start
          let pulls = 0
          const read = async () => {
            const page = await reader.pull(leader, cursor, 5)
            pulls++
            for (const change of page.changes) {
              expect(change.rev).toBeGreaterThan(cursor)
              cursor = change.rev
              seen.add(change.id)
            }
            return page.hasMore
          }
          while (writing) await read()
          await writes
          while (await read());

          expect(pulls).toBeGreaterThan(10)
          expect(written.size).toBeGreaterThan(100)
          expect([...written].filter((id) => !seen.has(id))).toEqual([])
          expect(seen.size).toBe(written.size)
        } finally {
          await Promise.all([setup, reader, ...writers].map((s) => s.close()))
        }
      })
    })
  })
}
