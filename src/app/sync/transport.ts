import {
  ApiError,
  ArrivingPullPage,
  LoginResponse,
  MenteeView,
  type DeviceHealth,
  MissingResponse,
  PROTOCOL_VERSIONS,
  PULL_PROTOCOL_VERSION,
  type PullResponse,
  PushResponse,
  RecoveryKeyResponse,
  type LoginRequest,
  type Mutation,
  type PasswordChange,
  sentMutation,
  wholeChange,
} from '@/domain'
import type { PhotoImage, PhotoSize } from '@/app/db/database'
import { TransportError } from './errors'

/**
 * The device's one edge to the server: every request sync makes, as a small contract. `fetchTransport` is
 * the real one; tests use the in-memory double beside it (./transport-double.ts). Every failure is a
 * TransportError with a code the engine and the screens act on; every answer is validated with the domain
 * schemas before anyone reads it.
 */
export interface SyncTransport {
  login(request: LoginRequest): Promise<LoginResponse>
  /** Revokes this device's token on the server. */
  logout(): Promise<void>
  /** Changes the signed-in account's password (and ends its must-change state); refused: apiError says why. */
  changePassword(request: PasswordChange): Promise<void>
  /** This device's recovery key (base64url), for the account's password: a forgotten app PIN (src/app/lock). */
  recoveryKey(password: string): Promise<string>
  /** Resolves while this device's token stands; refused: apiError says how the office ended it. Carries nothing of residents. */
  checkIn(): Promise<void>
  /**
   * A push's body as push would send it (JSON, gzip where it pays), built ahead: the engine builds the next
   * batch's while one is out. A transport without it takes the batch alone. `json`, each mutation's JSON in UTF-8
   * as the engine made it to measure the batch, is the body's middle: not made again (with the gzip fed directly,
   * half the time of a body built from the batch: docs/where-the-time-goes.md).
   */
  encodePush?(request: PushBatch, json?: readonly Uint8Array[]): Promise<EncodedPush>
  push(request: PushBatch, encoded?: EncodedPush): Promise<PushResponse>
  /**
   * One page of changes since `cursor` (null: from the beginning). `skipEchoes`: leave out this device's own
   * changes its push answered with stamps, once caught up (docs/sync-protocol.md); only for a caller that applies them.
   */
  pull(cursor: string | null, limit: number, options?: { skipEchoes?: boolean }): Promise<PullResponse>
  /** Of these hashes (at most `MISSING_MAX_HASHES`), those the server wants uploaded by this caller. */
  missingAttachments(hashes: string[]): Promise<string[]>
  putAttachment(sha256: string, bytes: ArrayBuffer, type: string): Promise<void>
  /** A photo the caller may read, whole or as the server's thumbnail; `refused` with status 404 otherwise. */
  getAttachment(sha256: string, size: PhotoSize): Promise<PhotoImage>
  /** Tells the server how this device stands (at the end of a sync run). */
  reportHealth(health: DeviceHealth): Promise<void>
  /** A mentor's copy of each mentee's worklist, one per pairing that lasts (老带新; ./mentees.ts). */
  mentees(): Promise<MenteeView[]>
}

export interface PushBatch {
  /** The app sends the newest; 1 only to a server that refuses it (see `push`). */
  protocol: (typeof PROTOCOL_VERSIONS)[number]
  /** The id the server gave this device at sign-in. */
  deviceId: string
  /** The database epoch of the revisions the device holds (the last pull's), when it knows one. */
  epoch?: string
  mutations: Mutation[]
}

export interface FetchTransportOptions {
  /** Where the app's server is, e.g. `https://doorstep.example.org`; the API is under `/api/v1`. */
  baseUrl: string
  /** The device token; null before sign-in (only `login` works then). */
  token: string | null
  /** Per request, until the whole answer has arrived. */
  timeoutMs?: number
  /** Photo uploads get longer: 250 KB on a weak uplink takes seconds. */
  uploadTimeoutMs?: number
  fetch?: typeof fetch
}

const DEFAULT_TIMEOUT_MS = 20_000
const DEFAULT_UPLOAD_TIMEOUT_MS = 60_000

/** Push bodies from this size go gzip-compressed: below it, gzip's header and the work outweigh the bytes saved. */
export const GZIP_FROM_BYTES = 2048

/**
 * A push body, gzip-compressed where it pays (the server inflates it, src/server/gzip-body.ts): a batch of
 * visits' JSON shrinks about fourfold, and on a weak signal the upload is what the leader waits for.
 */
