import { describe, expect, it } from 'vitest'
import { uuidv7, type Mutation } from '@/domain'
import { demoHouseholds } from '@/domain/demo'
import type { MemberPrincipal } from '@/server/storage/types'
import { applyMutation, type Applied, type StoredRecord } from '@/server/sync/apply'
import { issueFields, visitFields } from '../../fixtures'
import { mutation } from '../../fixtures/mutations'

/*
 * Replays (docs/sync-protocol.md, "After a restore"): a phone sends every record it holds again after the server
 * was restored from a backup. What the server has already is done, never refused; what it lacks is created; what
 * differs is an edit like any other.
 */

const building = 'b-nanmen-115-2'
const household = demoHouseholds.find((h) => h.buildingId === building)!.id
const phone: MemberPrincipal = { userId: 'u-leader1', deviceId: 'd-phone', role: 'leader', communityId: 'c-nanmen', buildingIds: [building] }
const now = new Date('2026-11-20T08:00:00.000Z')
let rev = 100

function apply(m: Mutation, current?: StoredRecord): Applied {
  return applyMutation({ principal: phone, mutation: m, current, rev: ++rev, now, places: { buildingOfHousehold: new Map([[household, building]]), entranceOfHousehold: new Map(), householdOfResident: new Map() } })
}

const replay = <M extends Mutation>(m: M): M => ({ ...m, replay: true })

/** A record as the server stores it after `m` (a new record's put) applied. */
function stored(m: Mutation, change: (data: Record<string, unknown>) => Record<string, unknown> = (d) => d): StoredRecord {
  const { write } = apply(m)
  return { ...write!, data: change(write!.data) }
}

describe('a replayed put', () => {
  const visitPut = () => mutation.put('visits', uuidv7(), { ...visitFields({ buildingId: building, householdId: household, residentIds: [] }), createdAt: '2026-01-05T02:00:00.000Z' }) as Extract<Mutation, { kind: 'put' }>

  it('of a report the office has taken on, as the server has it, is done at its revision, where a put is refused as locked', () => {
    const created = mutation.put('issues', uuidv7(), { ...issueFields({ buildingId: building, householdId: null }), createdAt: now.toISOString() })
    const current = stored(created, (data) => ({ ...data, status: 'accepted' }))
    const again = { ...created, mutationId: uuidv7() }
    expect(apply(again, current).result).toMatchObject({ status: 'rejected', code: 'locked' })
    const { result, write } = apply(replay(again), current)
    expect(write).toBeUndefined()
    expect(result).toMatchObject({ status: 'applied', rev: current.rev, stamps: { status: 'accepted' } })
  })

  it('that differs is an edit: the phone’s own later change wins, another device’s is a conflict', () => {
    const created = visitPut()
    const current = stored(created)
    const edited = replay({ ...created, mutationId: uuidv7(), fields: { ...created.fields, outcome: '留了电话' } })
    expect(apply(edited, current)).toMatchObject({ result: { status: 'applied' }, write: { data: { outcome: '留了电话' } } })
    const byTablet = { ...current, fieldRevs: { ...current.fieldRevs, outcome: { rev: current.rev, device: 'd-tablet' } } }
    expect(apply(edited, byTablet).result).toMatchObject({ status: 'conflict', conflicts: [{ field: 'outcome', value: '留了电话' }] })
  })

  it('of a record the server lacks creates it with the time the server stamped before, however old', () => {
    const created = visitPut()
    expect(apply(created).write!.data.createdAt).toBe(now.toISOString())
    expect(apply(replay(created)).write!.data.createdAt).toBe('2026-01-05T02:00:00.000Z')
  })
})

describe('a replayed delete', () => {
  it('of a record the server lacks, or has deleted, is done; a delete is refused', () => {
    const id = uuidv7()
    expect(apply(mutation.delete('visits', id)).result).toMatchObject({ status: 'rejected', code: 'not_found' })
    expect(apply(replay(mutation.delete('visits', id))).result).toMatchObject({ status: 'duplicate', rev: null })
    const current = stored(mutation.put('visits', id, { ...visitFields({ buildingId: building, householdId: household, residentIds: [] }), createdAt: now.toISOString() }))
    const deleted = { ...current, deletedAt: now.toISOString() }
    expect(apply(mutation.delete('visits', id), deleted).result).toMatchObject({ status: 'rejected', code: 'deleted' })
    expect(apply(replay(mutation.delete('visits', id)), deleted)).toEqual({ result: expect.objectContaining({ status: 'applied', rev: current.rev }) })
  })
})
