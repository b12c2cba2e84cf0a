import { gunzipSync } from 'node:zlib'
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo, Socket } from 'node:net'
import { Community, IssuedPassword, LoginResponse, PullResponse, type AppLock, type Change, type Resident } from '@/domain'
import { demoCommunity } from '@/domain/demo'
import { buildServer } from '@/server/app'
import { DEMO_PASSWORD, seedDemo } from '@/server/seed'
import { openSqliteStorage } from '@/server/storage/sqlite'

export { DEMO_PASSWORD }

/**
 * Lost answers, as on a weak mobile network: while `on`, every third /api answer is cut off after the
 * server has done the work (committed a push, stored a photo), so the app must send the request again and
 * the server must not apply it twice.
 */
export interface AnswerLoss {
  on: boolean
  /** /api answers counted while on. */
  answers: number
  dropped: number
  /** Whether a push's answer was lost yet: the first one always is. */
  pushLost: boolean
  /** Mutations a push answered `duplicate`: requests the server had already applied, sent again. */
  duplicates: number
}

export interface FieldServer {
  /** Where the app and its API answer, e.g. `http://127.0.0.1:40123/`. */
  url: string
  loss: AnswerLoss
  /**
   * Cuts every connection to the server (false) or lets them through again. Playwright's offline mode
   * covers pages but not the service worker, whose Background Sync would reach the server from a phone
   * that is meant to have no network.
   */
  setReachable(reachable: boolean): void
  /** Adds residents to the demo community's roster, as an office's import would (the next pull brings them). */
  putResidents(residents: Resident[]): Promise<void>
  /** Replaces the served app with the build in `dir`, as a release does (old hashed files go). */
  deploy(dir: string): Promise<void>
  /**
   * The API as another client sees it (the office's PC, say), through the server's routes, in-process: the
   * office stays online whatever `setReachable` does to the phones.
   */
  api: {
    /** A device token for a demo user. */
    login(username: string): Promise<string>
    /** Every change the user may see, all pages, from the beginning. */
    pullAll(token: string): Promise<Change[]>
    /** A photo's bytes as the server hands them out. */
    attachment(token: string, sha256: string): Promise<Buffer>
    /** A new leader of the demo community, made by the office in 人员, who has set `password` as their own. */
    addLeader(office: string, leader: { username: string; displayName: string; buildingIds: string[]; password: string }): Promise<void>
    /** Any route, answered whatever its status; a body is sent as JSON unless it is a Blob of `type`. */
    request(method: 'GET' | 'POST' | 'PUT' | 'PATCH', path: string, options?: { token?: string; body?: unknown; type?: string }): Promise<Response>
  }
  close(): Promise<void>
}

/**
 * The real server as `npm start` runs it — API and app in one process, SQLite in a temporary folder,
 * the demo community and accounts — on loopback. It serves its own copy of the built app in `appDir`, so
 * that deploying a new version here changes nothing for other suites.
 */
