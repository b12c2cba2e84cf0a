import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import type { Storage } from '../storage/types'

/**
 * A @fastify/rate-limit store kept in the database (Storage.hitRateLimit), so that every server behind a load
 * balancer counts the same sign-in attempts: with counts in each process's memory, n servers gave an
 * attacker n times the budget. Windows are fixed, from a key's first hit; the time is the server's clock
 * (injected in tests), never the database's.
 */
export function databaseRateLimitStore(storage: Storage, clock: () => Date): FastifyRateLimitStoreCtor {
  return class DatabaseRateLimitStore implements FastifyRateLimitStore {
    incr(key: string, callback: (error: Error | null, result?: { current: number; ttl: number }) => void, timeWindow: number): void {
      const now = clock().getTime()
      storage.hitRateLimit(key, timeWindow, now).then(
        ({ hits, resetsAt }) => callback(null, { current: hits, ttl: Math.max(0, resetsAt - now) }),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      )
    }

    child(): FastifyRateLimitStore {
      return new DatabaseRateLimitStore()
    }
  }
}
