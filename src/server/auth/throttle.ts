import type { Storage, ThrottleState } from '../storage/types'

/**
 * Sign-in throttling with growing delays: a key (an account at an address, or an address) may fail `free`
 * times; after that each failure makes the next attempt wait, first `firstDelayMs`, then twice as long each
 * time, at most `maxDelayMs`. Failures are forgotten `forgetAfterMs` after the last one.
 */
export interface ThrottleRule {
  free: number
  firstDelayMs: number
  maxDelayMs: number
  forgetAfterMs: number
}

/** How long the next attempt waits after `failures` failures in a row. */
export function delayAfter(failures: number, rule: ThrottleRule): number {
  if (failures < rule.free) return 0
  // The exponent is capped too: 2 ** 1000 is Infinity, and a long attack must not overflow into NaN.
  return Math.min(rule.maxDelayMs, rule.firstDelayMs * 2 ** Math.min(failures - rule.free, 40))
}

/** What an attempt at `now` does to a key: refused for `waitMs`, or counted as a failure until the password proves otherwise. */
export type AttemptOutcome = { blocked: true; waitMs: number } | { blocked: false; next: ThrottleState }

/**
 * An attempt is counted before the password is checked, so that guesses sent all at once cannot pass while
 * the first ones are still being checked; one that succeeds is taken back (`undoAttempt`) or cleared.
 */
export function attempt(state: ThrottleState | undefined, rule: ThrottleRule, now: number): AttemptOutcome {
  const current = state && state.forgetAt > now ? state : { failures: 0, blockedUntil: 0 }
  if (current.blockedUntil > now) return { blocked: true, waitMs: current.blockedUntil - now }
  const failures = current.failures + 1
  const delay = delayAfter(failures, rule)
  const blockedUntil = delay > 0 ? now + delay : 0
  return { blocked: false, next: { failures, blockedUntil, forgetAt: Math.max(now + rule.forgetAfterMs, blockedUntil) } }
}

/**
 * Takes back an attempt that wrote `counted` over `before` (undefined: the key had no state): as it was,
 * when nothing counted since; otherwise one failure fewer, keeping the wait the later failures set.
 */
export function undoAttempt(current: ThrottleState, counted: ThrottleState, before: ThrottleState | undefined, now: number): ThrottleState {
  if (sameState(current, counted)) return before ?? { failures: 0, blockedUntil: 0, forgetAt: now }
  return { ...current, failures: Math.max(0, current.failures - 1) }
}

const sameState = (a: ThrottleState, b: ThrottleState): boolean =>
  a.failures === b.failures && a.blockedUntil === b.blockedUntil && a.forgetAt === b.forgetAt

/** An attempt that was counted: enough to take it back. */
export interface CountedAttempt {
  key: string
  before: ThrottleState | undefined
  counted: ThrottleState
}

/**
 * Counts an attempt on `key` in the database, shared by every server on it: read, apply the rule, write only
 * if nobody wrote in between, else again (a write that lost means another attempt was counted meanwhile).
 */
export async function countAttempt(storage: Storage, key: string, rule: ThrottleRule, now: number): Promise<CountedAttempt | { waitMs: number }> {
  for (;;) {
    const before = await storage.throttleState(key)
    const outcome = attempt(before, rule, now)
    if (outcome.blocked) return { waitMs: outcome.waitMs }
    if (await storage.swapThrottleState(key, before, outcome.next)) return { key, before, counted: outcome.next }
  }
}

/** Takes back a counted attempt that was no guess (see undoAttempt). */
export async function takeBack(storage: Storage, { key, before, counted }: CountedAttempt, now: number): Promise<void> {
  for (;;) {
    const current = await storage.throttleState(key)
    if (!current || (await storage.swapThrottleState(key, current, undoAttempt(current, counted, before, now)))) return
  }
}

/**
 * The address a throttle counts by: an IPv4 address as it is (also when written as IPv6, ::ffff:a.b.c.d), and an
 * IPv6 address by its /64 — a phone on a Chinese carrier's IPv6 holds a whole /64 and could take a new address
 * for every guess.
 */
export function throttledAddress(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  if (mapped) return mapped[1]!
  if (!ip.includes(':')) return ip
  const [head = '', tail = ''] = ip.toLowerCase().split('%')[0]!.split('::')
  const left = head ? head.split(':') : []
  const right = ip.includes('::') && tail ? tail.split(':') : []
  const groups = ip.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left
  return `${groups.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, '')).join(':')}::/64`
}
