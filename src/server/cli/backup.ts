import { constants } from 'node:fs'
import { copyFile, link, mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { Sha256 } from '@/domain'
import { newEpoch } from '../storage/database-epoch'
import { SQLITE_FILE } from '../storage/sqlite'

/*
 * `backup --out FILE` and `restore --from FILE` of the embedded engine (docs/server.md, "Backups").
 *
 * A backup is two things side by side: FILE, a copy of the SQLite database made with SQLite's online backup
 * (consistent while the server writes), and FILE.photos/, the photo files. A directory rather than a tar:
 * photos are named by their SHA-256 and never change, so each is hard-linked where the backup lies on the
 * data's file system (a nightly backup costs the day's new photos only, and rsync sends only those), and
 * copied elsewhere. The database goes first: a photo uploaded meanwhile is one file more, and the one a
 * sweep may remove meanwhile is one no record names.
 *
 * PostgreSQL is backed up and restored with its own tools (pg_dump, pg_restore), whose commands are printed.
 */

export const PHOTOS_SUFFIX = '.photos'

/** The commands an operator runs for PostgreSQL instead, as the CLI prints them. */
export const PG_BACKUP = `PostgreSQL is backed up with its own tool, which runs while the servers do:
  pg_dump --format=custom --file FILE "$DATABASE_URL"`
export const PG_RESTORE = `PostgreSQL is restored with its own tool, while no server runs:
  pg_restore --clean --if-exists --no-owner --dbname "$DATABASE_URL" FILE
then give the database a new epoch, so that the phones send back what the backup lacks:
  npm run admin -- restored`

/** Hard-links (or, across file systems, copies) every photo of `from` missing from `to`; answers how many. */
async function linkPhotos(from: string, to: string): Promise<number> {
  await mkdir(to, { recursive: true })
  const have = new Set(await readdir(to))
  let count = 0
  for (const name of await readdir(from)) {
    // Half-written uploads (`<hash>.<random>.tmp`) are not photos yet.
    if (!Sha256.safeParse(name).success || have.has(name)) continue
    await link(join(from, name), join(to, name)).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EXDEV' && error.code !== 'EPERM') throw error
      await copyFile(join(from, name), join(to, name), constants.COPYFILE_EXCL)
    })
    count++
  }
  return count
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

/** The photos the database names that `dir` lacks. */
function missingPhotos(database: SqliteDatabase.Database, have: Set<string>): string[] {
  const rows = database.prepare('select sha256 from attachments').all() as Array<{ sha256: string }>
  return rows.map((r) => r.sha256).filter((sha256) => !have.has(sha256))
}

export interface BackupDone {
  photos: number
  /** Photos the database names that were not on disk (removed by hand, or by a sweep while the backup ran). */
  missing: number
}

/** Backs the SQLite database in `dataDir` up to `out` and its photos to `out.photos/`, while the server may run. */
export async function backupSqlite(dataDir: string, out: string): Promise<BackupDone> {
  const live = join(dataDir, SQLITE_FILE)
  if (!(await exists(live))) throw new Error(`No database at ${live} (set DOORSTEP_DATA_DIR).`)
  const photos = out + PHOTOS_SUFFIX
  if ((await exists(out)) || (await exists(photos))) throw new Error(`${out} or ${photos} exists already: a backup never overwrites another.`)
  const partial = join(dirname(out), `.${basename(out)}.partial`)
  const source = new SqliteDatabase(live, { readonly: true, fileMustExist: true, timeout: 5000 })
  try {
    await source.backup(partial)
  } finally {
    source.close()
  }
  const count = await linkPhotos(join(dataDir, 'attachments'), photos)
  const copy = new SqliteDatabase(partial)
  let missing: number
  try {
    // The copy keeps the live file's WAL mode, which would leave -wal and -shm files beside it: one file is a backup.
    copy.pragma('journal_mode = DELETE')
    missing = missingPhotos(copy, new Set(await readdir(photos))).length
  } finally {
    copy.close()
  }
  // Last, so that FILE exists only once the backup is whole.
  await rename(partial, out)
  return { photos: count, missing }
}

/** What a backup file holds, as restore shows it before asking. */
export interface BackupSummary {
  records: number
  lastChangeAt: string | null
  photos: number
  /** Photos its database names that its folder lacks (backup warned of them): the phones that took them send them again. */
  missing: number
}

