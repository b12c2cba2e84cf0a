import { describe, expect, it } from 'vitest'
import { isUuidv7, uuidv7, uuidv7Time } from '@/domain'

describe('uuidv7', () => {
  it('makes RFC 9562 version 7 ids that carry their creation time', () => {
    const at = Date.UTC(2026, 10, 27, 8, 30)
    const id = uuidv7(at)
    expect(isUuidv7(id)).toBe(true)
    expect(uuidv7Time(id)).toBe(at)
  })

  it('sorts ids made later after ids made earlier', () => {
    const ids = [3, 1, 2].map((n) => uuidv7(1_700_000_000_000 + n * 1000))
    expect([...ids].sort()).toEqual([ids[1], ids[2], ids[0]])
  })

  it('does not repeat across many ids made in the same millisecond', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => uuidv7(1_700_000_000_000)))
    expect(ids.size).toBe(10_000)
  })

  it('refuses ids of other versions', () => {
    expect(isUuidv7('0f8fad5b-d9cb-469f-a165-70867728950e')).toBe(false)
    expect(isUuidv7('not-an-id')).toBe(false)
  })
})
