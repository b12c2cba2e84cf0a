/**
 * Login throttling: a sliding window of failed attempts per key (an account, an address). The counts live
 * in this process's memory, so they are per server instance: behind a load balancer with n instances an
 * attacker gets up to n times the budget, which still stops password guessing at scale. A shared store
 * (PostgreSQL, Redis) would make it exact; it is not worth a round trip on every login yet.
 */

export interface WindowLimit {
  /** Failed attempts allowed within the window. */
  max: number
  windowMs: number
}

/** Keys kept at most; past this the oldest are dropped, so a flood of addresses cannot exhaust memory. */
const MAX_KEYS = 100_000

/** A sliding-window counter of sign-in attempts per key. */
export class SlidingWindow {
  private readonly hits = new Map<string, number[]>()

  constructor(private readonly limit: WindowLimit) {}

  /** Milliseconds until `key` may try again, or 0 when it may now. */
  retryAfter(key: string, now: number): number {
    const recent = this.recent(key, now)
    if (recent.length < this.limit.max) return 0
    // The window frees a slot when the oldest attempt that still counts leaves it.
    return recent[recent.length - this.limit.max]! + this.limit.windowMs - now
  }

  /**
   * Counts an attempt for `key` at `now`. Attempts are counted before the password is checked, so that
   * many parallel guesses cannot all pass the limit while the first ones are still being verified.
   */
  record(key: string, now: number): void {
    const recent = this.recent(key, now)
    recent.push(now)
    // Re-inserting moves the key to the end, so the Map's order is least-recently-used first.
    this.hits.delete(key)
    this.hits.set(key, recent.slice(-this.limit.max))
    for (const oldest of this.hits.keys()) {
      if (this.hits.size <= MAX_KEYS) break
      this.hits.delete(oldest)
    }
  }

  /** Takes back one attempt recorded at `at` (it succeeded, so it was no guess). */
  forgive(key: string, at: number): void {
    const all = this.hits.get(key)
    const index = all?.lastIndexOf(at) ?? -1
    if (index >= 0) all!.splice(index, 1)
  }

  /** Forgets every attempt of `key` (its password was just proven). */
  clear(key: string): void {
    this.hits.delete(key)
  }

  private recent(key: string, now: number): number[] {
    const all = this.hits.get(key)
    if (!all) return []
    const recent = all.filter((at) => at > now - this.limit.windowMs)
    if (recent.length === 0) this.hits.delete(key)
    return recent
  }
}
