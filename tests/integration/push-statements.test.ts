import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { uuidv7, type Mutation } from '@/domain'
import { seedDemo } from '@/server/seed'
import { openPostgresStorage } from '@/server/storage/postgres'
import type { MemberPrincipal, Storage } from '@/server/storage/types'
import { visitFields } from '../fixtures'
import { mutation } from '../fixtures/mutations'
import { createTestDatabase, postgresUnavailable } from './postgres'

/**
 * On PostgreSQL each statement of a push is a round trip, and with many phones at once the server's time per
 * push is what their answers queue behind (benchmark h). A push of new visits reads what it depends on in two
 * selects (the first also reads the counter), then one call of push_batch takes its revisions, checks what others
 * committed meanwhile, writes its records and answers and commits: 3 statements for a batch of up to 200 records
 * and their places (a select lists at most 200 ids).
 */

const unavailable = inject('postgresUrl') ? null : postgresUnavailable()

describe.skipIf(unavailable)('a push on PostgreSQL [postgres]', () => {
  let storage: Storage
  let principal: MemberPrincipal
  const statements: string[] = []
  let counting = false

  beforeAll(async () => {
    storage = openPostgresStorage({
      url: await createTestDatabase(inject('postgresUrl')),
      log: (event) => {
        if (counting) statements.push(event.query.sql)
      },
    })
    await storage.migrate()
    await seedDemo(storage)
    const user = (await storage.findUserByUsername('leader1'))!
    principal = { userId: user.id, deviceId: 'd-statements', role: user.role, communityId: user.communityId!, buildingIds: user.buildingIds }
  })

  afterAll(() => storage.close())

  async function push(mutations: Mutation[]): Promise<string[]> {
    statements.length = 0
    counting = true
    try {
      const results = await storage.push(principal, mutations.map((m) => ({ ok: true, mutation: m, deviceSeq: m.deviceSeq })), new Date('2026-11-20T08:00:00.000Z'))
      expect(results.map((r) => r.status)).toEqual(mutations.map(() => 'applied'))
    } finally {
      counting = false
    }
    return [...statements]
  }

  async function storedVisits(): Promise<number> {
    let [count, cursor, more] = [0, 0, true]
    while (more) {
      const page = await storage.pull(principal, cursor, 500)
      count += page.changes.filter((c) => c.table === 'visits').length
      ;[cursor, more] = [page.lastRev, page.hasMore]
    }
    return count
  }

  it('applies a batch of new visits in 3 statements, for 1 visit as for 150', async () => {
    const before = await storedVisits()
    const visits = (n: number) => Array.from({ length: n }, () => mutation.put('visits', uuidv7(), { ...visitFields(), createdAt: '2026-11-20T02:00:00.000Z' }))
    for (const size of [1, 10, 150]) {
      const run = await push(visits(size))
      expect(run, run.join('\n')).toHaveLength(3)
    }
    expect(await storedVisits()).toBe(before + 161)
  })
})
