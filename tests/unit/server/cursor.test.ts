import { describe, expect, it } from 'vitest'
import { decodeCursor, encodeCursor, scopeOf } from '@/server/sync/cursor'
import type { Principal } from '@/server/storage/types'

const leader: Principal = { userId: 'u1', deviceId: 'd1', role: 'leader', communityId: 'c1', buildingIds: ['b2', 'b1'] }

describe('pull cursor', () => {
  it('round-trips the revision, the scope and whether the device caught up; a cursor from before did not', () => {
    const scope = scopeOf(leader)
    expect(decodeCursor(encodeCursor(1234, scope))).toEqual({ rev: 1234, scope, caughtUp: false })
    expect(decodeCursor(encodeCursor(1234, scope, true))).toEqual({ rev: 1234, scope, caughtUp: true })
    expect(decodeCursor(Buffer.from(JSON.stringify({ v: 1, rev: 5, scope })).toString('base64url'))).toEqual({ rev: 5, scope, caughtUp: false })
  })

  it('gives the same scope whatever the order of the buildings, and another when one is added', () => {
    expect(scopeOf({ ...leader, buildingIds: ['b1', 'b2'] })).toBe(scopeOf(leader))
    expect(scopeOf({ ...leader, buildingIds: ['b1', 'b2', 'b3'] })).not.toBe(scopeOf(leader))
    expect(scopeOf({ ...leader, communityId: 'c2' })).not.toBe(scopeOf(leader))
  })

  it("keeps an office user's scope when their (ignored) building list changes", () => {
    const office: Principal = { ...leader, role: 'office' }
    expect(scopeOf({ ...office, buildingIds: [] })).toBe(scopeOf(office))
    expect(scopeOf(office)).not.toBe(scopeOf(leader))
  })

  it.each([
    ['not base64url', 'a+b/c=='],
    ['not JSON', Buffer.from('hello').toString('base64url')],
    ['another version', Buffer.from(JSON.stringify({ v: 2, rev: 1, scope: 'x' })).toString('base64url')],
    ['a negative revision', Buffer.from(JSON.stringify({ v: 1, rev: -1, scope: 'x' })).toString('base64url')],
    ['extra keys', Buffer.from(JSON.stringify({ v: 1, rev: 1, scope: 'x', admin: true })).toString('base64url')],
    ['a huge string', 'A'.repeat(10_000)],
  ])('refuses a cursor that is %s', (_name, cursor) => {
    expect(decodeCursor(cursor)).toBeUndefined()
  })
})
