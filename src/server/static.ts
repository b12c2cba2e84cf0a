import { extname, relative, resolve, sep } from 'node:path'
import compress from '@fastify/compress'
import fastifyStatic from '@fastify/static'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'

/**
 * The built app, served by @fastify/static: the shell for app routes, hashed assets kept for good, and the
 * gzip and brotli copies that the build writes beside each text file (scripts/vite-compress.ts) sent to
 * browsers that accept them, so that nothing is compressed per request.
 */

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

/**
 * The shell's script in index.html, which picks the frame the first paint shows and then starts the app: the
 * one inline script the app runs, allowed by its hash (tests/unit/build/bundle-budget.test.ts checks it
 * against the build).
 */
export const SHELL_SCRIPT_HASH = "'sha256-4PgZ+GGah1FekPtnrTgXsnP4SaTyYq/Qtt91Bv7/RhA='"

/**
 * Apart from the shell's script, the built app runs no inline script or style (Vite emits module scripts
 * and stylesheet links only), so nothing else inline is allowed. Vant's icon font is a data: URL; photos
 * are shown from blob: URLs.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  `script-src 'self' ${SHELL_SCRIPT_HASH}`,
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

/** Text answers below this go as they are: gzip's header would eat what it saves. */
export const COMPRESS_FROM_BYTES = 1024

/**
 * Types as the app has always been served: @fastify/send's MIME table says application/javascript (which
 * RFC 9239 made obsolete) and gives the manifest no charset.
 */
const TYPES: Record<string, string> = {
  'application/javascript': 'text/javascript; charset=utf-8',
  'application/manifest+json': 'application/manifest+json; charset=utf-8',
}

/** Whether a request is for the sync API, which answers JSON errors rather than the app. */
export function isApi(url: string): boolean {
  return url === '/api' || url.startsWith('/api/') || url.startsWith('/api?')
}

/**
 * An unknown path without a file extension is an app route (`/visits/…`): the shell answers and the
 * router takes over. A missing file with an extension, or anything under /assets/, is a real 404, so
 * that a stale chunk fails loudly instead of being answered with HTML.
 */
function isAppRoute(urlPath: string): boolean {
  if (urlPath.startsWith('/assets/') || isApi(urlPath)) return false
  return extname(urlPath) === ''
}

/**
 * Answers a request that matched no file: the shell for a GET or HEAD of an app route, else a plain 404, or
 * 405 for other methods. Misses under /api never come here: buildServer answers them with a JSON 404.
 */
export async function appNotFound(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    await reply.code(405).header('Allow', 'GET, HEAD').header('Cache-Control', 'no-store').type('text/plain; charset=utf-8').send('Method Not Allowed')
    return
  }
  const path = request.url.split('?')[0]!
  if (isAppRoute(path)) {
    await reply.sendFile('index.html')
    return
  }
  await reply.code(404).header('Cache-Control', 'no-store').type('text/plain; charset=utf-8').send('Not Found')
}

/**
 * Registers the built app in `root` on `app`: every file under it by path (GET and HEAD), with precompressed
 * copies where the build made them. Misses go to the not-found handler, which the caller sets (appNotFound).
 */
export function registerApp(app: FastifyInstance, root: string): void {
  const base = resolve(root)
  void app.register(fastifyStatic, {
    root: base,
    preCompressed: true,
    // Hidden files are never part of the app.
    dotfiles: 'ignore',
    cacheControl: false,
    setHeaders: (reply, path) => {
      reply.header('Cache-Control', relative(base, path).startsWith(`assets${sep}`) ? IMMUTABLE : REVALIDATE)
    },
  })
  app.addHook('onSend', async (_request, reply, payload) => {
    const type = TYPES[String(reply.getHeader('content-type') ?? '').split(';')[0]!]
    if (type) reply.header('Content-Type', type)
    return payload
  })
}

/** Serves the built app from `root` until `close()`: the shell, its hashed assets and the service worker. */
export async function startStaticServer({ root, port = 8080, host = '127.0.0.1' }: StaticServerOptions): Promise<StaticServer> {
  const app = Fastify({ logger: false, forceCloseConnections: true })
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.headers(SECURITY_HEADERS)
    return payload
  })
  // Files the build did not compress (a test's, a dev's) are compressed as they go.
  await app.register(compress, { threshold: COMPRESS_FROM_BYTES, globalDecompression: false })
  registerApp(app, root)
  app.setNotFoundHandler(appNotFound)
  await app.listen({ port, host })
  const address = app.server.address()
  if (!address || typeof address === 'string') throw new Error('The static server has no TCP address')
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return { url: `http://${shownHost}:${address.port}/`, close: () => app.close() }
}
