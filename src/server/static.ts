import { createReadStream } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { extname, resolve, sep } from 'node:path'
import { promisify } from 'node:util'
import { gzip } from 'node:zlib'

export interface StaticServerOptions {
  /** The built app (`dist/`). */
  root: string
  /** 0 picks a free port. */
  port?: number
  host?: string
}

export interface StaticServer {
  /** Where the app answers, e.g. `http://127.0.0.1:8080/`. */
  url: string
  close(): Promise<void>
}

const MIME_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
}

/**
 * The built app runs no inline script or style (Vite emits module scripts and stylesheet links only),
 * so nothing inline is allowed. Vant's icon font is a data: URL; photos are shown from blob: URLs.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

/** Sent with every answer of the server, the app's files and the API alike. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  // Addresses in the app name residents' homes: never leak them to another site.
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
}

/** Hashed file names never change content, so phones may keep them for good. */
const IMMUTABLE = 'public, max-age=31536000, immutable'
/**
 * Everything else (index.html, sw.js, the manifest, icons) must be revalidated on every request, or a
 * phone could keep an old shell or service worker that points at files which no longer exist.
 */
const REVALIDATE = 'no-cache'

type Resolved = { kind: 'file'; path: string } | { kind: 'refused' } | { kind: 'missing' }

/** Maps a URL path inside `root`: `..` (plain or encoded), backslashes and NUL are refused, hidden files are never served. */
function resolveInside(root: string, urlPath: string): Resolved {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return { kind: 'refused' }
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { kind: 'refused' }
  const segments = decoded.split('/').filter(Boolean)
  if (segments.includes('..')) return { kind: 'refused' }
  if (segments.some((s) => s.startsWith('.'))) return { kind: 'missing' }
  const path = resolve(root, ...segments)
  if (path !== root && !path.startsWith(root + sep)) return { kind: 'refused' }
  return { kind: 'file', path }
}

/**
 * An unknown path without a file extension is an app route (`/visits/…`): the shell answers and the
 * router takes over. A missing file with an extension, or anything under /assets/, is a real 404, so
 * that a stale chunk fails loudly instead of being answered with HTML.
 */
function isAppRoute(urlPath: string): boolean {
  if (urlPath.startsWith('/assets/') || urlPath.startsWith('/api/')) return false
  return extname(urlPath) === ''
}

function send(res: ServerResponse, status: number, body: string, extra: Record<string, string> = {}) {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...extra })
  res.end(res.req.method === 'HEAD' ? undefined : body)
}

async function fileAt(path: string) {
  try {
    const info = await stat(path)
    return info.isFile() ? info : undefined
  } catch {
    return undefined
  }
}

/** Text the app is made of: gzip takes two thirds of it off the wire, which on Slow 4G is seconds. */
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.map', '.webmanifest', '.txt', '.svg'])
const gzipAsync = promisify(gzip)
/** Compressed once per file version; the built app is a fixed, small set of files, so this stays small. */
const gzipped = new Map<string, Promise<Buffer>>()

function compressedFile(path: string, etag: string): Promise<Buffer> {
  const key = `${path}\0${etag}`
  let body = gzipped.get(key)
  if (!body) gzipped.set(key, (body = readFile(path).then((bytes) => gzipAsync(bytes))))
  return body
}

async function serveFile(req: IncomingMessage, res: ServerResponse, path: string, urlPath: string) {
  const info = await fileAt(path)
  if (!info) return false
  const compressible = COMPRESSIBLE.has(extname(path).toLowerCase())
  const packed = compressible && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))
  const version = `${info.size.toString(16)}-${Math.trunc(info.mtimeMs).toString(16)}`
  const etag = `W/"${version}${packed ? '-gz' : ''}"`
  const headers = {
    ...SECURITY_HEADERS,
    'Content-Type': MIME_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
    'Cache-Control': urlPath.startsWith('/assets/') ? IMMUTABLE : REVALIDATE,
    ETag: etag,
    'Last-Modified': info.mtime.toUTCString(),
    ...(compressible ? { Vary: 'Accept-Encoding' } : {}),
  }
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers)
    res.end()
    return true
  }
  if (packed) {
    const body = await compressedFile(path, version)
    res.writeHead(200, { ...headers, 'Content-Encoding': 'gzip', 'Content-Length': String(body.byteLength) })
    res.end(req.method === 'HEAD' ? undefined : body)
    return true
  }
  res.writeHead(200, { ...headers, 'Content-Length': String(info.size) })
  if (req.method === 'HEAD') res.end()
  else createReadStream(path).on('error', () => res.destroy()).pipe(res)
  return true
}

/**
 * Answers one request for the built app in `root`: GET and HEAD only, the shell for app routes, hashed
 * assets kept for good. Used by the sync server for every path outside /api, and by the bare static server.
 */
export async function serveStatic(req: IncomingMessage, res: ServerResponse, root: string): Promise<void> {
  try {
    await handle(resolve(root), req, res)
  } catch (error: unknown) {
    console.error('static server error', error)
    if (!res.headersSent) send(res, 500, 'Internal Server Error')
    else res.destroy()
  }
}

async function handle(root: string, req: IncomingMessage, res: ServerResponse) {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Method Not Allowed', { Allow: 'GET, HEAD' })
  const urlPath = new URL(req.url ?? '/', 'http://localhost').pathname
  const target = resolveInside(root, urlPath)
  if (target.kind === 'refused') return send(res, 400, 'Bad Request')
  if (target.kind === 'file') {
    const file = urlPath.endsWith('/') ? resolve(target.path, 'index.html') : target.path
    if (await serveFile(req, res, file, urlPath)) return
  }
  if (isAppRoute(urlPath) && (await serveFile(req, res, resolve(root, 'index.html'), '/index.html'))) return
  send(res, 404, 'Not Found')
}

/** Serves the built app from `root` until `close()`: the shell, its hashed assets and the service worker. */
export function startStaticServer({ root, port = 8080, host = '127.0.0.1' }: StaticServerOptions): Promise<StaticServer> {
  const server = createServer((req, res) => void serveStatic(req, res, root))
  return new Promise((resolveStart, rejectStart) => {
    server.once('error', rejectStart)
    server.listen(port, host, () => {
      server.off('error', rejectStart)
      const address = server.address() as AddressInfo
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
      resolveStart({
        url: `http://${shownHost}:${address.port}/`,
        close: () =>
          new Promise<void>((resolveClose, rejectClose) => {
            server.close((error) => (error ? rejectClose(error) : resolveClose()))
            // Browsers keep connections alive; without this, close() waits for them to time out.
            server.closeAllConnections()
          }),
      })
    })
  })
}