async function compressed(json: Uint8Array<ArrayBuffer>): Promise<EncodedPush> {
  if (json.length < GZIP_FROM_BYTES || typeof CompressionStream === 'undefined') return { body: new TextDecoder().decode(json) }
  // Written to the compressor as it is: a Blob would hand its bytes to Chromium's browser process and back.
  const gzip = new CompressionStream('gzip')
  const writer = gzip.writable.getWriter()
  const [, body] = await Promise.all([writer.write(json).then(() => writer.close()), new Response(gzip.readable).arrayBuffer()])
  return { body: new Uint8Array(body), encoding: 'gzip' }
}

/** A push body on its way: see SyncTransport.encodePush. */
export interface EncodedPush {
  body: BodyInit
  encoding?: 'gzip'
}

const utf8 = new TextEncoder()
const COMMA = 0x2c

/**
 * A push's JSON in UTF-8: its envelope around its mutations' JSON, given (see SyncTransport.encodePush) or made
 * here, copied into one array.
 */
function pushJson(
  { mutations, ...envelope }: PushBatch,
  json: readonly Uint8Array[] = mutations.map((m) => utf8.encode(JSON.stringify(sentMutation(m, envelope.protocol)))),
): Uint8Array<ArrayBuffer> {
  // Answers are matched to the mutations by place: a body of other mutations would settle the wrong entries.
  if (json.length !== mutations.length) throw new Error(`push body: ${json.length} mutations' JSON for ${mutations.length} mutations`)
  const head = utf8.encode(JSON.stringify({ ...envelope, mutations: [] }).slice(0, -2))
  const tail = utf8.encode(']}')
  const body = new Uint8Array(head.length + json.reduce((sum, mutation) => sum + mutation.length, 0) + Math.max(0, json.length - 1) + tail.length)
  body.set(head)
  let at = head.length
  json.forEach((mutation, i) => {
    if (i) body[at++] = COMMA
    body.set(mutation, at)
    at += mutation.length
  })
  body.set(tail, at)
  return body
}

const encodePush = (batch: PushBatch, json?: readonly Uint8Array[]) => compressed(pushJson(batch, json))

