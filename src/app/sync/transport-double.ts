import { addComment, answerAgain, newReportState, type DeviceHealth, type DeviceRevocation, resubmit, templateRowId, transition, type EarlierDevice, type IssueReport, type MenteeView, type Mutation, type MutationAnswer, type MutationResult, type PullTable, type User, withoutId } from '@/domain'
import { TransportError, type TransportErrorCode } from './errors'
import type { PhotoImage } from '@/app/db/database'
import type { SyncTransport } from './transport'

/**
 * A SyncTransport over an in-memory server, for tests of the engine: it keeps records with revisions,
 * answers each mutation once (a repeat is `duplicate`), pages pull by revision, and fails on demand —
 * before the server did anything, or after it applied a request whose answer is then lost. It is not the
 * server: no scopes, no field-level conflicts (script those with `answer`); the integration tests run the
 * engine against the real one.
 */

type Op = keyof SyncTransport

export interface StoredChange {
  table: PullTable
  rev: number
  record: Record<string, unknown>
  /** Set when the device's exact echo wrote it (answered with stamps): a pull that skips echoes leaves it out. */
  echo?: true
}

export interface TransportDouble {
  transport: SyncTransport
  /** The server's records by id (templates by `id@version`). */
  records: Map<string, StoredChange>
  /** Hashes of the attachments the server has. */
  attachments: Set<string>
  /** The bytes of those uploaded through the double or placed here by a test (someone else's photos). */
  photos: Map<string, PhotoImage>
  /** What login answers about the user's earlier devices of the same name (none unless a test says so). */
  earlierDevices: EarlierDevice[]
  /** Every health report the device sent, in order. */
  health: DeviceHealth[]
  /** What GET /mentorships/mine answers: the mentor's copies (none unless a test says so). */
  menteeViews: MenteeView[]
  /** Every call in order, with the mutations of each push. */
  calls: Array<{ op: Op; mutations?: Mutation[] }>
  limits: { maxMutations: number; maxBytes: number }
  /** The next `times` calls of `op` fail with `code`; with `afterApply`, the server applies the request first. */
  fail(op: Op, code: TransportErrorCode, options?: { times?: number; afterApply?: boolean }): void
  /** Answers mutations with what `script` returns for them, instead of applying them (undefined: apply). */
  answer(script: (mutation: Mutation) => MutationResult | undefined): void
  /** Runs `hook` when `op` is called, before the server answers (a save landing mid-run, say). */
  on(op: Op, hook: () => Promise<void> | void): void
  /** Someone else's change on the server; answers its revision. */
  serverPut(table: PullTable, record: Record<string, unknown> & { id: string }): number
  /** The next pull starts from the beginning and says `reset` (the caller's scope changed). */
  resetNextPull(): void
  /** The office revokes the device: from now on the double answers as the server does (src/server/auth/authenticate.ts). */
  revoke(mode: DeviceRevocation): void
}

/** What a device the office signed out may still do: its last push (src/server/routes, `finalPush`). */
const FINAL_PUSH: readonly Op[] = ['push', 'missingAttachments', 'putAttachment']

/** The account's password, as the double checks it for the recovery key. */
export const DOUBLE_PASSWORD = 'doorstep-demo'
/** The device's recovery key as the server sends it (base64url of 32 bytes). */
export const DOUBLE_RECOVERY_KEY = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8'

export const DOUBLE_USER: User = { id: 'leader-1', username: 'leader1', displayName: '一号楼长', role: 'leader', communityId: 'c-1', buildingIds: [] }

