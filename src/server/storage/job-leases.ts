import type { Kysely } from 'kysely'
import type { Database } from './schema'

/*
 * Leases of periodic jobs in `job_leases` (migration 0019): every server runs the same timers, and the one whose
 * claim lands first does the work until the lease ends; the others skip it. Times are the servers' clocks in
 * ms, like the sign-in throttle's.
 */

/**
 * Takes the lease of `job` until `until` when nobody holds it at `now`; whether it did. One statement, so
 * that of servers claiming at once exactly one gets it (PostgreSQL locks the row the upsert meets).
 */
export async function claimJob(db: Kysely<Database>, job: string, now: number, until: number): Promise<boolean> {
  const claimed = await db
    .insertInto('job_leases')
    .values({ job, held_until: until })
    .onConflict((oc) => oc.column('job').doUpdateSet({ held_until: until }).where('job_leases.held_until', '<=', now))
    .returning('job')
    .executeTakeFirst()
  return claimed !== undefined
}
