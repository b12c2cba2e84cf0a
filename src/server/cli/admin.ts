import { readFile, writeFile } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { chinaDay, Month, PASSWORD_PROBLEM_TEXT, passwordProblem, Role, User, Username, uuidv7, type RosterPreview } from '@/domain'
import { checkBuildings } from '../auth/accounts'
import { backupSqlite, ensureNotInUse, PG_BACKUP, PG_RESTORE, readBackup, restoreSqlite } from './backup'
import { hashPassword, oneTimePassword } from '../auth/passwords'
import { readConfig, type ServerConfig } from '../config'
import { writeMonthlyReportFile } from '../exports/report'
import { monthlyReport } from '../field/report'
import { exportRoster, importRoster, previewRoster } from '../roster'
import { openStorage } from '../storage'
import { seedDemo } from '../seed'
import { sweepUnreferenced } from '../sweep'
import type { Storage } from '../storage/types'

/**
 * `npm run admin -- <command>`: accounts and building assignments for production mode, where nothing is
 * seeded. It opens the same database as the server (DATABASE_URL or DOORSTEP_DATA_DIR) and may run while
 * the server runs: a reassignment takes effect at the leader's next request.
 */

const USAGE = `Usage: npm run admin -- <command>

  user add <username> --role <leader|office|admin> [--community <communityId>] [--name <display name>]
           [--buildings <id,id,…>] [--password <password>]
      Creates an account (the display name defaults to the username). Leaders and office staff belong to a
      community (--community, which must exist); an admin to none: it manages every community of the server.
      Without --password the password is asked for (or read from the first line of stdin). Passwords need at
      least 10 characters and may not be a common one.
  user reset-password <username>
                               Prints a new one-time password; the account must change it at its next sign-in.
  user disable <username>      Refuses the account's sign-ins and every request of its devices.
  user enable <username>       Lets the account in again.
  assign <username> <buildingId…>
                               Gives a leader exactly these buildings (replacing the ones they had).
  assign <username> --none     Takes every building away from a leader.
  devices <username>           Lists the account's signed-in devices.
  revoke <deviceId> [--wipe]   Signs a device out: at its next contact it sends what it holds, then clears
                               its data; with --wipe (a lost phone) it clears at once and sends nothing.
  seed-demo                    Fills an empty database with the demo community and the accounts leader1 and
                               office1 (password doorstep-demo).
  sweep-photos                 Removes the photos that no record names, uploaded more than a day ago (the
                               server does this every hour by itself).
  roster import <file> --community <communityId> [--dry-run]
                               Imports a roster (.xlsx or .csv) in one transaction, or with --dry-run only
                               shows what would change. Prints every problem; any problem imports nothing.
  roster export --community <communityId> --out <file.xlsx>
                               Writes the community's roster in the same format.
  report monthly --community <communityId> --month <YYYY-MM> --out <file.xlsx|file.csv>
                               Writes the community's monthly report, as the workspace's 月报导出 does.
  backup --out <file>          Backs the database up to <file> and its photos to <file>.photos/, while the
                               server runs (SQLite; for PostgreSQL it prints the pg_dump command).
  restore --from <file> [--yes]
                               Puts a backup in place of the database and photos, which are moved aside, with the
                               server stopped; asks first unless --yes. Phones then send back what it lacks.
  restored                     After a PostgreSQL restore (pg_restore): a new epoch, so that phones send back
                               what the backup lacks (restore does this itself for SQLite).

Configuration comes from the environment, as for the server: DATABASE_URL (postgres://…) or DOORSTEP_DATA_DIR.`

/** Where the CLI reads and writes: the terminal and the configured database, or a test's doubles. */
export interface AdminIo {
  /** Opens (and migrates) the database; called only by commands that need it. */
  open(): Promise<Storage>
  /** Where the database is, for backup and restore, which work on its files (the environment's by default). */
  config?(): Pick<ServerConfig, 'dataDir' | 'databaseUrl'>
  /** Asks a yes/no question on the terminal (restore without --yes). */
  confirm?(question: string): Promise<boolean>
  out(line: string): void
  err(line: string): void
  readPassword(prompt: string): Promise<string>
  now(): Date
}

/** A mistake in how the command was called: the usage text follows the message, and the exit code is 2. */
class UsageError extends Error {}

async function findUser(storage: Storage, username: string) {
  const user = await storage.findUserByUsername(username)
  if (!user) throw new Error(`No user named ${JSON.stringify(username)}.`)
  return user
}