export async function startFieldServer(appDir: string, { appLock = 'optional' }: { appLock?: AppLock } = {}): Promise<FieldServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'doorstep-field-data-'))
  const siteDir = await mkdtemp(join(tmpdir(), 'doorstep-field-site-'))
  await cp(appDir, siteDir, { recursive: true })
  const storage = openSqliteStorage({ dataDir })
  await storage.migrate()
  await seedDemo(storage)
  // Most suites are about the field's work, not the app lock (tests/e2e/app-lock.test.ts): their office lets
  // leaders go without a PIN, and `signIn` skips it, so that a reload does not stop at the lock screen.
  await storage.updateReference<Community>(demoCommunity.id, 'communities', demoCommunity.id, (current) =>
    Community.parse({ ...current!, settings: { ...current!.settings, appLock } }),
  )

  const app = buildServer({ storage, staticRoot: siteDir })
  const loss: AnswerLoss = { on: false, answers: 0, dropped: 0, duplicates: 0, pushLost: false }
  // The fault is the test's own hook on the server it built: the production server has no such switch.
  app.addHook('onSend', async (request, reply, payload) => {
    if (!loss.on || !request.url.startsWith('/api/')) return payload
    // One connection per answer: Chromium silently resends a request whose reused connection closed
    // without an answer, which would hide the loss from the app.
    reply.header('Connection', 'close')
    const push = request.url === '/api/v1/sync/push'
    // Every third answer, and the first push's whichever its place: how many requests come before it (photos,
    // pulls) is the app's business, and a lost push answer is what this fault is for.
    if (++loss.answers % 3 === 0 || (push && !loss.pushLost)) {
      loss.pushLost ||= push
      loss.dropped++
      request.raw.socket.destroy()
      return payload
    }
    if (push) {
      // The server has gzip-compressed the answer already when the browser accepts it (it does).
      const body = reply.getHeader('content-encoding') === 'gzip' ? gunzipSync(payload as Buffer).toString('utf8') : String(payload)
      const { results } = JSON.parse(body) as { results: Array<{ status: string }> }
      loss.duplicates += results.filter((r) => r.status === 'duplicate').length
    }
    return payload
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  let reachable = true
  const sockets = new Set<Socket>()
  app.server.on('connection', (socket: Socket) => {
    if (!reachable) return void socket.destroy()
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  const { port } = app.server.address() as AddressInfo
  const url = `http://127.0.0.1:${port}/`
  /** A request to the API, in-process: it never touches the sockets that `setReachable` cuts. */
  async function call(method: 'GET' | 'POST', path: string, { token, body }: { token?: string; body?: unknown } = {}) {
    const response = await app.inject({
      method,
      url: `/api/v1${path}`,
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
    })
    if (response.statusCode >= 300) throw new Error(`${method} ${path}: HTTP ${response.statusCode} ${response.body}`)
    return response
  }

  return {
    url,
    loss,
    putResidents: (residents) => storage.putReference(demoCommunity.id, 'residents', residents),
    setReachable(value) {
      reachable = value
      if (!reachable) for (const socket of sockets) socket.destroy()
    },
    async deploy(dir) {
      for (const name of await readdir(siteDir)) await rm(join(siteDir, name), { recursive: true, force: true })
      await cp(dir, siteDir, { recursive: true })
    },
    api: {
      async login(username) {
        const response = await call('POST', '/auth/login', { body: { username, password: DEMO_PASSWORD, deviceName: 'field-day check' } })
        return LoginResponse.parse(response.json()).token
      },
      async pullAll(token) {
        const changes: Change[] = []
        let cursor = ''
        for (;;) {
          const page = PullResponse.parse((await call('GET', `/sync/pull?limit=500&cursor=${encodeURIComponent(cursor)}`, { token })).json())
          changes.push(...page.changes)
          cursor = page.cursor
          if (!page.hasMore) return changes
        }
      },
      async attachment(token, sha256) {
        return (await call('GET', `/attachments/${sha256}`, { token })).rawPayload
      },
      async addLeader(office, { username, displayName, buildingIds, password }) {
        const made = await call('POST', `/communities/${demoCommunity.id}/accounts`, { token: office, body: { username, displayName, role: 'leader', buildingIds } })
        const issued = IssuedPassword.parse(made.json()).password
        const { token } = LoginResponse.parse((await call('POST', '/auth/login', { body: { username, password: issued, deviceName: 'set-up' } })).json())
        await call('POST', '/auth/password', { token, body: { currentPassword: issued, newPassword: password } })
      },
      async request(method, path, { token, body, type = 'application/json' } = {}) {
        const payload = body === undefined ? undefined : body instanceof Blob ? Buffer.from(await body.arrayBuffer()) : JSON.stringify(body)
        const answer = await app.inject({
          method,
          url: `/api/v1${path}`,
          headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(payload === undefined ? {} : { 'content-type': type }) },
          payload,
        })
        const headers = new Headers(Object.entries(answer.headers).map(([name, value]): [string, string] => [name, String(value)]))
        // A 204 has no body, and a Response refuses one.
        return new Response(answer.statusCode === 204 ? null : new Uint8Array(answer.rawPayload), { status: answer.statusCode, headers })
      },
    },
    async close() {
      await app.close()
      await storage.close()
      await rm(dataDir, { recursive: true, force: true })
      await rm(siteDir, { recursive: true, force: true })
    },
  }
}
