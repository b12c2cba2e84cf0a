import { Migrator, sql, type Kysely } from 'kysely'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { RecoveryKey } from '@/domain'
import { migrateToLatest, MIGRATIONS } from '@/server/storage/migrations'
import type { Database } from '@/server/storage/schema'
import { describeEngines, type Engine } from './api'
import { openBareDatabase } from './bare-database'

/** Migration 0013 on devices signed in before it: each gets a recovery key of its own, and the rest of the row stays. */
describeEngines('the migration for device recovery keys (0013)', (engine: Engine) => {
  let db: Kysely<Database>
  let close: () => Promise<void>
  beforeEach(async () => {
    ;({ db, close } = await openBareDatabase(engine))
  })
  afterEach(() => close())

  it('gives every existing device, revoked ones too, a key of its own', async () => {
    const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } })
    expect((await migrator.migrateTo('0012-sign-in-throttle')).error).toBeUndefined()
    await sql`insert into users (id, username, display_name, role, community_id, password_hash, disabled, must_change_password)
              values ('u-1', 'leader1', '一号楼长', 'leader', 'c-1', 'x', 0, 0)`.execute(db)
    await sql`insert into devices (id, user_id, name, token_hash, created_at, revoked_at) values
              ('d-1', 'u-1', '红米', ${'a'.repeat(64)}, '2026-11-01T08:00:00.000Z', null),
              ('d-2', 'u-1', '旧手机', ${'b'.repeat(64)}, '2026-10-01T08:00:00.000Z', '2026-10-20T08:00:00.000Z')`.execute(db)

    await migrateToLatest(db)

    const rows = await db.selectFrom('devices').select(['id', 'name', 'token_hash', 'revoked_at', 'recovery_key']).orderBy('id').execute()
    expect(rows).toEqual([
      { id: 'd-1', name: '红米', token_hash: 'a'.repeat(64), revoked_at: null, recovery_key: expect.any(String) },
      { id: 'd-2', name: '旧手机', token_hash: 'b'.repeat(64), revoked_at: '2026-10-20T08:00:00.000Z', recovery_key: expect.any(String) },
    ])
    const keys = rows.map((row) => RecoveryKey.parse(row.recovery_key))
    expect(keys.map((key) => Buffer.from(key, 'base64url').length)).toEqual([32, 32])
    expect(new Set(keys).size).toBe(2)
  })
})
