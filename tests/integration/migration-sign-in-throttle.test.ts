import { Migrator, sql, type Kysely } from 'kysely'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { migrateToLatest, MIGRATIONS } from '@/server/storage/migrations'
import type { Database } from '@/server/storage/schema'
import { swapThrottleState, throttleState } from '@/server/storage/sign-in-throttle'
import { describeEngines, type Engine } from './api'
import { openBareDatabase } from './bare-database'

/** Migration 0012 on a database with the fixed windows counted before it: they go, and states are kept from then on. */
describeEngines('the migration for the sign-in throttle (0012)', (engine: Engine) => {
  let db: Kysely<Database>
  let close: () => Promise<void>
  beforeEach(async () => {
    ;({ db, close } = await openBareDatabase(engine))
  })
  afterEach(() => close())

  it('drops the old windows and keeps throttle states', async () => {
    const migrator = new Migrator({ db, provider: { getMigrations: async () => MIGRATIONS } })
    expect((await migrator.migrateTo('0010-device-revocation-mode')).error).toBeUndefined()
    await sql`insert into rate_limits (limit_key, hits, resets_at) values ('login-account:leader1', 5, 1800000000000)`.execute(db)

    await migrateToLatest(db)

    expect(await db.selectFrom('rate_limits').selectAll().execute()).toEqual([])
    const state = { failures: 5, blockedUntil: 1_800_000_060_000, forgetAt: 1_800_086_400_000 }
    expect(await swapThrottleState(db, 'sign-in:10.0.0.1 leader1', undefined, state)).toBe(true)
    expect(await throttleState(db, 'sign-in:10.0.0.1 leader1')).toEqual(state)
  })
})
