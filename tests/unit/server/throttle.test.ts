import { describe, expect, it } from 'vitest'
import { attempt, delayAfter, throttledAddress, undoAttempt, type ThrottleRule } from '@/server/auth/throttle'
import { DEFAULT_LIMITS } from '@/server/context'
import type { ThrottleState } from '@/server/storage/types'

const MINUTE = 60_000
const rule: ThrottleRule = { free: 5, firstDelayMs: MINUTE, maxDelayMs: 60 * MINUTE, forgetAfterMs: 24 * 60 * MINUTE }

/** Fails `n` times, each attempt made as soon as the last wait is over; the state after and the waits met. */
function failTimes(n: number, from = 0): { state: ThrottleState | undefined; now: number; waits: number[] } {
  let state: ThrottleState | undefined
  let now = from
  const waits: number[] = []
  for (let i = 0; i < n; i++) {
    const outcome = attempt(state, rule, now)
    if (outcome.blocked) throw new Error(`blocked at attempt ${i + 1}`)
    state = outcome.next
    waits.push(Math.max(0, state.blockedUntil - now))
    now = Math.max(now, state.blockedUntil)
  }
  return { state, now, waits }
}

describe('the sign-in delay schedule', () => {
  it('waits nothing for the first four failures, then 1 minute, 2, 4, … at most an hour', () => {
    expect([1, 2, 3, 4].map((n) => delayAfter(n, rule))).toEqual([0, 0, 0, 0])
    expect([5, 6, 7, 8, 9, 10, 11, 12].map((n) => delayAfter(n, rule) / MINUTE)).toEqual([1, 2, 4, 8, 16, 32, 60, 60])
    // A long attack neither overflows nor shortens the wait.
    expect(delayAfter(10_000, rule)).toBe(60 * MINUTE)
  })

  it('is the default for an account at an address; an address alone has a looser one', () => {
    expect(DEFAULT_LIMITS.loginPerAccountAddress).toEqual(rule)
    expect(DEFAULT_LIMITS.loginPerAddress.free).toBeGreaterThan(rule.free)
  })

  it('counts an attempt before the password is known, and refuses the next one while the wait lasts', () => {
    const { state, now, waits } = failTimes(5)
    expect(waits).toEqual([0, 0, 0, 0, MINUTE])
    expect(state).toMatchObject({ failures: 5, blockedUntil: MINUTE })
    expect(now).toBe(MINUTE)
    expect(attempt(state, rule, MINUTE - 1000)).toEqual({ blocked: true, waitMs: 1000 })
    // A refused attempt changes nothing, so hammering a blocked key does not lengthen its wait.
    const after = attempt(state, rule, MINUTE)
    expect(after).toEqual({ blocked: false, next: { failures: 6, blockedUntil: MINUTE + 2 * MINUTE, forgetAt: MINUTE + rule.forgetAfterMs } })
  })

  it('forgets failures a day after the last one, but never before a wait is over', () => {
    const { state, now } = failTimes(3)
    expect(attempt(state, rule, now + rule.forgetAfterMs - 1)).toMatchObject({ next: { failures: 4 } })
    expect(attempt(state, rule, now + rule.forgetAfterMs)).toMatchObject({ next: { failures: 1 } })
    const long = { free: 1, firstDelayMs: 10 * MINUTE, maxDelayMs: 10 * MINUTE, forgetAfterMs: MINUTE }
    const blocked = attempt(undefined, long, 0)
    expect(blocked).toEqual({ blocked: false, next: { failures: 1, blockedUntil: 10 * MINUTE, forgetAt: 10 * MINUTE } })
  })

  it('takes back an attempt as if it never happened, or, when others were counted since, one failure and not their wait', () => {
    const before = failTimes(4).state
    const counted = attempt(before, rule, 0)
    if (counted.blocked) throw new Error('blocked')
    expect(counted.next.blockedUntil).toBe(MINUTE)
    // A success that would have started the wait leaves none behind.
    expect(undoAttempt(counted.next, counted.next, before, 10)).toEqual(before)
    expect(undoAttempt(counted.next, counted.next, undefined, 10)).toEqual({ failures: 0, blockedUntil: 0, forgetAt: 10 })
    // Another guess counted while this password was checked started a wait: that wait stays.
    const earlier = failTimes(3).state
    const mine = attempt(earlier, rule, 0)
    if (mine.blocked) throw new Error('blocked')
    const theirs = attempt(mine.next, rule, 0)
    if (theirs.blocked) throw new Error('blocked')
    expect(theirs.next).toMatchObject({ failures: 5, blockedUntil: MINUTE })
    expect(undoAttempt(theirs.next, mine.next, earlier, 10)).toEqual({ ...theirs.next, failures: 4 })
  })
})

describe('the address a throttle counts by', () => {
  it('is an IPv4 address as it is, written either way, and an IPv6 address by its /64', () => {
    expect(throttledAddress('10.0.0.66')).toBe('10.0.0.66')
    expect(throttledAddress('::ffff:10.0.0.66')).toBe('10.0.0.66')
    // One phone's /64, however the address is written: a new address for each guess gains nothing.
    const block = ['2409:8a55:1c2:3d40::1', '2409:8a55:01c2:3d40:ffff:eeee:dddd:cccc', '2409:8A55:1C2:3D40:0:0:0:2', '2409:8a55:1c2:3d40::abcd%wlan0']
    expect(new Set(block.map(throttledAddress))).toEqual(new Set(['2409:8a55:1c2:3d40::/64']))
    expect(throttledAddress('2409:8a55:1c2:3d41::1')).toBe('2409:8a55:1c2:3d41::/64')
    expect(throttledAddress('2409::1')).toBe('2409:0:0:0::/64')
    expect(throttledAddress('::1')).toBe('0:0:0:0::/64')
  })
})
