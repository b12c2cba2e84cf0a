import { ApiError } from '@/domain/sync'
import { CanvassLinkCreated, PublicCanvass, type LinkAnswer } from '@/domain/canvass-links'
import type { StoredSession } from '@/app/sync/session'

/*
 * The two clients of the one-time links (src/domain/canvass-links.ts), both online only: the owner's page
 * asks for its canvass and sends its answer with no account, on the server that served it; the leader's
 * phone asks for a new link with its device token, as the workspace's client does (office/api.ts).
 */

/** Why a call failed: what the screens tell apart. */
export type LinkFailure = 'link_used' | 'link_expired' | 'link_revoked' | 'too_many_requests' | 'bad_request' | 'not_found' | 'conflict' | 'offline' | 'signed_out' | 'failed'

const KNOWN: ReadonlySet<string> = new Set(['link_used', 'link_expired', 'link_revoked', 'too_many_requests', 'bad_request', 'not_found', 'conflict'])

export class LinkApiError extends Error {
  constructor(
    readonly code: LinkFailure,
    message: string,
  ) {
    super(message)
    this.name = 'LinkApiError'
  }
}

const TIMEOUT_MS = 30_000

type Fetch = typeof fetch

async function send(fetchImpl: Fetch, url: string, init: { method: string; token?: string; json?: unknown }): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' }
  if (init.token) headers.authorization = `Bearer ${init.token}`
  if (init.json !== undefined) headers['content-type'] = 'application/json'
  let response: Response
  try {
    response = await fetchImpl(url, {
      method: init.method,
      headers,
      body: init.json === undefined ? undefined : JSON.stringify(init.json),
      cache: 'no-store',
      credentials: 'omit',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    })
  } catch (error) {
    throw new LinkApiError('offline', `${init.method} ${url}: ${error instanceof Error ? error.message : String(error)}`)
  }
  if (response.ok) return response
  const refused = ApiError.safeParse(await response.json().catch(() => null))
  const code = refused.success && KNOWN.has(refused.data.error) ? (refused.data.error as LinkFailure) : 'failed'
  throw new LinkApiError(code, refused.success ? refused.data.message : `${init.method} ${url}: HTTP ${response.status}`)
}

async function parsed<T>(response: Response, schema: { safeParse(data: unknown): { success: true; data: T } | { success: false } }): Promise<T> {
  const result = schema.safeParse(await response.json().catch(() => undefined))
  if (!result.success) throw new LinkApiError('failed', 'The answer does not match the contract')
  return result.data
}

/** The owner's page: on the server that served it, with no account. */
export function createAnswerApi(fetchImpl: Fetch = (input, init) => globalThis.fetch(input, init)) {
  const path = (token: string) => `/api/v1/public/answer/${encodeURIComponent(token)}`
  return {
    canvass: async (token: string) => parsed(await send(fetchImpl, path(token), { method: 'GET' }), PublicCanvass),
    answer: async (token: string, answer: LinkAnswer) => void (await send(fetchImpl, path(token), { method: 'POST', json: answer })),
  }
}

/** The leader's phone: a new link for a household, with the session's device token. */
export function createLinkApi(session: () => Promise<Pick<StoredSession, 'serverUrl' | 'token'> | null>, fetchImpl: Fetch = (input, init) => globalThis.fetch(input, init)) {
  return {
    create: async (canvassId: string, householdId: string) => {
      const current = await session()
      if (!current) throw new LinkApiError('signed_out', 'no session on this device')
      const url = `${current.serverUrl.replace(/\/+$/, '')}/api/v1/canvasses/${encodeURIComponent(canvassId)}/links`
      return parsed(await send(fetchImpl, url, { method: 'POST', token: current.token, json: { householdId } }), CanvassLinkCreated)
    },
  }
}
