import { resolve } from 'node:path'
import type { S3Config } from './storage/s3-blobs'

/**
 * The server's configuration, from the environment with embedded defaults, so that `npm start` needs none:
 * SQLite under ./data, demo mode on, http://127.0.0.1:8080.
 */
export interface ServerConfig {
  port: number
  host: string
  /** The SQLite file and the photos live here (PostgreSQL keeps photos in the database; `s3` moves them out). */
  dataDir: string
  /** A postgres:// URL, or undefined for the embedded SQLite engine. */
  databaseUrl: string | undefined
  /** Demo mode seeds an empty database with the demo community and accounts; production mode seeds nothing. */
  demo: boolean
  /**
   * How many proxies in front of the server append to X-Forwarded-For; the client address is the one the
   * outermost of them saw (the right-most entry they did not add), or the socket's without a proxy (0).
   */
  trustedHops: number
  logLevel: string
  /** An S3-compatible store for photos, with either database; undefined keeps them where the database puts them. */
  s3: S3Config | undefined
}

const FLAGS: Record<string, boolean> = { '1': true, true: true, on: true, yes: true, '0': false, false: false, off: false, no: false }

function flag(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback
  const parsed = FLAGS[value.toLowerCase()]
  if (parsed === undefined) throw new Error(`${name} must be 1 or 0, got ${JSON.stringify(value)}`)
  return parsed
}

function hops(value: string | undefined): number {
  if (value === undefined || value === '') return 1
  const parsed = Number(value)
  if (!/^\d+$/.test(value) || parsed < 1 || parsed > 10) throw new Error(`DOORSTEP_TRUSTED_HOPS must be a number of proxies from 1 to 10, got ${JSON.stringify(value)}`)
  return parsed
}

const S3_REQUIRED = ['DOORSTEP_S3_ENDPOINT', 'DOORSTEP_S3_BUCKET', 'DOORSTEP_S3_ACCESS_KEY_ID', 'DOORSTEP_S3_SECRET_ACCESS_KEY'] as const

/** The object store, when its variables are set: all of them, since half a store would lose photos silently. */
function s3(env: NodeJS.ProcessEnv): S3Config | undefined {
  const missing = S3_REQUIRED.filter((name) => !env[name])
  if (missing.length === S3_REQUIRED.length) {
    const stray = ['DOORSTEP_S3_REGION', 'DOORSTEP_S3_PATH_STYLE'].find((name) => env[name])
    if (stray) throw new Error(`${stray} is set, but not ${S3_REQUIRED.join(', ')}: set them all to keep photos in object storage`)
    return undefined
  }
  if (missing.length) throw new Error(`Photos in object storage need ${S3_REQUIRED.join(', ')}; missing: ${missing.join(', ')}`)
  const endpoint = env.DOORSTEP_S3_ENDPOINT!
  if (!URL.canParse(endpoint) || !/^https?:$/.test(new URL(endpoint).protocol)) {
    throw new Error(`DOORSTEP_S3_ENDPOINT must be an http(s):// URL, got ${JSON.stringify(endpoint)}`)
  }
  return {
    endpoint,
    bucket: env.DOORSTEP_S3_BUCKET!,
    // MinIO takes any region; a cloud's store wants the bucket's own (docs/object-storage.md).
    region: env.DOORSTEP_S3_REGION || 'us-east-1',
    accessKeyId: env.DOORSTEP_S3_ACCESS_KEY_ID!,
    secretAccessKey: env.DOORSTEP_S3_SECRET_ACCESS_KEY!,
    pathStyle: flag('DOORSTEP_S3_PATH_STYLE', env.DOORSTEP_S3_PATH_STYLE, true),
  }
}

/** The configuration in `env`; throws with a message naming the variable when one is not usable. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const port = Number(env.PORT || 8080)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got ${JSON.stringify(env.PORT)}`)
  const databaseUrl = env.DATABASE_URL || undefined
  // Checked even without a proxy, so that a mistyped count is not found out the day the proxy goes on.
  const proxyHops = hops(env.DOORSTEP_TRUSTED_HOPS)
  const trustedHops = flag('DOORSTEP_TRUST_PROXY', env.DOORSTEP_TRUST_PROXY, false) ? proxyHops : 0
  // Anything else would silently fall back to SQLite, and a production server would start on an empty file.
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new Error('DATABASE_URL must be a postgres:// URL; leave it unset to use the embedded SQLite database')
  }
  return {
    port,
    // Loopback by default: a service worker needs a secure context, which plain http has only on localhost.
    host: env.HOST || '127.0.0.1',
    dataDir: resolve(env.DOORSTEP_DATA_DIR || 'data'),
    databaseUrl,
    demo: flag('DOORSTEP_DEMO', env.DOORSTEP_DEMO, true),
    trustedHops,
    logLevel: env.LOG_LEVEL || 'info',
    s3: s3(env),
  }
}
