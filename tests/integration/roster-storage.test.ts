import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { Kysely, PostgresDialect, SqliteDialect, type KyselyPlugin } from 'kysely'
import pg from 'pg'
import { afterEach, beforeEach, expect, inject, it } from 'vitest'
import { readRoster, type RosterEntry, type RosterSheet } from '@/domain'
import { demoCommunity } from '@/domain/demo'
import { seedDemo } from '@/server/seed'
import { importRoster } from '@/server/roster'
import { KyselyStorage } from '@/server/storage/kysely-storage'
import type { Database } from '@/server/storage/schema'
import type { Principal, Storage } from '@/server/storage/types'
import { describeEngines } from './api'
import { createTestDatabase } from './postgres'

/**
 * importRoster writes in one transaction: a failure half-way through (here the third multi-row insert into
 * the records table, after earlier ones went through) leaves the database exactly as it was, on both engines.
 */

/** Fails the `nth` insert into a table once armed: a disk or a connection giving way in the middle of a write. */
function failingInsert(nth: number) {
  let armed = false
  let seen = 0
  const plugin: KyselyPlugin = {
    transformQuery({ node }) {
      if (armed && node.kind === 'InsertQueryNode' && ++seen === nth) throw new Error('the disk gave way')
      return node
    },
    transformResult: async ({ result }) => result,
  }
  return { plugin, arm: () => (armed = true), inserts: () => seen }
}

const office: Principal = { userId: 'u-office1', deviceId: 'd-office1', role: 'office', communityId: demoCommunity.id, buildingIds: [] }

/** A new building of 300 households, one resident each: several multi-row inserts. */
function bigRoster(): RosterSheet {
  const rows = Array.from({ length: 300 }, (_, i) => ({ row: i + 2, cells: ['新楼9号', String(101 + i), `居民${i}`] }))
  return { rows: [{ row: 1, cells: ['楼栋', '房号', '姓名'] }, ...rows], flagged: [] }
}

describeEngines('roster import in one transaction', (engine) => {
  let db: Kysely<Database>
  let cleanup = async () => {}
  const sabotage = failingInsert(3)
  beforeEach(async () => {
    if (engine === 'postgres') {
      const pool = new pg.Pool({ connectionString: await createTestDatabase(inject('postgresUrl')), max: 2 })
      db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins: [sabotage.plugin] })
    } else {
      const dir = await mkdtemp(join(tmpdir(), 'doorstep-roster-'))
      db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SqliteDatabase(join(dir, 'db.sqlite')) }), plugins: [sabotage.plugin] })
      cleanup = () => rm(dir, { recursive: true, force: true })
    }
  })
  afterEach(async () => {
    await db.destroy()
    await cleanup()
  })

  it('a failure half-way through the write leaves every table as it was', async () => {
    const storage = new KyselyStorage({ db, blobs: 'inline' })
    await storage.migrate()
    await seedDemo(storage)
    const before = await storage.roster(demoCommunity.id)
    const { lastRev } = await storage.pull(office, 0, 1000)
    const { entries, problems } = readRoster(bigRoster(), 2026)
    expect(problems).toEqual([])

    sabotage.arm()
    await expect(storage.importRoster(demoCommunity.id, entries, '2026-12-01T08:00:00.000Z')).rejects.toThrow('the disk gave way')
    expect(sabotage.inserts()).toBe(3)
    expect(await storage.roster(demoCommunity.id)).toEqual(before)
    expect((await storage.pull(office, lastRev, 1000)).changes).toEqual([])
    // Nothing half-written blocks the next import either.
    expect((await storage.importRoster(demoCommunity.id, entries, '2026-12-01T08:00:00.000Z')).households.added).toBe(300)
  })

  it('refuses a record the stored roster would not read: nothing written, a problem of the file instead of a crash', async () => {
    const storage = new KyselyStorage({ db, blobs: 'inline' })
    await storage.migrate()
    await seedDemo(storage)
    const before = await storage.roster(demoCommunity.id)
    // The rules drifting from the schemas: rows checked fine, but a phone the Resident schema refuses.
    const drifted = {
      roster: (communityId: string) => storage.roster(communityId),
      importRoster: (communityId: string, entries: RosterEntry[], at: string) =>
        storage.importRoster(communityId, entries.map((e, i) => (i === 299 ? { ...e, phone: '电话' } : e)), at),
    } as unknown as Storage
    const csv = ['楼栋,房号,姓名', ...bigRoster().rows.slice(1).map((r) => r.cells.join(','))].join('\n')
    const { imported, preview } = await importRoster(drifted, demoCommunity.id, Buffer.from(csv), new Date('2026-12-01T08:00:00.000Z'))
    expect(imported).toBe(false)
    expect(preview.problems).toEqual([{ row: null, column: null, code: 'invalid_record', message: expect.stringContaining('一行也没有导入') }])
    expect(await storage.roster(demoCommunity.id)).toEqual(before)
  })
})
