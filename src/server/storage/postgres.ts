import { Kysely, PostgresDialect, type KyselyConfig } from 'kysely'
import pg from 'pg'
import { KyselyStorage, type BlobStore } from './kysely-storage'
import type { Database } from './schema'
import type { Storage } from './types'

// bigint columns (revisions, the counter) would arrive as strings; they stay far below 2^53.
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
}

/**
 * The PostgreSQL engine: a connection pool; attachments live in the database (servers share no disk) unless `blobs`
 * keeps them. `log` sees every statement Kysely runs (tests/integration/query-plans.test.ts EXPLAINs them).
 */
export function openPostgresStorage({ url, maxConnections = 10, blobs, log }: { url: string; maxConnections?: number; blobs?: BlobStore | undefined; log?: KyselyConfig['log'] }): Storage {
  const pool = new pg.Pool({ connectionString: url, max: maxConnections, types })
  // An idle connection that the server drops (a restart, a failover) emits 'error'; unheard, it would end the
  // process. The pool replaces the connection, and the next query reports any lasting trouble.
  pool.on('error', () => {})
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log })
  return new KyselyStorage({ db, blobs: blobs ?? 'inline' })
}
