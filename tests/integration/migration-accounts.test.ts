import { Migrator, sql, type Kysely } from 'kysely'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { migrateToLatest, MIGRATIONS } from '@/server/storage/migrations'
import type { Database } from '@/server/storage/schema'
import { describeEngines, type Engine } from './api'
import { openBareDatabase } from './bare-database'

/**
 * Migration 0006 on a database made before it: users.community_id may be null (SQLite rebuilds the table,
 * which must not cascade into devices and building assignments), admins lose their community, and every
 * user of a community gets a name card with a revision of its own.
 */
describeEngines('the migration for accounts (0006)', (engine: Engine) => {
  let db: Kysely<Database>
  let close: () => Promise<void>
  beforeEach(async () => {
    ;({ db, close } = await openBareDatabase(engine))
    // As the server opens SQLite: with foreign keys enforced, a careless rebuild would delete every device.
    if (engine === 'sqlite') await sql`pragma foreign_keys = on`.execute(db)
  })
  afterEach(() => close())

  it('keeps devices and assignments, frees admins of their community and backfills name cards', async () => {
    const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } })
    expect((await migrator.migrateTo('0005-attachment-uploads')).error).toBeUndefined()
    await sql`insert into users (id, username, display_name, role, community_id, password_hash, disabled) values
      ('u-l', 'u-l', '老李', 'leader', 'c-1', 'x', 0), ('u-a', 'u-a', '管理员', 'admin', 'c-1', 'x', 0)`.execute(db)
    await sql`insert into user_buildings (user_id, building_id) values ('u-l', 'b-1')`.execute(db)
    await sql`insert into devices (id, user_id, name, token_hash, created_at) values ('d-1', 'u-l', '老李的手机', 'h1', '2026-11-01T00:00:00.000Z')`.execute(db)
    await sql`update counter set value = 41 where id = 1`.execute(db)

    await migrateToLatest(db)

    const users = await db.selectFrom('users').select(['id', 'community_id', 'must_change_password']).orderBy('id').execute()
    expect(users).toEqual([
      { id: 'u-a', community_id: null, must_change_password: 0 },
      { id: 'u-l', community_id: 'c-1', must_change_password: 0 },
    ])
    expect(await db.selectFrom('devices').select(['id', 'user_id']).execute()).toEqual([{ id: 'd-1', user_id: 'u-l' }])
    expect(await db.selectFrom('user_buildings').selectAll().execute()).toEqual([{ user_id: 'u-l', building_id: 'b-1' }])
    const cards = await db.selectFrom('records').select(['id', 'community_id', 'building_id', 'rev', 'data']).where('table_name', '=', 'users').execute()
    expect(cards.map((c) => ({ ...c, rev: Number(c.rev), data: JSON.parse(c.data) as unknown }))).toEqual([
      { id: 'u-l', community_id: 'c-1', building_id: null, rev: 42, data: { id: 'u-l', communityId: 'c-1', displayName: '老李', role: 'leader', active: true } },
    ])
    expect(Number((await db.selectFrom('counter').select('value').executeTakeFirstOrThrow()).value)).toBe(42)
    // The rebuilt table still refuses a second account of the same name, and still cascades a deleted user.
    await expect(sql`insert into users (id, username, display_name, role, community_id, password_hash) values ('u-x', 'u-l', 'x', 'leader', 'c-1', 'x')`.execute(db)).rejects.toThrow()
    await db.deleteFrom('users').where('id', '=', 'u-l').execute()
    expect(await db.selectFrom('devices').selectAll().execute()).toEqual([])
  })

  it('runs whole or not at all: interrupted, it leaves the database as it was, and runs at the next start', async () => {
    const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } })
    expect((await migrator.migrateTo('0005-attachment-uploads')).error).toBeUndefined()
    await sql`insert into users (id, username, display_name, role, community_id, password_hash, disabled) values
      ('u-l', 'u-l', '老李', 'leader', 'c-1', 'x', 0), ('u-a', 'u-a', '管理员', 'admin', 'c-1', 'x', 0)`.execute(db)
    await sql`insert into devices (id, user_id, name, token_hash, created_at) values ('d-1', 'u-l', '老李的手机', 'h1', '2026-11-01T00:00:00.000Z')`.execute(db)
    // Fails after the users table is rebuilt (SQLite) or altered, and the admin freed of its community.
    await sql`delete from counter`.execute(db)

    await expect(migrateToLatest(db)).rejects.toThrow(/0006-accounts/)
    await expect(sql`select must_change_password from users`.execute(db)).rejects.toThrow()
    expect((await sql<{ id: string; community_id: string }>`select id, community_id from users order by id`.execute(db)).rows).toEqual([
      { id: 'u-a', community_id: 'c-1' },
      { id: 'u-l', community_id: 'c-1' },
    ])
    expect(await db.selectFrom('devices').select('id').execute()).toEqual([{ id: 'd-1' }])

    await sql`insert into counter (id, value) values (1, 7)`.execute(db)
    await migrateToLatest(db)
    expect(await db.selectFrom('users').select(['id', 'community_id']).orderBy('id').execute()).toEqual([
      { id: 'u-a', community_id: null },
      { id: 'u-l', community_id: 'c-1' },
    ])
    expect(Number((await db.selectFrom('counter').select('value').executeTakeFirstOrThrow()).value)).toBe(8)
  })
})
