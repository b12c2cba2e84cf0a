import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely'
import pg from 'pg'
import { inject } from 'vitest'
import type { Database } from '@/server/storage/schema'
import type { Engine } from './api'
import { createTestDatabase } from './postgres'

/** An empty database of one engine with no schema at all, for migration tests to bring up step by step. */
export async function openBareDatabase(engine: Engine): Promise<{ db: Kysely<Database>; close: () => Promise<void> }> {
  if (engine === 'postgres') {
    const url = await createTestDatabase(inject('postgresUrl'))
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }) })
    return { db, close: () => db.destroy() }
  }
  const dir = await mkdtemp(join(tmpdir(), 'doorstep-migration-'))
  const database = new SqliteDatabase(join(dir, 'db.sqlite'))
  // As the server opens it (src/server/storage/sqlite.ts): one commit per update is cheap in WAL mode.
  database.pragma('journal_mode = WAL')
  database.pragma('synchronous = NORMAL')
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) })
  return {
    db,
    close: async () => {
      await db.destroy()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
