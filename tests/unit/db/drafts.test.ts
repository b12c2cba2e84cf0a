import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { DoorstepDatabase } from '@/app/db/database'
import { draftRepository, forgetFallbackDrafts } from '@/app/db/drafts'
import { aesGcmCipher } from '@/app/lock/cipher'

class MemoryStorage {
  items = new Map<string, string>()
  getItem = (key: string) => this.items.get(key) ?? null
  setItem = (key: string, value: string) => void this.items.set(key, value)
  removeItem = (key: string) => void this.items.delete(key)
  key = (index: number) => [...this.items.keys()][index] ?? null
  get length() {
    return this.items.size
  }
}

let db: DoorstepDatabase
let storage: MemoryStorage
let drafts: ReturnType<typeof draftRepository>

beforeEach(() => {
  db = new DoorstepDatabase(`drafts-${crypto.randomUUID()}`)
  storage = new MemoryStorage()
  drafts = draftRepository(db, storage)
})
afterEach(() => db.delete())

describe('drafts', () => {
  it('come back after the app is reopened (a new connection to the same database)', async () => {
    await drafts.save('visit:new', { needs: '想装扶手' })
    db.close()
    const reopened = new DoorstepDatabase(db.name)
    expect((await draftRepository(reopened, storage).load('visit:new'))?.data).toEqual({ needs: '想装扶手' })
    reopened.close()
  })

  it('fall back to localStorage when IndexedDB is full, and the newest copy wins', async () => {
    await drafts.save('issue:new', { description: '旧的' }, new Date('2026-11-27T01:00:00Z'))
    vi.spyOn(db.drafts, 'put').mockRejectedValueOnce(Object.assign(new Error('full'), { name: 'QuotaExceededError' }))
    expect(await drafts.save('issue:new', { description: '新的' }, new Date('2026-11-27T01:05:00Z'))).toBe('fallback')
    expect((await drafts.load('issue:new'))?.data).toEqual({ description: '新的' })
  })

  it('fall back sealed when the app lock is on, and read back only while it is open', async () => {
    db.sealing.open(aesGcmCipher(crypto.getRandomValues(new Uint8Array(32))))
    vi.spyOn(db.drafts, 'put').mockRejectedValueOnce(Object.assign(new Error('full'), { name: 'QuotaExceededError' }))
    expect(await drafts.save('visit:new', { needs: '谭伯想装扶手' })).toBe('fallback')
    const stored = storage.getItem('doorstep.draft.visit:new')!
    expect(stored).not.toContain('谭伯')
    expect(JSON.parse(stored)).toMatchObject({ key: 'visit:new', sealed: { bytes: expect.any(String) } })
    expect((await drafts.load('visit:new'))?.data).toEqual({ needs: '谭伯想装扶手' })
    db.sealing.lock()
    expect(await drafts.load('visit:new')).toBeUndefined()
  })

  it('fall back sealed however long they are (240,000 characters)', async () => {
    db.sealing.open(aesGcmCipher(crypto.getRandomValues(new Uint8Array(32))))
    const long = { description: '楼道灯坏了，'.repeat(40_000) }
    vi.spyOn(db.drafts, 'put').mockRejectedValueOnce(Object.assign(new Error('full'), { name: 'QuotaExceededError' }))
    expect(await drafts.save('issue:new', long)).toBe('fallback')
    expect((await drafts.load('issue:new'))?.data).toEqual(long)
  })

  it('are removed from both places once the record is saved', async () => {
    storage.setItem('doorstep.draft.visit:new', JSON.stringify({ key: 'visit:new', data: {}, updatedAt: '2026-11-27T00:00:00.000Z' }))
    await drafts.save('visit:new', { needs: 'x' })
    await drafts.remove('visit:new')
    expect(await drafts.load('visit:new')).toBeUndefined()
    expect(storage.items.size).toBe(0)
  })

  it('do not hide other errors behind the fallback', async () => {
    vi.spyOn(db.drafts, 'put').mockRejectedValueOnce(new Error('broken'))
    await expect(drafts.save('visit:new', {})).rejects.toThrow('broken')
  })

  it('that fell back to localStorage are all forgotten at sign-out, and nothing else stored there', async () => {
    vi.spyOn(db.drafts, 'put').mockRejectedValue(Object.assign(new Error('full'), { name: 'QuotaExceededError' }))
    await drafts.save('visit:new', { needs: '谭伯想申请居家养老服务' })
    await drafts.save('issue:new', { description: '3楼窗户' })
    storage.setItem('doorstep.preferences', '{"locale":"zh-CN"}')
    forgetFallbackDrafts(storage)
    expect([...storage.items.keys()]).toEqual(['doorstep.preferences'])
  })
})
