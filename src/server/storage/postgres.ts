import { Kysely, PostgresDialect, type KyselyConfig, type PostgresPool } from 'kysely'
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
 * One connection in pipeline mode, as a pool that hands it to every query at once: each query is sent as soon as
 * it is made, in order, without waiting for the answers before it, so PostgreSQL starts the next one as soon as
 * the last is done, not when this server's event loop gets round to sending it. A connection that fails is
 * replaced at the next query.
 */
function pipelined(config: pg.ClientConfig, setUp: string): PostgresPool {
  let opening: Promise<pg.Client> | undefined
  const open = () => {
    const client = new pg.Client({ ...config, pipeline: true })
    // Set by a statement, not by the startup's `options`, which a connection string's own options or a pooler drop.
    const opened = client
      .connect()
      .then(() => client.query(setUp))
      .then(() => client)
    const forget = () => {
      if (opening === opened) opening = undefined
    }
    // Unheard, an 'error' would end the process; the queries in flight fail on their own, and the socket is closed
    // so that no backend is left behind.
    client.on('error', () => {
      forget()
      client.end().catch(() => {})
    })
    client.on('end', forget)
    opened.catch(forget)
    return opened
  }
  return {
    async connect() {
      const client = await (opening ??= open())
      return Object.assign(client, { release() {} })
    },
    async end() {
      const client = await opening?.catch(() => undefined)
      opening = undefined
      await client?.end()
    },
  }
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
  // Pushes write through a connection of their own, in the order they decided (KyselyStorage's push). It runs
  // push_batch alone, whose every lookup is by key: the plans it keeps for the session are made while the tables
  // are small, and without seqscan off would read the mutations table whole as it grows.
  const writer = new Kysely<Database>({ dialect: new PostgresDialect({ pool: pipelined({ connectionString: url, types }, 'set enable_seqscan = off') }), log })
  return new KyselyStorage({ db, writer, blobs: blobs ?? 'inline' })
}
