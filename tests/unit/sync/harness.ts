import { afterEach } from 'vitest'
import { createRepositories, type Author } from '@/app/db'
import { DoorstepDatabase } from '@/app/db/database'
import { createQueries } from '@/app/db/queries'
import { seedDemoIfEmpty } from '@/app/db/seed'
import { aesGcmCipher } from '@/app/lock/cipher'
import { createSyncEngine, type SyncEngineOptions } from '@/app/sync/engine'
import { signIn } from '@/app/sync/session'
import { createTransportDouble, DOUBLE_USER } from '@/app/sync/transport-double'

/** A signed-in device (demo data seeded) over a transport double, with a clock the test moves. */
export async function device(options: Partial<SyncEngineOptions> = {}) {
  const db = new DoorstepDatabase(`sync-${crypto.randomUUID()}`)
  opened.push(db)
  // The `sealed` test project runs the same tests with the app lock open (src/app/db/sealing.ts).
  if (process.env.DOORSTEP_SEALED) db.sealing.open(aesGcmCipher(crypto.getRandomValues(new Uint8Array(32))))
  await seedDemoIfEmpty(db)
  const server = createTransportDouble()
  await signIn(db, server.transport, { serverUrl: 'http://server.test', username: 'leader1', password: 'x' })
  server.calls.length = 0
  const clock = { now: Date.parse('2026-11-20T03:00:00Z') }
  const engine = createSyncEngine({ db, transport: () => server.transport, now: () => clock.now, random: () => 0.5, ...options })
  const author: Author = { userId: DOUBLE_USER.id, deviceId: 'device-1' }
  return { db, server, engine, clock, author, repos: createRepositories(db), queries: createQueries(db) }
}

const opened: DoorstepDatabase[] = []
afterEach(async () => {
  for (const db of opened.splice(0)) await db.delete()
})

/** The sizes of the push requests made so far, in order. */
export const pushSizes = (calls: Array<{ op: string; mutations?: unknown[] }>) => calls.filter((c) => c.op === 'push').map((c) => c.mutations!.length)