/** A fresh double with an empty server. */
export function createTransportDouble(): TransportDouble {
  const records = new Map<string, StoredChange>()
  const attachments = new Set<string>()
  const photos = new Map<string, PhotoImage>()
  const answered = new Map<string, MutationResult>()
  const calls: TransportDouble['calls'] = []
  const health: DeviceHealth[] = []
  const faults: Array<{ op: Op; code: TransportErrorCode; afterApply: boolean }> = []
  const hooks = new Map<Op, () => Promise<void> | void>()
  const limits = { maxMutations: 500, maxBytes: 1024 * 1024 }
  let rev = 0
  let script: (mutation: Mutation) => MutationResult | undefined = () => undefined
  let reset = false
  let revoked: DeviceRevocation | null = null

  /** Runs one call: the hook, a fault before, the work, a fault after (the work done, the answer lost). */
  async function call<T>(op: Op, work: () => T, mutations?: Mutation[]): Promise<T> {
    calls.push({ op, mutations })
    await hooks.get(op)?.()
    if (revoked && op !== 'login' && !(revoked === 'sign_out' && FINAL_PUSH.includes(op))) {
      throw new TransportError('unauthorized', `double: ${op} of a revoked device`, { status: 401, apiError: revoked === 'wipe' ? 'device_wiped' : 'device_signed_out' })
    }
    const index = faults.findIndex((f) => f.op === op)
    const fault = index >= 0 ? faults.splice(index, 1)[0] : undefined
    if (fault && !fault.afterApply) throw new TransportError(fault.code, `double: ${op} failed`)
    const result = work()
    if (fault) throw new TransportError(fault.code, `double: ${op} answer lost`)
    return result
  }

  function put(table: PullTable, id: string, record: Record<string, unknown>, echo = false): number {
    rev++
    records.set(id, { table, rev, record: { ...record, rev }, ...(echo && { echo }) })
    return rev
  }

  function apply(m: Mutation): MutationResult {
    const scripted = script(m)
    if (scripted) return scripted
    const reject = (code: Extract<MutationResult, { status: 'rejected' }>['code']): MutationResult => ({ mutationId: m.mutationId, status: 'rejected', code, message: code })
    if (m.kind === 'template.publish') {
      const { template } = m
      const versions = [...records.values()].filter((c) => c.table === 'templates' && c.record.id === template.id).map((c) => Number(c.record.version))
      if (template.version <= Math.max(0, ...versions)) return reject('stale_template')
      return { mutationId: m.mutationId, status: 'applied', rev: put('templates', templateRowId(template.id, template.version), template) }
    }
    const stored = records.get(m.recordId)
    const current = stored?.record
    switch (m.kind) {
      case 'put': {
        const base = current ?? {
          id: m.recordId,
          createdBy: DOUBLE_USER.id,
          deviceId: 'device-double',
          deletedAt: null,
          conflicts: [],
          ...(m.table === 'issues' ? newReportState() : {}),
        }
        const at = String(m.fields.createdAt ?? current?.updatedAt ?? new Date(0).toISOString())
        const record: Record<string, unknown> = { createdAt: at, ...base, ...m.fields, updatedAt: at }
        // As the server: the device holds what it put over a record it had (its base, or its own echo).
        const echo = !stored || m.baseRev === stored.rev || stored.echo === true
        const written = put(m.table, m.recordId, record, echo)
        if (!echo) return { mutationId: m.mutationId, status: 'applied', rev: written }
        // What the double set beyond the put; for an edit, more than the server sends, which is as true.
        const stamps = Object.fromEntries(Object.entries(record).filter(([field, value]) => field !== 'id' && m.fields[field] !== value))
        return { mutationId: m.mutationId, status: 'applied', rev: written, stamps }
      }
      case 'delete':
        if (!current) return reject('not_found')
        return { mutationId: m.mutationId, status: 'applied', rev: put(m.table, m.recordId, { ...current, deletedAt: current.updatedAt }) }
      default: {
        if (!current) return reject('not_found')
        const report = current as unknown as IssueReport
        const at = report.updatedAt
        let next: IssueReport
        if (m.kind === 'issue.status' || m.kind === 'issue.resubmit') {
          const change = { eventId: m.eventId, at, note: m.note }
          const moved = m.kind === 'issue.status' ? transition(report, m.to, { ...change, by: 'office-1' }) : resubmit(report, { ...change, by: DOUBLE_USER.id })
          if (!moved.ok) return reject('invalid_transition')
          next = moved.report
        } else if (m.kind === 'issue.comment') next = addComment(report, { eventId: m.eventId, at, by: DOUBLE_USER.id, text: m.text })
        else next = { ...report, assignee: m.assignee }
        return { mutationId: m.mutationId, status: 'applied', rev: put('issues', m.recordId, next) }
      }
    }
  }

  const transport: SyncTransport = {
    login: () =>
      call('login', () => ({
        token: 'token-double',
        deviceId: 'device-double',
        user: DOUBLE_USER,
        earlierDevices: double.earlierDevices,
        mustChangePassword: false,
        recoveryKey: DOUBLE_RECOVERY_KEY,
        appLock: 'required',
      })),
    logout: () => call('logout', () => undefined),
    changePassword: () => call('changePassword', () => undefined),
    recoveryKey: (password) =>
      call('recoveryKey', () => {
        if (password !== DOUBLE_PASSWORD) throw new TransportError('refused', 'double: wrong password', { status: 403, apiError: 'forbidden' })
        return DOUBLE_RECOVERY_KEY
      }),
    checkIn: () => call('checkIn', () => undefined),
    push: (batch) =>
      call(
        'push',
        () => {
          if (batch.mutations.length > limits.maxMutations || JSON.stringify(batch).length > limits.maxBytes) {
            throw new TransportError('too_large', 'double: batch too large', { status: 413 })
          }
          // As the server answers protocol 2: in the order of the mutations, no ids.
          return {
            results: batch.mutations.map((m): MutationAnswer => {
              const seen = answered.get(m.mutationId)
              if (seen) return withoutId(answerAgain(seen))
              const result = apply(m)
              answered.set(m.mutationId, result)
              return withoutId(result)
            }),
          }
        },
        batch.mutations,
      ),
    // The cursor is the last revision read, and ` catching up` after it until a pull that skips echoes has
    // reached the end since the last start from the beginning (a first pull, a reset): only then are they skipped.
    pull: (cursor, limit, { skipEchoes = false } = {}) =>
      call('pull', () => {
        const [from = '0', state] = (cursor ?? '0 catching up').split(' ', 2)
        const after = reset ? 0 : Number(from)
        const caughtUp = skipEchoes && !reset && state === undefined
        const wasReset = reset
        reset = false
        const newer = [...records.entries()].filter(([, c]) => c.rev > after).sort(([, a], [, b]) => a.rev - b.rev)
        const page: typeof newer = []
        let read = 0
        for (const entry of newer) {
          if (page.length === limit) break
          read++
          if (!(caughtUp && entry[1].echo)) page.push(entry)
        }
        const last = read ? newer[read - 1]![1].rev : after
        const hasMore = read < newer.length
        return {
          changes: page.map(([id, c]) => ({ table: c.table, id, rev: c.rev, record: c.record })),
          cursor: skipEchoes && (caughtUp || !hasMore) ? String(last) : `${last} catching up`,
          hasMore,
          reset: wasReset,
        }
      }),
    missingAttachments: (hashes) => call('missingAttachments', () => hashes.filter((sha256) => !attachments.has(sha256))),
    putAttachment: (sha256, data, type) =>
      call('putAttachment', () => {
        attachments.add(sha256)
        photos.set(sha256, { data, type })
      }),
    // The thumbnail stands in as the photo's first bytes: smaller, and told apart by the tests.
    getAttachment: (sha256, size) =>
      call('getAttachment', () => {
        const photo = photos.get(sha256)
        if (!photo) throw new TransportError('refused', 'No such attachment.', { status: 404, apiError: 'not_found' })
        return size === 'full' ? photo : { data: photo.data.slice(0, 8), type: 'image/jpeg' }
      }),
    reportHealth: (report) => call('reportHealth', () => void health.push(report)),
    mentees: () => call('mentees', () => double.menteeViews),
  }

  const double: TransportDouble = {
    transport,
    records,
    attachments,
    photos,
    earlierDevices: [],
    health,
    menteeViews: [],
    calls,
    limits,
    fail: (op, code, { times = 1, afterApply = false } = {}) => {
      for (let i = 0; i < times; i++) faults.push({ op, code, afterApply })
    },
    answer: (next) => (script = next),
    on: (op, hook) => hooks.set(op, hook),
    serverPut: (table, record) => put(table, table === 'templates' ? templateRowId(String(record.id), Number(record.version)) : record.id, record),
    resetNextPull: () => (reset = true),
    revoke: (mode) => (revoked = mode),
  }
  return double
}
