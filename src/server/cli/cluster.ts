import { spawn, type ChildProcess } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { readConfig } from '../config'
import { DEMO_PASSWORD, seedDemo } from '../seed'
import { openPostgresStorage } from '../storage/postgres'

/**
 * `npm run cluster -- --servers N [--port P]`: N server processes (src/server/index.ts, as `npm start` runs it)
 * on one PostgreSQL, on loopback ports P+1 … P+N, behind HAProxy on P, in the foreground until Ctrl-C or
 * SIGTERM. The tests start the same cluster through `startCluster` (tests/integration/cluster.test.ts).
 */

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
const SERVER_ENTRY = fileURLToPath(new URL('../index.ts', import.meta.url))
const HEALTH = '/api/v1/health'
/** How long a server process or HAProxy may take to answer its first health check. */
const READY_MS = 30_000
/** How long a server that exited waits before it starts again (as systemd's RestartSec). */
const RESTART_DELAY_MS = 250

/** Debian's HAProxy: on the PATH, or where the package puts it (/usr/sbin is not on every user's PATH). */
export function findHaproxy(path = process.env.PATH ?? ''): string | undefined {
  for (const dir of [...path.split(delimiter).filter(Boolean), '/usr/sbin']) {
    try {
      accessSync(join(dir, 'haproxy'), constants.X_OK)
      return join(dir, 'haproxy')
    } catch {
      // not in this folder
    }
  }
  return undefined
}

export interface HaproxyConfigOptions {
  /** Where HAProxy listens. */
  host: string
  port: number
  /** The servers' loopback ports, in order (named s1, s2, …). */
  serverPorts: number[]
  /** HAProxy's stats socket (`show stat`: requests and state per server). */
  socket: string
}

/**
 * The load balancer in front of the servers. Round robin, since every server can answer every request (they
 * keep nothing of their own); X-Forwarded-For appended for the sign-in throttle (DOORSTEP_TRUST_PROXY); a
 * server that refuses connections (stopped, restarting) has its request tried on another at once, and one
 * that fails its health check gets nothing until it passes again.
 */
export function haproxyConfig({ host, port, serverPorts, socket }: HaproxyConfigOptions): string {
  return [
    'global',
    `  stats socket ${socket} mode 600 level user`,
    '',
    'defaults',
    '  mode http',
    '  option forwardfor',
    '  option redispatch 1',
    '  retries 3',
    '  timeout connect 5s',
    // Inactivity, not length: a long export streams all the while.
    '  timeout client 120s',
    '  timeout server 120s',
    '  timeout http-request 30s',
    '',
    'frontend doorstep',
    `  bind ${host}:${port}`,
    '  default_backend servers',
    '',
    'backend servers',
    '  balance roundrobin',
    `  option httpchk GET ${HEALTH}`,
    '  http-check expect status 200',
    ...serverPorts.map((p, i) => `  server s${i + 1} 127.0.0.1:${p} check inter 2s downinter 250ms fall 2 rise 1`),
    '',
  ].join('\n')
}

