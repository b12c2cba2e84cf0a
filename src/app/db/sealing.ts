import type { DBCore, DBCoreCursor, DBCoreMutateRequest, DBCoreTable, Middleware } from 'dexie'

/**
 * Residents' data at rest. With an app lock (src/app/lock), the fields below are kept in IndexedDB as one
 * AES-GCM blob per row, `sealed`, under the data key the PIN unwraps; everything the indexes and list
 * filters need (ids, building, household, dates, status) stays clear. The screens, the repositories and
 * sync never see the difference: this middleware sits under all of Dexie and seals what is written and opens
 * what is read. Opening is lazy, field by field on first use, so that a list reading 5,000 visits for their
 * dates decrypts none of them.
 */
export const SEALED_FIELDS: Readonly<Record<string, readonly string[]>> = {
  residents: ['name', 'phone', 'birthYear', 'careTags'],
  visits: ['topics', 'othersMet', 'needs', 'outcome'],
  issues: ['location', 'description', 'events'],
  inspections: ['answers'],
  canvassAnswers: ['respondentName', 'note'],
  // The parties' names, what the quarrel is about and what was said at each session.
  mediations: ['parties', 'description', 'sessions'],
  mentorNotes: ['text'],
  // A mentor's copy of a mentee's work: the needs found at each door, the reports, the notes on them.
  menteeViews: ['followUps', 'dueHouseholds', 'openReports', 'notes'],
  // What travels to the server, what it refused and what it holds back are whole records.
  outbox: ['record', 'change'],
  rejections: ['record'],
  held: ['record'],
  drafts: ['data'],
}

/** The sealed table's data was asked for while the app is locked. */
export class LockedError extends Error {
  override readonly name = 'LockedError'
  constructor() {
    super('the app is locked')
  }
}

/** AES-GCM over bytes, bound to `context` (the table): src/app/lock/cipher.ts. */
export interface Cipher {
  seal(plain: Uint8Array, context: Uint8Array): Uint8Array
  open(sealed: Uint8Array, context: Uint8Array): Uint8Array
}

/**
 * Where this database stands: `plain` — the phone has no app lock, rows are written as they are; `locked` —
 * it has one (or has not been checked yet) and the key is not in memory: sealed data can be neither read nor
 * written, only deleted; `open` — unlocked.
 */
export class Sealing {
  private cipher: Cipher | null = null
  constructor(private mode: 'plain' | 'locked' = 'plain') {}

  get state(): 'plain' | 'locked' | 'open' {
    return this.cipher ? 'open' : this.mode
  }

  open(cipher: Cipher): void {
    this.cipher = cipher
  }

  lock(): void {
    this.cipher = null
    this.mode = 'locked'
  }

  /** The phone has no app lock: nothing is sealed from now on. */
  plain(): void {
    this.cipher = null
    this.mode = 'plain'
  }

  /** The cipher in use now: every read checks it again, so nothing opens once the app has locked. */
  current(): Cipher | null {
    if (this.cipher) return this.cipher
    if (this.mode === 'locked') throw new LockedError()
    return null
  }
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export type Row = Record<string, unknown>

function isSealed(value: unknown): value is Row & { sealed: Uint8Array } {
  return typeof value === 'object' && value !== null && ArrayBuffer.isView((value as Row).sealed)
}

function sealRow(sealing: Sealing, fields: readonly string[], context: Uint8Array, row: Row): Row {
  if (!fields.some((field) => field in row)) return row
  const cipher = sealing.current()
  if (!cipher) return row
  const hidden: Row = {}
  const clear: Row = {}
  for (const [key, value] of Object.entries(row)) (fields.includes(key) ? hidden : clear)[key] = value
  clear.sealed = cipher.seal(encoder.encode(JSON.stringify(hidden)), context)
  return clear
}

/** The row with its sealed fields as getters that decrypt the blob once, when one of them is first read. */
function openRow(sealing: Sealing, fields: readonly string[], context: Uint8Array, row: unknown): unknown {
  if (!isSealed(row)) return row
  // Locked, the read fails at once rather than when a field is first used.
  if (!sealing.current()) failLocked()
  const { sealed, ...clear } = row
  let hidden: Row | undefined
  const reveal = () => (hidden ??= JSON.parse(decoder.decode(sealing.current()?.open(sealed, context) ?? failLocked())) as Row)
  for (const field of fields) {
    Object.defineProperty(clear, field, {
      enumerable: true,
      configurable: true,
      get: () => reveal()[field],
      // A screen or a repository may change the field in place: it becomes a plain value.
      set: (value: unknown) => Object.defineProperty(clear, field, { value, enumerable: true, configurable: true, writable: true }),
    })
  }
  return clear
}

function failLocked(): never {
  throw new LockedError()
}

/** Seals and opens the rows of one table: its sealed fields, bound to its name. */
export function tableSealer(sealing: Sealing, table: string) {
  const fields = SEALED_FIELDS[table] ?? []
  const context = encoder.encode(table)
  return {
    seal: (row: Row) => sealRow(sealing, fields, context, row),
    open: (row: unknown) => openRow(sealing, fields, context, row),
  }
}

/**
 * A database upgrade (Dexie's `version().upgrade`) runs when the database opens, before any PIN is typed: it
 * sees and writes rows as IndexedDB holds them. An upgrade must therefore never change a sealed field; it may
 * change the clear ones, and rows written before the app lock, which hold no `sealed`.
 */
const upgrading = (trans: unknown) => (trans as IDBTransaction).mode === 'versionchange'

function sealingTable(sealing: Sealing, table: DBCoreTable): DBCoreTable {
  const sealer = tableSealer(sealing, table.name)
  const seal = (trans: unknown) => (upgrading(trans) ? (row: Row) => row : sealer.seal)
  const open = (trans: unknown) => (upgrading(trans) ? (row: unknown) => row : sealer.open)
  return {
    ...table,
    mutate(req: DBCoreMutateRequest) {
      if (req.type !== 'add' && req.type !== 'put') return table.mutate(req)
      return table.mutate({ ...req, values: req.values.map(seal(req.trans)) })
    },
    get: (req) => table.get(req).then(open(req.trans)),
    getMany: (req) => table.getMany(req).then((rows) => rows.map(open(req.trans))),
    query: (req) => table.query(req).then((res) => (req.values ? { ...res, result: res.result.map(open(req.trans)) } : res)),
    openCursor: (req) =>
      table.openCursor(req).then((cursor) => {
        if (!cursor || req.values === false || upgrading(req.trans)) return cursor
        // IndexedDB's own getters refuse any `this` but the cursor itself, so every one read through the wrapper is passed on.
        return Object.create(cursor, {
          key: { get: () => cursor.key },
          primaryKey: { get: () => cursor.primaryKey },
          value: { get: () => sealer.open(cursor.value) },
        }) as DBCoreCursor
      }),
  }
}

/**
 * The middleware, just above Dexie's cache: the cache holds rows sealed, and every read, live queries' included,
 * opens only what it uses (the cache deep-clones what it hands out, which would read every sealed field). Below
 * Dexie's hooks, which see rows opened.
 */
export function sealingMiddleware(sealing: Sealing): Middleware<DBCore> {
  return {
    stack: 'dbcore',
    name: 'Sealing',
    level: 0.5,
    create: (down) => ({
      ...down,
      table(name) {
        const table = down.table(name)
        return SEALED_FIELDS[name] ? sealingTable(sealing, table) : table
      },
    }),
  }
}
