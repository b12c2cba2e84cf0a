import { gunzipSync } from 'node:zlib'
import { MutationResult, PullResponse, pushedMutations, PushResponse } from '@/domain'
import { decodeCursor } from '@/server/sync/cursor'
import type { TestApi } from './api'

/*
 * A faulty network between the device engines and the real server: every request of a device goes through
 * its link, which forwards it to wherever the server runs now (a restart may move it to a new port) and can
 * drop it, drop its answer after the server committed, send it twice, hold it past the engine's time limit
 * and deliver it later (after newer requests), or restart the server while it is in flight. Links also
 * record what reached the device: every push answer and every pull cursor.
 */

export type Fault =
  /** Lost on the way: the server never sees it. */
  | 'drop-request'
  /** The server commits, the answer is lost on the way back. */
  | 'drop-response'
  /** A retransmission: the server gets it twice, at once; the device gets one answer. */
  | 'duplicate'
  /** Held past the engine's time limit; reaches the server later — after newer requests — at `deliverLate`. */
  | 'late'
  /** The server stops (storage closed under the request) and starts again on the same database; no answer. */
  | 'crash'

export const FAULTS: readonly Fault[] = ['drop-request', 'drop-response', 'duplicate', 'late', 'crash']

/** Sends a request (path and query) to the server as it runs now; the answer comes whole. */
export type Forward = (path: string, init: RequestInit) => Promise<Response>

export interface Link {
  /** The device's fetch. */
  fetch: typeof fetch
  /**
   * The next requests get these faults, in order (null lets one through); replaces what was scheduled. With
   * `only`, only pushes or only pulls get them, and other requests pass.
   */
  schedule(faults: Array<Fault | null>, only?: 'push' | 'pull'): void
  /** True while a 'late' fault waits: the device should use a short time limit, or the fault waits for it. */
  readonly hurried: boolean
  /** Every push answer that reached the device, by mutation id, in order. */
  readonly answers: Map<string, MutationResult[]>
  /** The cursor of every pull answer that reached the device, decoded, in order. */
  readonly cursors: Array<{ rev: number; reset: boolean }>
  /** Every request the device made, as `METHOD /path` (no query), in order. */
  readonly requests: string[]
}

export interface Network {
  /** A new device connection. */
  link(): Link
  /** While on, each request first waits a random few turns of the event loop: concurrent requests arrive reordered. */
  jitter: boolean
  /** Delivers the requests 'late' faults hold, in random order, and waits until nothing is in flight. */
  deliverLate(): Promise<void>
  /** Ends every fault: clears the schedules, stops the jitter and delivers what is late. */
  calm(): Promise<void>
  /** Restarts the server; requests it has not answered fail as their connections reset. */
  restart(): Promise<void>
  /** How many requests each fault has hit so far. */
  readonly fired: Record<Fault, number>
}

/** fetch over Fastify's inject: the real server and routes without sockets; it follows `api` through restarts. */
export function injectForward(api: TestApi): Forward {
  return async (path, init) => {
    const body = init.body
    let payload: string | Buffer | undefined
    if (typeof body === 'string') payload = body
    else if (body instanceof ArrayBuffer) payload = Buffer.from(body)
    else if (ArrayBuffer.isView(body)) payload = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
    else if (body != null) throw new TypeError('injectForward: unsupported body')
    const method = init.method ?? 'GET'
    const headers = Object.fromEntries(new Headers(init.headers).entries())
    // A closed instance (mid-restart) rejects here: to the device, a refused connection.
    const answer = await api.app.inject({ method, url: path, headers, payload })
    const responseHeaders = new Headers()
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value !== undefined) responseHeaders.set(name, Array.isArray(value) ? value.join(', ') : String(value))
    }
    const empty = method === 'HEAD' || answer.statusCode === 204 || answer.statusCode === 304
    return new Response(empty ? null : new Uint8Array(answer.rawPayload), { status: answer.statusCode, headers: responseHeaders })
  }
}

/** fetch over loopback sockets to wherever `api` listens now. */
export function socketForward(api: TestApi): Forward {
  return (path, init) => fetch(api.url + path, init)
}

/** A small seeded generator (mulberry32) in [0, 1): a seeded test replays the same jitter and delivery order. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function aborted(signal: AbortSignal | null | undefined): Promise<never> {
  return new Promise((_, reject) => {
    if (!signal) return
    if (signal.aborted) reject(signal.reason)
    signal.addEventListener('abort', () => reject(signal.reason), { once: true })
  })
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * A network over `forward`. `restart` restarts the server (TestApi.restart); `random` in [0, 1) picks jitter
 * and the order of late deliveries, so that a seeded test replays the same faults.
 */