/** Reads a password without echoing it on a terminal, or the first line of stdin when it is piped. */
async function readPassword(prompt: string): Promise<string> {
  const input = process.stdin
  const rl = createInterface({ input, output: process.stdout, terminal: input.isTTY })
  if (input.isTTY) {
    process.stdout.write(prompt)
    // Swallow what readline would echo: the typed characters must not appear on screen.
    ;(rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => {}
  }
  try {
    const line = await new Promise<string>((resolve, reject) => {
      rl.once('line', resolve)
      rl.once('close', () => reject(new Error('No password given.')))
    })
    if (input.isTTY) process.stdout.write('\n')
    return line
  } finally {
    rl.close()
  }
}

async function addUser(storage: Storage, io: AdminIo, args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      role: { type: 'string' },
      community: { type: 'string' },
      buildings: { type: 'string', default: '' },
      password: { type: 'string' },
    },
  })
  const [username, ...extra] = positionals
  if (!username || extra.length > 0 || !values.role) throw new UsageError('user add needs a username and --role.')
  const role = Role.safeParse(values.role)
  if (!role.success) throw new UsageError(`--role must be leader, office or admin, not ${JSON.stringify(values.role)}.`)
  const admin = role.data === 'admin'
  if (admin === (values.community !== undefined)) {
    throw new UsageError(admin ? 'An admin belongs to no community: leave --community out.' : `A ${role.data} needs --community.`)
  }
  const candidate = User.extend({ username: Username }).safeParse({
    id: uuidv7(),
    username,
    displayName: values.name ?? username,
    role: role.data,
    communityId: values.community ?? null,
    buildingIds: values.buildings.split(',').filter(Boolean),
  })
  if (!candidate.success) throw new UsageError(`Not a valid user: ${candidate.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`)
  const { communityId, buildingIds } = candidate.data
  if (communityId !== null && !(await storage.getCommunity(communityId))) throw new Error(`No community ${JSON.stringify(communityId)} (see the office workspace or seed-demo).`)
  if (buildingIds.length > 0) await checkBuildings(storage, { role: role.data, communityId }, buildingIds)
  if (await storage.findUserByUsername(candidate.data.username)) throw new Error(`There is already a user named ${JSON.stringify(username)}.`)
  const password = values.password ?? (await io.readPassword(`Password for ${username}: `))
  const problem = passwordProblem(password, username)
  if (problem) throw new Error(PASSWORD_PROBLEM_TEXT[problem])
  const user = await storage.createUser({ ...candidate.data, passwordHash: await hashPassword(password) })
  io.out(`Added ${user.role} ${user.username} (${user.displayName}), id ${user.id}, ${communityId ? `community ${communityId}` : 'every community'}.`)
}

/** The preview as the office reads it: counts, then every problem as 第N行 列名：原因. */
function printPreview(io: AdminIo, preview: RosterPreview) {
  const { buildings: b, households: h, residents: r } = preview
  io.out(`${preview.rows} 行`)
  io.out(`楼栋：新增 ${b.added}，有变化 ${b.changed}，不变 ${b.unchanged}`)
  io.out(`住户：新增 ${h.added}，有变化 ${h.changed}，不变 ${h.unchanged}`)
  io.out(`居民：新增 ${r.added}，有变化 ${r.changed}，不变 ${r.unchanged}，搬走 ${r.movedOut}`)
  for (const p of preview.problems) io.out(`${p.row === null ? '文件' : `第${p.row}行`}${p.column ? ` ${p.column}` : ''}：${p.message}`)
}

async function roster(storage: Storage, io: AdminIo, args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { community: { type: 'string' }, 'dry-run': { type: 'boolean', default: false }, out: { type: 'string' } },
  })
  const [action, file, ...extra] = positionals
  if (!values.community || extra.length > 0) throw new UsageError('roster needs import <file> or export, and --community.')
  const community = await storage.getCommunity(values.community)
  if (!community) throw new Error(`No community with the id ${JSON.stringify(values.community)}.`)
  if (action === 'import' && file) {
    const bytes = await readFile(file)
    if (values['dry-run']) {
      const preview = await previewRoster(storage, community.id, bytes, io.now())
      printPreview(io, preview)
      if (preview.problems.length) throw new Error(`${preview.problems.length} problem(s): the file would not be imported.`)
      return io.out(`Dry run: nothing was written to ${community.name}.`)
    }
    const { imported, preview } = await importRoster(storage, community.id, bytes, io.now())
    printPreview(io, preview)
    if (!imported) throw new Error(`${preview.problems.length} problem(s): nothing was imported.`)
    return io.out(`Imported the roster of ${community.name}.`)
  }
  if (action === 'export' && !file && values.out) {
    await writeFile(values.out, (await exportRoster(storage, community.id)).file)
    return io.out(`Wrote the roster of ${community.name} to ${values.out}.`)
  }
  throw new UsageError('roster import needs a file; roster export needs --out <file.xlsx>.')
}

