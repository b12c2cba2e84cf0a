/*
 * Errors of the sync edge as data the screens can act on. No schemas here: the status line and the sign-in
 * screen import these without bringing zod to the first screen.
 */

/** Why a request to the server failed, whatever the request. */
export const TRANSPORT_ERROR_CODES = [
  /** No network, or the server could not be reached. */
  'offline',
  /** The server took longer than the request's time limit (the request may still have been applied). */
  'timeout',
  /** The token is missing, revoked or expired: sign in again. */
  'unauthorized',
  /** The account signed in with a one-time password and must change it before anything syncs. */
  'password_change',
  /** More than the server takes in one request (413): send less. */
  'too_large',
  /** Too many requests (429): wait. */
  'throttled',
  /** The server failed (5xx) or a proxy in between did. */
  'server',
  /** An answer that is not what the protocol says (wrong shape, wrong ids). */
  'bad_response',
  /** The server refused the request itself (another 4xx): sending it again will not help. */
  'refused',
] as const
export type TransportErrorCode = (typeof TRANSPORT_ERROR_CODES)[number]

/** A failed request. `status` and `apiError` are the server's, when it answered. */
export class TransportError extends Error {
  override readonly name = 'TransportError'
  constructor(
    readonly code: TransportErrorCode,
    message: string,
    readonly details: { status?: number; apiError?: string; retryAfterMs?: number } = {},
  ) {
    super(message)
  }
}

/** What the last sync run ended with, when it did not end cleanly; kept in IndexedDB for every tab to show. */
export type SyncErrorCode =
  | TransportErrorCode
  /** The run finished, but the server refused some changes (each record shows why). */
  | 'rejected'
  /** The phone's storage is full: pulled data could not be written. */
  | 'storage_full'
  /** The office signed this phone out or wiped it (src/server/auth/authenticate.ts): its data is gone, sign in again. */
  | 'ended_by_office'
  /** A bug: the message says what, for whoever reads the console. */
  | 'unknown'

export interface SyncErrorInfo {
  code: SyncErrorCode
  message?: string
  at: string
}

/** Why sign-in or sign-out did not happen. */
export type SessionErrorCode =
  | 'invalid_credentials'
  | 'throttled'
  | 'offline'
  | 'server'
  /** Sign-out refused: changes on this phone have not reached the server (`pending` says how many records). */
  | 'unsynced'

export class SessionError extends Error {
  override readonly name = 'SessionError'
  constructor(
    readonly code: SessionErrorCode,
    message: string,
    readonly pending = 0,
    /** Throttled: how long the server asks to wait (its Retry-After), when it said. */
    readonly retryAfterMs?: number,
  ) {
    super(message)
  }
}

/** The whole minutes (at least 1) a throttled request must wait, when the server said (Retry-After); else null. */
export function waitMinutes(error: unknown): number | null {
  const ms = error instanceof TransportError ? error.details.retryAfterMs : error instanceof SessionError ? error.retryAfterMs : undefined
  return ms ? Math.ceil(ms / 60_000) : null
}