export function createNetwork(options: { forward: Forward; restart: () => Promise<void>; random: () => number }): Network {
  const { forward, random } = options
  /** Requests the server may still be working on, answered or not, each with a way to reset its connection. */
  const inFlight = new Map<Promise<unknown>, () => void>()
  const late: Array<() => Promise<unknown>> = []
  const links: Array<{ clear(): void }> = []
  let restarting: Promise<void> = Promise.resolve()

  function track<T>(request: Promise<T>): Promise<T> {
    let reset = () => {}
    const resetting = new Promise<never>((_, reject) => {
      reset = () => reject(new TypeError('fetch failed: connection reset by a server restart'))
    })
    const answered = Promise.race([request, resetting])
    const settled = answered.then(
      () => undefined,
      () => undefined,
    )
    inFlight.set(settled, reset)
    void settled.then(() => inFlight.delete(settled))
    return answered
  }

  /**
   * One restart at a time. What the old server had not answered dies with it: once its storage is closed
   * nothing of it can commit any more, and a request it never answered would wait for ever (pg-pool leaves
   * a request queued for a connection unanswered when the pool ends).
   */
  function restart(): Promise<void> {
    restarting = restarting.then(async () => {
      const dying = [...inFlight.values()]
      await options.restart()
      for (const reset of dying) reset()
    })
    return restarting
  }

  const network: Network = {
    jitter: false,
    restart,
    fired: Object.fromEntries(FAULTS.map((fault) => [fault, 0])) as Record<Fault, number>,

    link() {
      let queue: Array<Fault | null> = []
      let only: 'push' | 'pull' | undefined
      const answers = new Map<string, MutationResult[]>()
      const cursors: Link['cursors'] = []
      const requests: string[] = []

      /** Notes what reaches the device; a clone, so that the device still reads the body. */
      async function observe(path: string, response: Response, body: RequestInit['body']): Promise<Response> {
        if (!response.ok) return response
        if (path.startsWith('/api/v1/sync/push')) {
          const parsed = PushResponse.safeParse(await response.clone().json())
          // Protocol 2 answers name no mutation: they come in the order of the request's (whose ids protocol 3 implies).
          const request = JSON.parse(body instanceof Uint8Array ? gunzipSync(body).toString() : String(body)) as { protocol: number; mutations: unknown[] }
          const sent = pushedMutations(request) as Array<{ mutationId: string }>
          for (const [i, answer] of (parsed.success ? parsed.data.results : []).entries()) {
            const result = { mutationId: sent[i]!.mutationId, ...answer } as MutationResult
            answers.set(result.mutationId, [...(answers.get(result.mutationId) ?? []), result])
          }
        } else if (path.startsWith('/api/v1/sync/pull')) {
          const parsed = PullResponse.safeParse(await response.clone().json())
          const cursor = parsed.success ? decodeCursor(parsed.data.cursor) : undefined
          if (parsed.success && cursor) cursors.push({ rev: cursor.rev, reset: parsed.data.reset })
        }
        return response
      }

      async function send(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
        const url = new URL(input instanceof Request ? input.url : String(input))
        const path = url.pathname + url.search
        requests.push(`${init.method ?? 'GET'} ${url.pathname}`)
        const fault = !only || url.pathname === `/api/v1/sync/${only}` ? (queue.shift() ?? null) : null
        if (fault) network.fired[fault]++
        if (network.jitter) for (let i = Math.floor(random() * 4); i > 0; i--) await turn()
        // The server keeps working on a request whose client gave up: forward never sees the device's signal.
        const { signal, ...request } = init
        const go = () => track(forward(path, request))
        switch (fault) {
          case 'drop-request':
            throw new TypeError(`fetch failed: ${path} lost on the way (fault)`)
          case 'drop-response':
            await go().catch(() => undefined)
            throw new TypeError(`fetch failed: the answer to ${path} was lost (fault)`)
          case 'duplicate': {
            const [first, second] = await Promise.allSettled([go(), go()])
            if (second.status === 'rejected') throw second.reason
            if (first.status === 'fulfilled') await first.value.arrayBuffer()
            return observe(path, second.value, init.body)
          }
          case 'late':
            late.push(go)
            // Nothing answers until the engine's own time limit aborts the request.
            return aborted(signal)
          case 'crash': {
            const request = go().catch(() => undefined)
            await restart()
            await request
            throw new TypeError(`fetch failed: the server went down while answering ${path} (fault)`)
          }
          case null:
            return observe(path, await Promise.race([go(), aborted(signal)]), init.body)
        }
      }

      links.push({ clear: () => (queue = []) })
      return {
        fetch: send as typeof fetch,
        schedule(faults, target) {
          queue = [...faults]
          only = target
        },
        get hurried() {
          return queue.includes('late')
        },
        answers,
        cursors,
        requests,
      }
    },

    async deliverLate() {
      while (late.length) {
        const batch = late.splice(0)
        // A random order: stragglers overtake one another too.
        for (let i = batch.length - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1))
          ;[batch[i], batch[j]] = [batch[j]!, batch[i]!]
        }
        await Promise.allSettled(batch.map((deliver) => deliver()))
      }
      await restarting
      // The keys are the promises: awaiting the map's entries ([promise, reset] pairs, not thenables) would
      // spin on microtasks, starve the event loop the requests need, and hang the suite past every timeout.
      while (inFlight.size) await Promise.all(inFlight.keys())
    },

    async calm() {
      for (const link of links) link.clear()
      network.jitter = false
      await network.deliverLate()
    },
  }
  return network
}