async function report(storage: Storage, io: AdminIo, args: string[]) {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { community: { type: 'string' }, month: { type: 'string' }, out: { type: 'string' } } })
  if (positionals.join(' ') !== 'monthly' || !values.community || !values.month || !values.out) {
    throw new UsageError('report needs monthly --community <communityId> --month <YYYY-MM> --out <file>.')
  }
  if (!Month.safeParse(values.month).success) throw new UsageError(`--month must be a month like 2026-11, not ${JSON.stringify(values.month)}.`)
  const community = await storage.getCommunity(values.community)
  if (!community) throw new Error(`No community with the id ${JSON.stringify(values.community)}.`)
  await writeMonthlyReportFile(await monthlyReport(storage, community, values.month, chinaDay(io.now())), values.out)
  io.out(`Wrote the ${values.month} report of ${community.name} to ${values.out}.`)
}

/** Asks on the terminal; anything but yes is no. */
async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout })
  try {
    const answer = await new Promise<string>((resolve) => rl.question(question, resolve))
    return /^(y|yes)$/i.test(answer.trim())
  } finally {
    rl.close()
  }
}

/** What no phone can send back after a restore, and matters for who may read what: the operator redoes it. */
const UNDONE_BY_RESTORE =
  'What the office did after the backup is undone: redo sign-outs and wipes of lost phones, disabled accounts, password resets and ended 老带新 pairings made since then.'

/** backup and restore: they work on the database's files, and restore must not open the database it replaces. */
async function backups(io: AdminIo, command: 'backup' | 'restore', args: string[]) {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { out: { type: 'string' }, from: { type: 'string' }, yes: { type: 'boolean', default: false } } })
  const { dataDir, databaseUrl } = io.config?.() ?? readConfig()
  if (command === 'backup') {
    if (!values.out || positionals.length || values.from || values.yes) throw new UsageError('backup needs --out <file> and nothing else.')
    if (databaseUrl) throw new Error(PG_BACKUP.replace('FILE', values.out))
    const done = await backupSqlite(dataDir, values.out)
    io.out(`Backed the database up to ${values.out}, and ${done.photos} photo${done.photos === 1 ? '' : 's'} to ${values.out}.photos/.`)
    if (done.missing) io.err(`Warning: ${done.missing} photo(s) the database names were not in ${dataDir}/attachments; the backup lacks them too.`)
    return
  }
  if (!values.from || positionals.length || values.out) throw new UsageError('restore needs --from <file> (and --yes not to be asked).')
  if (databaseUrl) throw new Error(PG_RESTORE.replace('FILE', values.from))
  const backup = await readBackup(values.from)
  await ensureNotInUse(dataDir)
  const what = `${values.from}: ${backup.records} records, the last changed ${backup.lastChangeAt ?? 'never'}, ${backup.photos} photos`
  if (!values.yes && !(await (io.confirm ?? confirm)(`Replace the database in ${dataDir} with ${what}? (yes/no) `))) throw new Error('Nothing restored.')
  const done = await restoreSqlite(dataDir, values.from, io.now())
  io.out(`Restored ${what}.`)
  if (backup.missing) io.err(`Warning: the backup lacks ${backup.missing} photo(s) its database names; the phones that took them and still hold them send them again.`)
  io.out(`The database and photos of before are in ${done.keptAt}; remove them once the server runs well.`)
  io.out('Phones that synced after the backup send back what it lacks at their next sync.')
  io.err(UNDONE_BY_RESTORE)
}

