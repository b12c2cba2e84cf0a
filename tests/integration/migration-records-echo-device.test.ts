import { Migrator, sql, type Kysely } from 'kysely'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { migrateToLatest, MIGRATIONS } from '@/server/storage/migrations'
import type { Database } from '@/server/storage/schema'
import { describeEngines, type Engine } from './api'
import { openBareDatabase } from './bare-database'

/** Migration 0014 on records stored before it: nobody's echo, so every device still pulls them, and the rest of the row stays. */
describeEngines('the migration for echo devices (0014)', (engine: Engine) => {
  let db: Kysely<Database>
  let close: () => Promise<void>
  beforeEach(async () => {
    ;({ db, close } = await openBareDatabase(engine))
  })
  afterEach(() => close())

  it('leaves every stored record as it was, the echo device of none', async () => {
    const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } })
    expect((await migrator.migrateTo('0013-device-recovery-key')).error).toBeUndefined()
    await sql`insert into records (table_name, id, community_id, building_id, created_by, device_id, rev, data, field_revs, deleted_at, updated_at)
              values ('visits', 'v-1', 'c-1', 'b-1', 'u-1', 'd-1', 7, '{"id":"v-1"}', '{}', null, '2026-11-01T08:00:00.000Z')`.execute(db)

    await migrateToLatest(db)

    const rows = await db.selectFrom('records').selectAll().execute()
    // PostgreSQL's bigint arrives as a string.
    expect(rows.map((row) => ({ ...row, rev: Number(row.rev) }))).toEqual([
      {
        table_name: 'visits',
        id: 'v-1',
        community_id: 'c-1',
        building_id: 'b-1',
        created_by: 'u-1',
        device_id: 'd-1',
        rev: 7,
        data: '{"id":"v-1"}',
        field_revs: '{}',
        deleted_at: null,
        updated_at: '2026-11-01T08:00:00.000Z',
        echo_device: null,
        for_user: null,
      },
    ])
  })
})