/** Checks that `file` is a Doorstep backup (SQLite's own check, our tables, its photos folder), and what it holds. */
export async function readBackup(file: string): Promise<BackupSummary> {
  if (!(await exists(file))) throw new Error(`No backup at ${file}.`)
  const photos = file + PHOTOS_SUFFIX
  if (!(await exists(photos))) throw new Error(`${photos} is missing: a backup is the file and its photos folder beside it.`)
  let database: SqliteDatabase.Database
  try {
    database = new SqliteDatabase(file, { readonly: true, fileMustExist: true })
  } catch {
    throw new Error(`${file} is not a Doorstep backup (not a SQLite database).`)
  }
  try {
    const check = database.pragma('quick_check', { simple: true })
    if (check !== 'ok') throw new Error(`${file} is damaged: ${String(check)}`)
    const tables = new Set((database.prepare("select name from sqlite_master where type = 'table'").all() as Array<{ name: string }>).map((t) => t.name))
    if (!tables.has('records') || !tables.has('counter')) throw new Error(`${file} is not a Doorstep backup (it has no records).`)
    const { records, lastChangeAt } = database.prepare('select count(*) as records, max(updated_at) as lastChangeAt from records').get() as Pick<BackupSummary, 'records' | 'lastChangeAt'>
    const present = new Set(await readdir(photos))
    return { records, lastChangeAt, photos: present.size, missing: missingPhotos(database, present).length }
  } catch (error) {
    if (error instanceof Error && error.message.startsWith(file)) throw error
    throw new Error(`${file} is not a Doorstep backup (${error instanceof Error ? error.message : String(error)}).`)
  } finally {
    database.close()
  }
}

/**
 * Refuses while a server (or anything else) has the database open: SQLite's exclusive locking mode takes the
 * file for this connection alone, which fails at once while any other connection holds it, even an idle one.
 * Closing it checkpoints the WAL, so the file alone is the whole database afterwards.
 */
export async function ensureNotInUse(dataDir: string): Promise<void> {
  const live = join(dataDir, SQLITE_FILE)
  // Nothing to restore over (a new machine): nobody uses it either.
  if (!(await exists(live))) return
  const database = new SqliteDatabase(live, { fileMustExist: true, timeout: 0 })
  try {
    database.pragma('locking_mode = EXCLUSIVE')
    database.exec('begin exclusive; commit')
  } catch (error) {
    if ((error as { code?: string }).code === 'SQLITE_BUSY') throw new Error(`The database in ${dataDir} is in use: stop the server first.`)
    throw error
  } finally {
    database.close()
  }
}

export interface RestoreDone {
  /** Where the database and photos of before the restore were moved, for the operator to remove when done. */
  keptAt: string
  epoch: string
}

/**
 * Puts the backup `file` in place of the database in `dataDir`, with a new epoch, and its photos in place of
 * the photos. What was there is moved aside (never deleted) with the time in its name. Call with the server
 * stopped (ensureNotInUse).
 */
export async function restoreSqlite(dataDir: string, file: string, now: Date): Promise<RestoreDone> {
  const live = join(dataDir, SQLITE_FILE)
  const incoming = `${live}.restoring`
  const backup = new SqliteDatabase(file, { readonly: true, fileMustExist: true })
  try {
    await backup.backup(incoming)
  } finally {
    backup.close()
  }
  const epoch = newEpoch()
  const copy = new SqliteDatabase(incoming)
  try {
    // A backup from before epochs has no table: the migration at the server's start makes one, with a new epoch.
    const tables = copy.prepare("select name from sqlite_master where name = 'database_epoch'").all()
    if (tables.length) copy.prepare('update database_epoch set epoch = ? where id = 1').run(epoch)
  } finally {
    copy.close()
  }
  // The photos are put beside the live ones first: a copy that fails (a full disk) must leave the data folder as it
  // was, not without a database, which the next start would make anew and empty.
  const photos = join(dataDir, 'attachments.restoring')
  await rm(photos, { recursive: true, force: true })
  await linkPhotos(file + PHOTOS_SUFFIX, photos)
  const keptAt = join(dataDir, `before-restore-${now.toISOString().replace(/[:.]/g, '-')}`)
  await mkdir(keptAt)
  for (const name of [SQLITE_FILE, `${SQLITE_FILE}-wal`, `${SQLITE_FILE}-shm`, 'attachments']) {
    if (await exists(join(dataDir, name))) await rename(join(dataDir, name), join(keptAt, name))
  }
  await rename(photos, join(dataDir, 'attachments'))
  await rename(incoming, live)
  return { keptAt, epoch }
}