async function run(storage: Storage, io: AdminIo, argv: string[]) {
  const [command, ...rest] = argv
  const positionals = rest.filter((a) => !a.startsWith('--'))
  switch (command) {
    case 'user': {
      const [action, ...more] = rest
      if (action === 'add') return addUser(storage, io, more)
      if ((action === 'disable' || action === 'enable') && more.length === 1) {
        const user = await findUser(storage, more[0]!)
        await storage.updateUser(user.id, { disabled: action === 'disable' })
        return io.out(`${user.username} is ${action}d.`)
      }
      if (action === 'reset-password' && more.length === 1) {
        const user = await findUser(storage, more[0]!)
        const password = oneTimePassword()
        await storage.updateUser(user.id, { password: { hash: await hashPassword(password), mustChange: true } })
        return io.out(`One-time password for ${user.username}: ${password}\n(${user.username} must change it at the next sign-in.)`)
      }
      throw new UsageError('user needs add, reset-password <username>, disable <username> or enable <username>.')
    }
    case 'assign': {
      const [username, ...buildingIds] = positionals
      const none = rest.includes('--none')
      if (!username || (buildingIds.length === 0) === !none) throw new UsageError('assign needs a username and building ids, or --none.')
      const user = await findUser(storage, username)
      await checkBuildings(storage, user, buildingIds)
      await storage.assignBuildings(user.id, buildingIds)
      return io.out(buildingIds.length ? `${username} now looks after ${buildingIds.join(', ')}.` : `${username} has no buildings now.`)
    }
    case 'devices': {
      if (positionals.length !== 1) throw new UsageError('devices needs a username.')
      const user = await findUser(storage, positionals[0]!)
      const devices = await storage.listDevices(user.id)
      if (devices.length === 0) return io.out(`${user.username} has never signed in.`)
      for (const d of devices) {
        const state = d.revokedAt ? `revoked ${d.revokedAt}` : `last seen ${d.lastSeenAt ?? 'never'}`
        io.out(`${d.id}  ${d.name}  signed in ${d.createdAt}  ${state}`)
      }
      return
    }
    case 'revoke': {
      if (positionals.length !== 1) throw new UsageError('revoke needs a device id (see: devices <username>).')
      if (!(await storage.getDevice(positionals[0]!))) throw new Error(`No device ${JSON.stringify(positionals[0])} (see: devices <username>).`)
      const wipe = rest.includes('--wipe')
      await storage.revokeDeviceAs(positionals[0]!, wipe ? 'wipe' : 'sign_out', new Date().toISOString())
      return io.out(
        wipe
          ? `Device ${positionals[0]} is wiped: at its next contact it clears its data and sends nothing.`
          : `Device ${positionals[0]} is signed out: at its next contact it sends what it holds, then clears its data.`,
      )
    }
    case 'seed-demo': {
      if (!(await storage.isEmpty())) throw new Error('The database is not empty: the demo data goes only into a new one.')
      await seedDemo(storage)
      return io.out('Seeded the demo community; sign in as leader1 or office1 with the password doorstep-demo.')
    }
    case 'roster':
      return roster(storage, io, rest)
    case 'report':
      return report(storage, io, rest)
    case 'restored': {
      if (rest.length !== 0) throw new UsageError('restored takes no arguments.')
      const epoch = await storage.renewDatabaseEpoch()
      io.out(`The database has a new epoch (${epoch}): phones send back what the restored backup lacks at their next sync.`)
      return io.err(UNDONE_BY_RESTORE)
    }
    case 'sweep-photos': {
      if (positionals.length !== 0) throw new UsageError('sweep-photos takes no arguments.')
      const { count, bytes } = await sweepUnreferenced(storage, io.now())
      return io.out(`Removed ${count} photo${count === 1 ? '' : 's'} (${(bytes / 1024 / 1024).toFixed(1)} MB) that no record names, uploaded more than a day ago.`)
    }
    default:
      throw new UsageError(command ? `Unknown command ${JSON.stringify(command)}.` : 'No command given.')
  }
}

/** Runs one admin command; answers the process exit code (0 done, 1 failed, 2 wrong usage). */
export async function runAdmin(argv: string[], io: AdminIo): Promise<number> {
  if (argv.length === 0) {
    io.err(USAGE)
    return 2
  }
  if (argv[0] === 'help' || argv.includes('--help')) {
    io.out(USAGE)
    return 0
  }
  try {
    const [command, ...rest] = argv
    if (command === 'backup' || command === 'restore') await backups(io, command, rest)
    else await run(await io.open(), io, argv)
    return 0
  } catch (error) {
    // node:util parseArgs reports an unknown or incomplete option with an ERR_PARSE_ARGS_* code.
    const usage = error instanceof UsageError || String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS')
    io.err(`Error: ${error instanceof Error ? error.message : String(error)}`)
    if (usage) io.err(`\n${USAGE}`)
    return usage ? 2 : 1
  }
}

// Run as a program (`npm run admin`), not when a test imports runAdmin.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let storage: Storage | undefined
  const open = async () => {
    storage = openStorage(readConfig())
    await storage.migrate()
    return storage
  }
  try {
    process.exitCode = await runAdmin(process.argv.slice(2), { open, out: console.log, err: console.error, readPassword, now: () => new Date() })
  } finally {
    await storage?.close()
  }
}
