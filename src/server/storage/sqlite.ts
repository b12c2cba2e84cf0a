import { randomBytes } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { Kysely, SqliteDialect } from 'kysely'
import { Sha256 } from '@/domain'
import { KyselyStorage, type BlobStore } from './kysely-storage'
import type { Database } from './schema'
import type { Storage } from './types'

export const SQLITE_FILE = 'doorstep.sqlite'

/**
 * Attachments as files named by their hash. A file is written under a temporary name and renamed into
 * place, so a crash never leaves a half-written photo under a real hash.
 */
function diskBlobs(dir: string): BlobStore {
  const path = (sha256: string) => join(dir, Sha256.parse(sha256))
  return {
    async read(sha256) {
      try {
        return await readFile(path(sha256))
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw error
      }
    },
    async write(sha256, bytes) {
      const final = path(sha256)
      const exists = await stat(final).then(
        () => true,
        () => false,
      )
      if (exists) return
      const temporary = `${final}.${randomBytes(6).toString('hex')}.tmp`
      try {
        await writeFile(temporary, bytes)
        await rename(temporary, final)
      } finally {
        await rm(temporary, { force: true })
      }
    },
    async remove(sha256) {
      await rm(path(sha256), { force: true })
    },
  }
}

/** Statement texts kept prepared: IN lists of every length make many texts, but a push sends a few again and again. */
const KEPT_STATEMENTS = 200

/**
 * better-sqlite3's `prepare`, keeping the newest statements by their text: SQLite parses a statement Kysely or
 * a push sends again only once. (Kysely never streams here, which would hold a statement busy.)
 */
function keptStatements(database: SqliteDatabase.Database): (text: string) => SqliteDatabase.Statement {
  const kept = new Map<string, SqliteDatabase.Statement>()
  return (text) => {
    const statement = kept.get(text) ?? database.prepare(text)
    // Re-inserted, so that the map's first entry is always the one used longest ago.
    kept.delete(text)
    kept.set(text, statement)
    if (kept.size > KEPT_STATEMENTS) kept.delete(kept.keys().next().value!)
    return statement
  }
}

/** The embedded engine: `doorstep.sqlite` in `dataDir` (WAL), attachments in `dataDir/attachments` unless `blobs` keeps them. */
export function openSqliteStorage({ dataDir, blobs }: { dataDir: string; blobs?: BlobStore | undefined }): Storage {
  const attachments = join(dataDir, 'attachments')
  mkdirSync(blobs ? dataDir : attachments, { recursive: true })
  const database = new SqliteDatabase(join(dataDir, SQLITE_FILE))
  // WAL lets readers (the admin CLI, a backup) work while the server writes; NORMAL is durable across a
  // process crash in WAL mode and much faster than FULL. busy_timeout makes a second process wait, not fail.
  database.pragma('journal_mode = WAL')
  database.pragma('synchronous = NORMAL')
  database.pragma('busy_timeout = 5000')
  database.pragma('foreign_keys = ON')
  const prepare = keptStatements(database)
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: { prepare, close: () => database.close() } }) })
  return new KyselyStorage({ db, blobs: blobs ?? diskBlobs(attachments), prepare })
}
