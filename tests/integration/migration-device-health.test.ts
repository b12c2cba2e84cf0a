import { Migrator, sql, type Kysely } from 'kysely'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { migrateToLatest, MIGRATIONS } from '@/server/storage/migrations'
import { communityDevices } from '@/server/storage/device-health'
import type { Database } from '@/server/storage/schema'
import { describeEngines, type Engine } from './api'
import { openBareDatabase } from './bare-database'

/** Migration 0008 on a database made before it: devices keep everything, with no health report yet. */
describeEngines('the migration for device health (0008)', (engine: Engine) => {
  let db: Kysely<Database>
  let close: () => Promise<void>
  beforeEach(async () => {
    ;({ db, close } = await openBareDatabase(engine))
  })
  afterEach(() => close())

  it('keeps every device as it was, with no report until the phone sends one', async () => {
    const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } })
    expect((await migrator.migrateTo('0007-template-keys-per-community')).error).toBeUndefined()
    await sql`insert into users (id, username, display_name, role, community_id, password_hash, disabled) values ('u-l', 'u-l', '老李', 'leader', 'c-1', 'x', 0)`.execute(db)
    await sql`insert into devices (id, user_id, name, token_hash, created_at, last_seen_at, revoked_at) values
      ('d-1', 'u-l', '老李的手机', 'h1', '2026-11-01T00:00:00.000Z', '2026-11-02T00:00:00.000Z', null)`.execute(db)

    await migrateToLatest(db)

    expect(await communityDevices(db, 'c-1')).toEqual([
      {
        id: 'd-1',
        userId: 'u-l',
        name: '老李的手机',
        createdAt: '2026-11-01T00:00:00.000Z',
        lastSeenAt: '2026-11-02T00:00:00.000Z',
        revokedAt: null,
        displayName: '老李',
        role: 'leader',
        phone: null,
        health: null,
      },
    ])
  })
})
