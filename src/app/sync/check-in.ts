import type { DoorstepDatabase } from '@/app/db/database'
import { TransportError } from './errors'
import { endAsOfficeAsked, readSession, sessionTransport, type StoredSession } from './session'
import type { SyncTransport } from './transport'

/**
 * A phone that is locked, or has yet to choose its PIN, neither pushes nor pulls (what it holds is sealed, or
 * would land unsealed), so without this it would never hear that the office wiped it: a lost phone nobody can
 * unlock would keep its residents for ever. It asks the server only whether its token stands (`GET /auth/device`).
 *
 * - `device_wiped`: it empties itself as sync does (endAsOfficeAsked), which needs no key: it only clears.
 * - `device_signed_out`: left as it is, and nothing said: its last push needs the PIN, and the sync after
 *   unlocking pushes, then clears.
 * - Anything else (offline, a token no longer valid, the server down) is the sync after unlocking's to tell.
 *
 * Answers whether the phone was emptied.
 */
export async function checkIn(
  db: DoorstepDatabase,
  transport: (session: StoredSession) => SyncTransport = sessionTransport,
  now: () => number = Date.now,
): Promise<boolean> {
  const session = await readSession(db)
  if (!session) return false
  try {
    await transport(session).checkIn()
    return false
  } catch (error) {
    if (!(error instanceof TransportError)) throw error
    if (error.details.apiError !== 'device_wiped') return false
    return (await endAsOfficeAsked(db, 'device_wiped', session.token, new Date(now()).toISOString())) !== null
  }
}
