import { createHash } from 'node:crypto'
import { z } from 'zod'
import type { Principal } from '../storage/types'

/**
 * The pull cursor, opaque to the device: base64url of `{v, rev, scope}`. `rev` is the last revision the
 * device has; `scope` fingerprints what the caller could see when the cursor was made. Revisions alone
 * cannot tell a device that a building was just assigned to its leader — the records of that building
 * carry old revisions the cursor has already passed — so a cursor whose scope differs from the caller's
 * scope now restarts from revision 0, and the answer says `reset` so that the device replaces what it had.
 */

const CURSOR_VERSION = 1
/** Far above any real cursor (about 60 characters), low enough that nobody parses megabytes of it. */
export const CURSOR_MAX_LENGTH = 256

const CursorBody = z.strictObject({
  v: z.literal(CURSOR_VERSION),
  rev: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  scope: z.string().max(64),
  /** See `encodeCursor`; absent from cursors made before it, which are not. */
  caughtUp: z.literal(true).optional(),
  /** The database epoch of `rev` (./storage/database-epoch.ts); absent from cursors made before epochs. */
  epoch: z.string().max(64).optional(),
})
type CursorBody = z.infer<typeof CursorBody>

/**
 * The caller's scope: role, community and — for a leader, the only role whose view depends on them — the
 * sorted building ids. Office staff keep their cursor when buildings move between leaders.
 */
export function scopeOf(principal: Principal): string {
  const buildings = principal.role === 'leader' ? [...principal.buildingIds].sort() : []
  return createHash('sha256')
    .update(JSON.stringify([principal.role, principal.communityId, buildings]))
    .digest('base64url')
    .slice(0, 22)
}

/**
 * The cursor a device sends back to continue after `rev`. `caughtUp`: the device asked to skip its echoes and
 * has pulled to the end since it last started from the beginning (a first pull, a reset), so it holds its
 * own records and may have its echoes left out; until then it may hold none of them.
 */
export function encodeCursor(rev: number, scope: string, caughtUp = false, epoch?: string): string {
  const body: CursorBody = { v: CURSOR_VERSION, rev, scope, ...(caughtUp && { caughtUp }), ...(epoch !== undefined && { epoch }) }
  return Buffer.from(JSON.stringify(body)).toString('base64url')
}

/** The cursor's revision, scope, whether it is caught up and its epoch, or undefined when it is not a cursor this server made. */
export function decodeCursor(cursor: string): { rev: number; scope: string; caughtUp: boolean; epoch: string | undefined } | undefined {
  if (cursor.length > CURSOR_MAX_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) return undefined
  try {
    const parsed = CursorBody.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')))
    return parsed.success ? { rev: parsed.data.rev, scope: parsed.data.scope, caughtUp: parsed.data.caughtUp ?? false, epoch: parsed.data.epoch } : undefined
  } catch {
    return undefined
  }
}