/** The real transport: `fetch` with a time limit on every request, answers checked against the schemas. */
export function fetchTransport(options: FetchTransportOptions): SyncTransport {
  const { token, timeoutMs = DEFAULT_TIMEOUT_MS, uploadTimeoutMs = DEFAULT_UPLOAD_TIMEOUT_MS } = options
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis)
  const api = `${options.baseUrl.replace(/\/+$/, '')}/api/v1`

  /**
   * One request, answered by `read` within the time limit. The timer covers the body too: a server that
   * sends headers and then stalls is as stuck as one that never answers.
   */
  async function request<T>(
    method: string,
    path: string,
    read: (response: Response) => Promise<T>,
    init: { body?: BodyInit; type?: string; encoding?: 'gzip'; timeout?: number } = {},
  ): Promise<T> {
    const controller = new AbortController()
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      controller.abort()
    }, init.timeout ?? timeoutMs)
    const headers: Record<string, string> = { accept: 'application/json' }
    if (token) headers.authorization = `Bearer ${token}`
    if (init.type) headers['content-type'] = init.type
    if (init.encoding) headers['content-encoding'] = init.encoding
    try {
      const response = await fetchImpl(api + path, {
        method,
        headers,
        body: init.body,
        signal: controller.signal,
        cache: 'no-store',
        credentials: 'omit',
      })
      if (!response.ok && !(method === 'HEAD' && response.status === 404)) throw await failure(response)
      return await read(response)
    } catch (error) {
      // First: an answer cut off by the time limit fails to parse, but it is a timeout, not a bad answer.
      if (timedOut) throw new TransportError('timeout', `${method} ${path}: no answer within the time limit`)
      if (error instanceof TransportError) throw error
      // fetch rejects with a TypeError when the network is down or the server unreachable (or CORS refused).
      throw new TransportError('offline', `${method} ${path}: ${error instanceof Error ? error.message : String(error)}`)
    } finally {
      clearTimeout(timer)
    }
  }

  const json =
    <T>(schema: { safeParse(data: unknown): { success: true; data: T } | { success: false } }, what: string) =>
    async (response: Response): Promise<T> => {
      let body: unknown
      try {
        body = await response.json()
      } catch {
        throw new TransportError('bad_response', `${what}: the answer is not JSON`)
      }
      const parsed = schema.safeParse(body)
      if (!parsed.success) throw new TransportError('bad_response', `${what}: the answer does not match the protocol`)
      return parsed.data
    }
  const none = async () => undefined

  return {
    login: (body) => request('POST', '/auth/login', json(LoginResponse, 'login'), { body: JSON.stringify(body), type: 'application/json' }),

    // No body and no content type: an empty JSON body is malformed JSON to the server.
    logout: () => request('POST', '/auth/logout', none),

    changePassword: (body) => request('POST', '/auth/password', none, { body: JSON.stringify(body), type: 'application/json' }),
    recoveryKey: async (password) =>
      (await request('POST', '/auth/recovery-key', json(RecoveryKeyResponse, 'recovery key'), { body: JSON.stringify({ password }), type: 'application/json' })).recoveryKey,

    checkIn: () => request('GET', '/auth/device', none),

    encodePush,
    async push(batch, encoded) {
      const send = async (body: EncodedPush) => request('POST', '/sync/push', json(PushResponse, 'push'), { ...body, type: 'application/json' })
      let answer: PushResponse
      try {
        answer = await send(encoded ?? (await encodePush(batch)))
      } catch (error) {
        // A server not upgraded yet (during a rolling upgrade behind a load balancer) refuses a newer protocol with a
        // 400, having applied nothing: the same batch goes again as protocol 1, every mutation with its id, whose
        // answers name their mutations.
        if (!(error instanceof TransportError && error.details.status === 400 && batch.protocol !== 1)) throw error
        answer = await send(await encodePush({ ...batch, protocol: 1 }))
      }
      // Answers are matched to mutations by position; anything else would apply answers to the wrong changes. One
      // that names its mutation (protocol 1, from a server that speaks no other) must name the one at its place.
      const matches =
        answer.results.length === batch.mutations.length &&
        answer.results.every((r, i) => !('mutationId' in r) || r.mutationId === batch.mutations[i]!.mutationId)
      if (!matches) throw new TransportError('bad_response', 'push: the answers do not match the mutations sent')
      return answer
    },

    pull(cursor, limit, { skipEchoes = false } = {}) {
      const query = new URLSearchParams({ limit: String(limit) })
      if (cursor) query.set('cursor', cursor)
      if (skipEchoes) query.set('echoes', 'skip')
      query.set('protocol', String(PULL_PROTOCOL_VERSION))
      return request('GET', `/sync/pull?${query}`, async (response) => {
        const page = await json(ArrivingPullPage, 'pull')(response)
        const changes = page.changes.map(wholeChange)
        if (!changes.every((change) => change !== undefined)) throw new TransportError('bad_response', 'pull: a change without its id or revision')
        return { ...page, changes }
      })
    },

    async missingAttachments(hashes) {
      const body = JSON.stringify({ hashes })
      const answer = await request('POST', '/attachments/missing', json(MissingResponse, 'missing attachments'), { body, type: 'application/json' })
      return answer.missing
    },

    putAttachment: (sha256, bytes, type) => request('PUT', `/attachments/${sha256}`, none, { body: bytes, type, timeout: uploadTimeoutMs }),

    getAttachment: (sha256, size) =>
      request(
        'GET',
        `/attachments/${sha256}?size=${size}`,
        async (response) => {
          const type = response.headers.get('content-type') ?? ''
          if (!type.startsWith('image/')) throw new TransportError('bad_response', `photo ${sha256}: the answer is not an image`)
          return { data: await response.arrayBuffer(), type }
        },
        { timeout: uploadTimeoutMs },
      ),

    reportHealth: (health) => request('POST', '/sync/health', none, { body: JSON.stringify(health), type: 'application/json' }),

    mentees: () => request('GET', '/mentorships/mine', json(MenteeView.array(), 'mentees')),
  }
}

/** A non-2xx answer as a TransportError; the body's `{error, message}` when the server sent one. */
async function failure(response: Response): Promise<TransportError> {
  const body = ApiError.safeParse(await response.json().catch(() => null))
  const apiError = body.success ? body.data.error : undefined
  const message = body.success ? body.data.message : `HTTP ${response.status}`
  const details = { status: response.status, apiError }
  const { status } = response
  if (status === 401) return new TransportError('unauthorized', message, details)
  if (apiError === 'password_change_required') return new TransportError('password_change', message, details)
  if (status === 413) return new TransportError('too_large', message, details)
  if (status === 429) {
    const seconds = Number(response.headers.get('retry-after'))
    return new TransportError('throttled', message, { ...details, retryAfterMs: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined })
  }
  if (status >= 500) return new TransportError('server', message, details)
  return new TransportError('refused', message, details)
}
