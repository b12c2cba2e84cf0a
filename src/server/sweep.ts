import type { Storage } from './storage/types'

/**
 * Photos that no record names are removed once they are a day old. A device uploads a batch's photos just
 * before the push that names them, so a photo without a record is either on its way (minutes) or never
 * will be (an abandoned upload, noise): a day tells them apart with room for a push that failed and waits
 * for the network.
 */
export const UNREFERENCED_MAX_AGE_MS = 24 * 60 * 60_000
/** How often the server sweeps: often enough that nothing outlives its day by much. */
export const SWEEP_INTERVAL_MS = 60 * 60_000

/** Removes the photos no record names that were uploaded more than a day before `now`. */
export function sweepUnreferenced(storage: Storage, now: Date): Promise<{ count: number; bytes: number }> {
  return storage.sweepUnreferencedAttachments(new Date(now.getTime() - UNREFERENCED_MAX_AGE_MS).toISOString())
}

export interface SweeperOptions {
  storage: Storage
  clock?: () => Date
  intervalMs?: number
  /** Told what each sweep removed, or why it failed (the next one tries again). */
  log: { info(details: object, message: string): void; error(details: object, message: string): void }
}

/** The sweep's name in job_leases. */
export const SWEEP_JOB = 'sweep'

/**
 * Sweeps photos (and forgotten sign-in failures) now and then every `intervalMs`, until the returned function is
 * called. The timer is unref'd, so it never keeps the process alive, and a sweep never overlaps the one before it.
 * Every server of a cluster times the same sweeps: the one that claims the lease (job_leases) sweeps, the others
 * skip until it ends. The lease ends a little before the holder's next tick, so that one server goes on holding
 * it while it runs, and another takes over within an interval when it stops. Two sweeps at once would still be
 * safe (each row is deleted once), only wasted work.
 */
export function startSweeper({ storage, clock = () => new Date(), intervalMs = SWEEP_INTERVAL_MS, log }: SweeperOptions): () => void {
  let running: Promise<void> | undefined
  const sweep = () => {
    const now = clock()
    running ??= storage
      .claimJob(SWEEP_JOB, now.getTime(), now.getTime() + Math.floor(intervalMs * 0.9))
      .then(async (claimed) => {
        if (!claimed) return
        // Ended sign-in windows go too: every address that ever tried leaves a row.
        const [removed] = await Promise.all([sweepUnreferenced(storage, now), storage.dropEndedRateLimits(now.getTime())])
        if (removed.count > 0) log.info(removed, 'removed photos that no record names')
      })
      .catch((error: unknown) => log.error({ err: error }, 'photo sweep failed'))
      .finally(() => (running = undefined))
  }
  sweep()
  const timer = setInterval(sweep, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