/** Requests each server (s1, s2, …) has answered, from HAProxy's stats socket. */
export async function servedRequests(socket: string): Promise<Record<string, number>> {
  const csv = await new Promise<string>((resolve, reject) => {
    let text = ''
    const connection = connect(socket, () => connection.end('show stat\n'))
    connection.on('data', (chunk) => (text += chunk.toString()))
    connection.on('end', () => resolve(text))
    connection.on('error', reject)
  })
  const [header = '', ...rows] = csv.replace(/^# /, '').trim().split('\n')
  const columns = header.split(',')
  const at = (name: string) => columns.indexOf(name)
  const served: Record<string, number> = {}
  for (const row of rows.map((line) => line.split(','))) {
    if (row[at('pxname')] !== 'servers' || !/^s\d+$/.test(row[at('svname')] ?? '')) continue
    served[row[at('svname')]!] = ['hrsp_1xx', 'hrsp_2xx', 'hrsp_3xx', 'hrsp_4xx', 'hrsp_5xx', 'hrsp_other'].reduce((sum, c) => sum + Number(row[at(c)] || 0), 0)
  }
  return served
}

export interface ClusterOptions {
  servers: number
  /** HAProxy's port; the servers take the next ones unless `serverPorts` says otherwise. */
  port: number
  host?: string
  serverPorts?: number[]
  databaseUrl: string
  /** Environment for the server processes, over this process's own. */
  env?: Record<string, string>
  /** Where a child's output goes: through to this process's (the command), or kept for error messages (tests). */
  output?: 'inherit' | 'keep'
  /** Told when a server exits without being asked and is started again. */
  log?: (line: string) => void
}

export interface Cluster {
  /** HAProxy's address, e.g. http://127.0.0.1:8080 */
  url: string
  serverPorts: number[]
  socket: string
  /** Requests each server has answered (servedRequests). */
  served(): Promise<Record<string, number>>
  /**
   * Kills one server process (SIGKILL, the next in turn, once every server answers), as a crash would; it is
   * started again a moment later, and HAProxy sends what it would have answered to the others meanwhile.
   */
  crashOne(): Promise<void>
  /** Settles when something fails for good: a server that cannot start, or HAProxy exiting. */
  readonly failed: Promise<Error>
  /** Stops HAProxy and every server (SIGTERM: they finish what they answer) and removes the work folder. */
  stop(): Promise<void>
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function healthy(url: string): Promise<boolean> {
  try {
    return (await fetch(url + HEALTH, { signal: AbortSignal.timeout(1000) })).ok
  } catch {
    return false
  }
}

/** Waits until `url` answers its health check; rejects if `child` exits first or READY_MS pass. */
async function ready(url: string, child: ChildProcess, what: string, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_MS
  while (!(await healthy(url))) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what} stopped before it answered:\n${output()}`)
    if (Date.now() > deadline) throw new Error(`${what} did not answer ${url}${HEALTH} within ${READY_MS / 1000} s:\n${output()}`)
    await sleep(100)
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/** Starts the servers, then HAProxy in front of them; resolves once HAProxy answers. */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const haproxy = findHaproxy()
  if (!haproxy) throw new Error('HAProxy not found (PATH or /usr/sbin/haproxy): install Debian\'s package with `apt-get install -y haproxy`')
  const host = options.host ?? '127.0.0.1'
  const serverPorts = options.serverPorts ?? Array.from({ length: options.servers }, (_, i) => options.port + 1 + i)
  const dir = await mkdtemp(join(tmpdir(), 'doorstep-cluster-'))
  const socket = join(dir, 'haproxy.sock')
  // A wildcard address is not one to open: its loopback is.
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host
  const url = `http://${shown}:${options.port}`
  const log = options.log ?? (() => {})
  let stopping = false
  let fail: (error: Error) => void = () => {}
  const failed = new Promise<Error>((resolve) => (fail = resolve))
  /** The last output of every child, for the message when one fails. */
  const tails = new Map<ChildProcess, string>()

  function launch(file: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
    const child = spawn(file, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    tails.set(child, '')
    for (const [stream, to] of [[child.stdout!, process.stdout], [child.stderr!, process.stderr]] as const) {
      stream.on('data', (chunk: Buffer) => {
        if (options.output === 'inherit') to.write(chunk)
        tails.set(child, (tails.get(child)! + chunk.toString()).slice(-4000))
      })
    }
    return child
  }

  const children: ChildProcess[] = []
  /** Each server's start, or its start again after a crash: settled once it answers. */
  const up: Array<Promise<void>> = []

  function startServer(i: number): Promise<void> {
    const env = {
      ...process.env,
      // Behind the one HAProxy unless the caller says there are more proxies (DOORSTEP_TRUSTED_HOPS).
      DOORSTEP_TRUST_PROXY: '1',
      ...options.env,
      DATABASE_URL: options.databaseUrl,
      HOST: '127.0.0.1',
      PORT: String(serverPorts[i]),
    }
    const child = launch(process.execPath, ['--import', 'tsx', SERVER_ENTRY], env)
    children[i] = child
    let answered = false
    child.once('exit', (code, signal) => {
      // One that never answered is reported by its start; starting it again would only loop.
      if (stopping || !answered) return
      // As a supervisor would: started again, and HAProxy sends its requests to the others meanwhile.
      log(`server s${i + 1} (port ${serverPorts[i]}) exited (${signal ?? code}); starting it again`)
      up[i] = sleep(RESTART_DELAY_MS).then(() => (stopping ? undefined : startServer(i)))
      up[i].catch(fail)
    })
    up[i] = ready(`http://127.0.0.1:${serverPorts[i]}`, child, `server s${i + 1}`, () => tails.get(child)!).then(() => {
      answered = true
    })
    return up[i]
  }

  let proxy: ChildProcess | undefined
  let crashes = 0
  async function stop(): Promise<void> {
    stopping = true
    const all = [proxy, ...children].filter((c): c is ChildProcess => c !== undefined)
    for (const child of all) child.kill('SIGTERM')
    const forced = setTimeout(() => all.forEach((child) => child.kill('SIGKILL')), 10_000)
    await Promise.all(all.map(exited))
    clearTimeout(forced)
    await rm(dir, { recursive: true, force: true })
  }

  try {
    await Promise.all(serverPorts.map((_, i) => startServer(i)))
    const config = join(dir, 'haproxy.cfg')
    await writeFile(config, haproxyConfig({ host, port: options.port, serverPorts, socket }))
    // -db: in the foreground, not daemonised, so that it stops with this process.
    proxy = launch(haproxy, ['-f', config, '-db'], process.env)
    const balancer = proxy
    balancer.once('exit', (code) => {
      if (!stopping) fail(new Error(`HAProxy exited (${code}):\n${tails.get(balancer)}`))
    })
    await ready(url, balancer, 'HAProxy', () => tails.get(balancer)!)
  } catch (error) {
    await stop()
    throw error
  }

  return {
    url,
    serverPorts,
    socket,
    served: () => servedRequests(socket),
    async crashOne() {
      // Never two down at once: the one crashed before is answering again first.
      await Promise.all(up)
      const child = children[crashes++ % children.length]!
      child.kill('SIGKILL')
      await exited(child)
    },
    failed,
    stop,
  }
}

const USAGE = `Usage: npm run cluster -- --servers <N> [--port <P>]

  Starts N server processes on the PostgreSQL database in DATABASE_URL (required), on 127.0.0.1 ports
  P+1 … P+N, and HAProxy in front of them on P (default 8080; HOST sets its address, default 127.0.0.1).
  Ctrl-C stops everything. See docs/deploy.md.`

/** The command: answers the exit code. */
async function main(args: string[]): Promise<number> {
  let servers: number
  let port: number
  try {
    const { values } = parseArgs({ args, options: { servers: { type: 'string' }, port: { type: 'string' } } })
    servers = Number(values.servers)
    port = Number(values.port ?? 8080)
    if (!Number.isInteger(servers) || servers < 1 || servers > 64) throw new Error('--servers must be a number from 1 to 64.')
    if (!Number.isInteger(port) || port < 1 || port + servers > 65535) throw new Error('--port must be a port number with room for the servers after it.')
  } catch (error) {
    console.error(`Error: ${(error as Error).message}\n\n${USAGE}`)
    return 2
  }
  const config = readConfig()
  if (!config.databaseUrl) {
    console.error('Error: DATABASE_URL is required: every server of a cluster works on one PostgreSQL database, e.g.\n  DATABASE_URL=postgres://doorstep:secret@127.0.0.1:5432/doorstep npm run cluster -- --servers 2')
    return 2
  }
  // Migrated and seeded here, once: N servers seeding an empty database at once would each seed it.
  const storage = openPostgresStorage({ url: config.databaseUrl })
  try {
    await storage.migrate()
    if (config.demo && (await storage.isEmpty())) await seedDemo(storage)
  } finally {
    await storage.close()
  }
  if (config.demo) console.log(`Demo mode: sign in as leader1 or office1, password ${DEMO_PASSWORD}; DOORSTEP_DEMO=0 for production.`)

  // Heard from here on: a Ctrl-C while the servers start stops them once they have (never orphans them).
  const signalled = new Promise<string>((resolve) => {
    for (const name of ['SIGINT', 'SIGTERM'] as const) process.once(name, () => resolve(name))
  })
  const cluster = await startCluster({
    servers,
    port,
    host: config.host,
    databaseUrl: config.databaseUrl,
    env: { DOORSTEP_DEMO: '0' },
    output: 'inherit',
    log: (line) => console.error(line),
  })
  console.log(`楼长助手 · Doorstep: ${servers} servers behind HAProxy: open ${cluster.url}/ (Ctrl-C stops them)`)
  const signal = await Promise.race([signalled, cluster.failed])
  await cluster.stop()
  if (signal instanceof Error) {
    console.error(`Error: ${signal.message}`)
    return 1
  }
  return 0
}

// Run as a program (`npm run cluster`), not when a test imports startCluster.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`Error: ${error instanceof Error ? error.message : String(error)}`)
      process.exit(1)
    },
  )
}
