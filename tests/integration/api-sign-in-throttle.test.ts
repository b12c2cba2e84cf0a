import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildServer, type DoorstepServer } from '@/server/app'
import { DEFAULT_LIMITS } from '@/server/context'
import { DEMO_PASSWORD } from '@/server/seed'
import { describeEngines, expectSafeAnswer, startApi, type Answer, type TestApi } from './api'

/*
 * Sign-in throttling by account and address together (src/server/auth/throttle.ts), with the default
 * schedule: an attacker's address waits longer and longer while the owner signs in from anywhere else.
 */
describeEngines('sign-in throttle', (engine) => {
  let api: TestApi
  let now = Date.parse('2026-12-01T08:00:00.000Z')
  const clock = () => new Date(now)
  beforeAll(async () => {
    api = await startApi(engine, { clock })
  })
  afterAll(() => api.close())

  /** A sign-in over a connection from `socket`, with an X-Forwarded-For header when given. */
  async function login(app: DoorstepServer, socket: string, username: string, password: string, forwardedFor?: string): Promise<Answer> {
    const response = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      remoteAddress: socket,
      headers: { 'content-type': 'application/json', ...(forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor }) },
      payload: JSON.stringify({ username, password, deviceName: 'throttle test' }),
    })
    const answer: Answer = { status: response.statusCode, headers: response.headers, body: response.body, json: JSON.parse(response.body) }
    expectSafeAnswer(answer, `login ${username} from ${socket} for ${forwardedFor ?? '-'}`)
    return answer
  }
  const from = (socket: string, username: string, password: string, forwardedFor?: string) => login(api.app, socket, username, password, forwardedFor)
  const statuses = (answers: Answer[]) => answers.map((answer) => answer.status)
  const retryAfter = (answer: Answer) => Number(answer.headers['retry-after'])

  function expectWait(answer: Answer, seconds: number): void {
    expect(answer.status, answer.body).toBe(429)
    expect(answer.json).toEqual({ error: 'too_many_requests', message: `Too many wrong passwords. Try again in ${Math.ceil(seconds / 60)} minute${seconds > 60 ? 's' : ''}.` })
    expect(retryAfter(answer)).toBe(seconds)
  }

  /** `n` wrong passwords for `username`, one after the other. */
  async function guess(n: number, socket: string, username: string, forwardedFor?: string): Promise<number[]> {
    const answers: Answer[] = []
    for (let i = 0; i < n; i++) answers.push(await from(socket, username, `guess-${i}`, forwardedFor))
    return statuses(answers)
  }

  it('counts an IPv6 phone by its /64: a new address for each guess gains nothing', async () => {
    const addresses = Array.from({ length: 6 }, (_, i) => `2409:8a55:1c2:3d40::${(i + 1).toString(16)}`)
    const answers: Answer[] = []
    for (const [i, address] of addresses.entries()) answers.push(await from(address, 'office2', `guess-${i}`))
    expect(statuses(answers)).toEqual([401, 401, 401, 401, 401, 429])
    // Another /64 is another phone.
    expect((await from('2409:8a55:1c2:3d41::1', 'office2', DEMO_PASSWORD)).status).toBe(200)
  })

  it("blocks the attacker's address for the owner's account while the owner signs in from another one", async () => {
    expect(await guess(5, '10.0.0.66', 'leader1')).toEqual([401, 401, 401, 401, 401])
    // Blocked before the password is checked: the right one does not get through from there either.
    expectWait(await from('10.0.0.66', 'leader1', DEMO_PASSWORD), 60)
    expect((await from('10.0.0.7', 'leader1', DEMO_PASSWORD)).status).toBe(200)
    // The owner's own typos count on their own address only.
    expect(await guess(2, '10.0.0.7', 'leader1')).toEqual([401, 401])
    expect((await from('10.0.0.7', 'leader1', DEMO_PASSWORD)).status).toBe(200)
    // Other accounts from the attacker's address are held to the looser per-address limit only.
    expect((await from('10.0.0.66', 'leader2', DEMO_PASSWORD)).status).toBe(200)
  })

  it('makes each failure after the wait wait twice as long, counting down in Retry-After', async () => {
    now += 30_000
    expectWait(await from('10.0.0.66', 'leader1', 'still-guessing'), 30)
    for (const seconds of [120, 240, 480]) {
      now += (seconds / 2) * 1000
      expect((await from('10.0.0.66', 'leader1', 'guess-again')).status).toBe(401)
      expectWait(await from('10.0.0.66', 'leader1', DEMO_PASSWORD), seconds)
      now += 1000
      expectWait(await from('10.0.0.66', 'leader1', DEMO_PASSWORD), seconds - 1)
    }
    now += 480_000
    // Past the wait, the right password gets in and clears the count: five more guesses before the next wait.
    expect((await from('10.0.0.66', 'leader1', DEMO_PASSWORD)).status).toBe(200)
    expect(await guess(5, '10.0.0.66', 'leader1')).toEqual([401, 401, 401, 401, 401])
    expectWait(await from('10.0.0.66', 'leader1', DEMO_PASSWORD), 60)
  })

  it('lets a right password in after a few failures, and clears the count of that account at that address', async () => {
    expect(await guess(4, '10.0.0.8', 'office1')).toEqual([401, 401, 401, 401])
    expect((await from('10.0.0.8', 'office1', DEMO_PASSWORD)).status).toBe(200)
    expect(await guess(4, '10.0.0.8', 'office1')).toEqual([401, 401, 401, 401])
    expect((await from('10.0.0.8', 'office1', DEMO_PASSWORD)).status).toBe(200)
  })

  it('refuses all but the allowed number of guesses sent at once', async () => {
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => from('10.0.0.9', 'office2', `burst-${i}`)))
    expect(statuses(answers).filter((status) => status === 401)).toHaveLength(5)
    expect(statuses(answers).filter((status) => status === 429)).toHaveLength(7)
  })

  it('blocks an address that guesses at many accounts, for every account, while they sign in elsewhere', async () => {
    const real = ['leader1', 'leader2', 'office1', 'office2', 'admin1']
    const sprayed = Array.from({ length: DEFAULT_LIMITS.loginPerAddress.free }, (_, i) => real[i] ?? `nobody-${i}`)
    expect(sprayed).toHaveLength(50)
    for (const username of sprayed) expect((await from('10.0.0.99', username, 'guess')).status).toBe(401)
    expectWait(await from('10.0.0.99', 'office2', DEMO_PASSWORD), 60)
    expect((await from('10.0.0.98', 'office2', DEMO_PASSWORD)).status).toBe(200)
    now += 60_000
    expect((await from('10.0.0.99', 'office2', DEMO_PASSWORD)).status).toBe(200)
  })

  describe('a forged X-Forwarded-For', () => {
    let forged = 0
    const anyAddress = () => `192.0.2.${++forged % 250}`

    it('is not read without a trusted proxy', async () => {
      now += 24 * 3600_000
      expect(await guess(5, '10.0.1.1', 'leader2', anyAddress())).toEqual([401, 401, 401, 401, 401])
      expectWait(await from('10.0.1.1', 'leader2', DEMO_PASSWORD, anyAddress()), 60)
    })

    it('does not move the address behind a proxy: only the entries the proxies wrote count', async () => {
      now += 24 * 3600_000
      const proxied = buildServer({ storage: api.storage, clock, trustedHops: 1 })
      const twoProxies = buildServer({ storage: api.storage, clock, trustedHops: 2 })
      try {
        // The proxy (the socket, 127.0.0.1) appends the address it saw to whatever the client sent.
        for (let i = 0; i < 5; i++) expect((await login(proxied, '127.0.0.1', 'leader2', `guess-${i}`, `${anyAddress()}, 203.0.113.5`)).status).toBe(401)
        expectWait(await login(proxied, '127.0.0.1', 'leader2', DEMO_PASSWORD, `${anyAddress()}, 203.0.113.5`), 60)
        expectWait(await login(proxied, '127.0.0.1', 'leader2', DEMO_PASSWORD, '203.0.113.5'), 60)
        // Two proxies: the outer one wrote the client's address, the inner one the outer one's.
        expectWait(await login(twoProxies, '127.0.0.1', 'leader2', DEMO_PASSWORD, `${anyAddress()}, 203.0.113.5, 10.9.9.9`), 60)
        // The owner, behind the same proxy from another address, signs in.
        expect((await login(proxied, '127.0.0.1', 'leader2', DEMO_PASSWORD, '198.51.100.4')).status).toBe(200)
        expect((await login(twoProxies, '127.0.0.1', 'leader2', DEMO_PASSWORD, '203.0.113.5, 198.51.100.4, 10.9.9.9')).status).toBe(200)
        // Without the proxy setting, every proxied sign-in is the proxy's address: not blocked by the above.
        expect((await from('127.0.0.1', 'leader2', DEMO_PASSWORD, '203.0.113.5')).status).toBe(200)
      } finally {
        await Promise.all([proxied.close(), twoProxies.close()])
      }
    })
  })
})
