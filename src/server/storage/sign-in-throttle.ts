import type { Kysely } from 'kysely'
import type { Database } from './schema'
import type { ThrottleState } from './types'

/*
 * Sign-in throttle states in `rate_limits` (src/server/auth/throttle.ts has the rule): `hits` is the failures
 * in a row, `resets_at` when they are forgotten (the sweep drops the row then), `blocked_until` until when
 * the next attempt waits. Times are the server's clock in ms, never the database's.
 */

export async function throttleState(db: Kysely<Database>, key: string): Promise<ThrottleState | undefined> {
  const row = await db.selectFrom('rate_limits').select(['hits', 'blocked_until', 'resets_at']).where('limit_key', '=', key).executeTakeFirst()
  return row && { failures: Number(row.hits), blockedUntil: Number(row.blocked_until), forgetAt: Number(row.resets_at) }
}

export async function swapThrottleState(db: Kysely<Database>, key: string, expected: ThrottleState | undefined, next: ThrottleState): Promise<boolean> {
  const values = { hits: next.failures, blocked_until: next.blockedUntil, resets_at: next.forgetAt }
  const written = expected
    ? await db
        .updateTable('rate_limits')
        .set(values)
        .where('limit_key', '=', key)
        .where('hits', '=', expected.failures)
        .where('blocked_until', '=', expected.blockedUntil)
        .where('resets_at', '=', expected.forgetAt)
        .returning('limit_key')
        .executeTakeFirst()
    : await db
        .insertInto('rate_limits')
        .values({ limit_key: key, ...values })
        .onConflict((oc) => oc.column('limit_key').doNothing())
        .returning('limit_key')
        .executeTakeFirst()
  return written !== undefined
}
