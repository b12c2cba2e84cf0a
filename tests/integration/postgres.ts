import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chownSync, existsSync, readdirSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import type { TestProject } from 'vitest/node'

/**
 * A throw-away PostgreSQL cluster for the integration project: initdb into a temp folder, pg_ctl start on
 * a free loopback port, removed after the run. Without PostgreSQL's binaries the PostgreSQL cases are
 * skipped with a message — except under CI, where every suite must run.
 */

declare module 'vitest' {
  export interface ProvidedContext {
    /** The cluster's maintenance database URL; empty when PostgreSQL is not installed here. */
    postgresUrl: string
  }
}

/** Debian installs each major version under /usr/lib/postgresql/<n>/bin; the newest wins. */
export function findBinaries(): string | undefined {
  const base = '/usr/lib/postgresql'
  if (!existsSync(base)) return undefined
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a))
  return versions[0] && join(base, versions[0], 'bin')
}

/** Why PostgreSQL tests cannot run here, or null when they can; throws under CI, which must run them. */
export function postgresUnavailable(): string | null {
  if (findBinaries()) return null
  const message = 'PostgreSQL not found under /usr/lib/postgresql/*/bin: install it with `apt-get install -y postgresql`'
  if (process.env.CI) throw new Error(message)
  return `${message}; PostgreSQL tests skipped.`
}

/** A port nobody listens on now, on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

/** initdb refuses to run as root: as root, run the binaries as the `postgres` user that Debian's package creates. */
function run(bin: string, command: string, args: string[]) {
  const asRoot = process.getuid?.() === 0
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, command), ...args]] : [join(bin, command), args]
  execFileSync(file, argv, { stdio: 'pipe' })
}

export interface Cluster {
  /** The maintenance database URL. */
  url: string
  /** Stops the server and removes its files. */
  stop(): Promise<void>
}

/**
 * Starts a throw-away cluster in a temp folder on a free loopback port. Without `durable`, fsync is off,
 * so that test suites run several times faster; benchmarks keep PostgreSQL's defaults, as a real server would.
 */
export async function startCluster({ durable = false }: { durable?: boolean } = {}): Promise<Cluster> {
  const bin = findBinaries()
  if (!bin) throw new Error('PostgreSQL not found under /usr/lib/postgresql/*/bin')
  const dir = await mkdtemp(join(tmpdir(), 'doorstep-pg-'))
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString())
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString())
    chownSync(dir, uid, gid)
  }
  const data = join(dir, 'data')
  run(bin, 'initdb', ['-D', data, '--auth=trust', '-U', 'app', '--encoding=UTF8', '--no-sync'])
  const port = await freePort()
  const fast = durable ? '' : ' -c fsync=off -c synchronous_commit=off -c full_page_writes=off'
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=${dir} -c max_connections=200${fast}`
  run(bin, 'pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start'])
  return {
    url: `postgres://app@127.0.0.1:${port}/postgres`,
    async stop() {
      run(bin, 'pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop'])
      await rm(dir, { recursive: true, force: true })
    },
  }
}

export default async function setup(project: TestProject) {
  const skip = postgresUnavailable()
  if (skip) {
    console.warn(skip)
    project.provide('postgresUrl', '')
    return
  }
  const cluster = await startCluster()
  project.provide('postgresUrl', cluster.url)
  return () => cluster.stop()
}

/** A new, empty database in the test cluster, so that each test file starts clean; returns its URL. */
export async function createTestDatabase(clusterUrl: string): Promise<string> {
  const name = `t_${randomBytes(6).toString('hex')}`
  const client = new pg.Client({ connectionString: clusterUrl })
  await client.connect()
  try {
    await client.query(`CREATE DATABASE ${name}`)
  } finally {
    await client.end()
  }
  const url = new URL(clusterUrl)
  url.pathname = `/${name}`
  return url.toString()
}
