import compress from '@fastify/compress'
import swagger from '@fastify/swagger'
import Fastify, { LogController, type FastifyError, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { Mutation, PROTOCOL_VERSION } from '@/domain'
import { createContext, DEFAULT_LIMITS, type ServerLimits } from './context'
import { handleError, HttpError } from './errors'
import { apiRoutes } from './routes'
import { appNotFound, COMPRESS_FROM_BYTES, isApi, registerApp, SECURITY_HEADERS } from './static'
import type { Storage } from './storage/types'

export interface ServerOptions {
  storage: Storage
  /** The built app (`dist/`); without it only the API answers. */
  staticRoot?: string
  /** Fastify's logger option: false (the default) for tests, true or pino options for a real server. */
  logger?: FastifyServerOptions['logger']
  clock?: () => Date
  limits?: Partial<ServerLimits>
  /**
   * Behind reverse proxies: how many of them append to X-Forwarded-For (sign-in throttling keys on the
   * client address); 0, the default, takes the socket's address. Never "trust all": then the left-most
   * entry, which the client writes, would be the address.
   */
  trustedHops?: number
}

/**
 * A push's mutations are validated one by one in the handler, so that a malformed one is answered alone;
 * the body schema therefore takes them as unknown. The document still shows what a mutation is.
 */
const MUTATION_SCHEMA = z.toJSONSchema(Mutation, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' })

/** The zod → JSON Schema transform of fastify-type-provider-zod, plus the mutation schema in the push body. */
const documentRoute: typeof jsonSchemaTransform = (route) => {
  const documented = jsonSchemaTransform(route)
  const body = documented.schema?.body as { properties?: { mutations?: { items?: unknown } } } | undefined
  if (route.url === '/api/v1/sync/push' && body?.properties?.mutations) body.properties.mutations.items = MUTATION_SCHEMA
  return documented
}

/** Whether a parsed request part (strings, arrays, plain objects; keys included) contains U+0000 anywhere. */
function containsNul(value: unknown): boolean {
  // Iterative, so that deeply nested JSON cannot exhaust the stack.
  const pending: unknown[] = [value]
  while (pending.length > 0) {
    const item = pending.pop()
    if (typeof item === 'string') {
      if (item.includes('\0')) return true
    } else if (Array.isArray(item)) {
      for (const element of item) pending.push(element)
    } else if (typeof item === 'object' && item !== null && !Buffer.isBuffer(item)) {
      for (const [key, child] of Object.entries(item)) {
        if (key.includes('\0')) return true
        pending.push(child)
      }
    }
  }
  return false
}

/** The sync server and the app in one Fastify instance, not yet listening: `index.ts` listens, tests inject. */
export function buildServer(options: ServerOptions) {
  const limits = { ...DEFAULT_LIMITS, ...options.limits }
  const ctx = createContext(options.storage, options.clock ?? (() => new Date()), limits)
  const hops = options.trustedHops ?? 0
  const app = Fastify({
    logger: options.logger ?? false,
    // Fastify's own request log prints URLs and headers; ours (below) prints only what is safe to keep.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: limits.jsonBodyBytes,
    // Secure JSON parsing: a body with `__proto__` or `constructor.prototype` keys is refused with a 400.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // The socket's peer and the hops-1 right-most X-Forwarded-For entries are our proxies' (hop 0 is the
    // peer): the address is the entry before them, which the outermost proxy wrote. Fastify 5 refuses a bare
    // number of hops (it cannot tell a direct client from the proxy), hence the function: the server must be
    // reachable through the proxy only (docs/server.md).
    trustProxy: hops > 0 ? (_address: string, hop: number) => hop < hops : false,
    // A malformed percent-escape or an over-long path parameter is answered before routing, so no hook
    // runs: the answer gets its headers and the `{error, message}` shape here.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      void reply
        .code(error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400)
        .headers({ ...SECURITY_HEADERS, 'Cache-Control': 'no-store' })
        .send({ error: 'bad_request', message: 'The address of this request is not valid.' })
    },
  }).withTypeProvider<ZodTypeProvider>()

  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)
  app.setErrorHandler(handleError)
  app.decorateRequest('principal', null)

  // PostgreSQL refuses U+0000 in text, so a NUL would fail a query deep inside a route with a 500. No valid
  // request carries one: such requests are refused here, before any storage call, on every engine alike.
  app.addHook('preValidation', async (request) => {
    if (containsNul(request.params) || containsNul(request.query) || containsNul(request.body)) {
      throw new HttpError(400, 'bad_request', 'Text may not contain NUL characters.')
    }
  })

  app.addHook('onSend', async (request, reply, payload) => {
    reply.headers(SECURITY_HEADERS)
    if (!isApi(request.url)) return payload
    // Answers name residents and carry tokens: no browser or proxy cache may keep them. A route that knows
    // better (a photo, named by its hash) says so itself.
    if (!reply.hasHeader('cache-control')) reply.header('Cache-Control', 'no-store')
    return payload
  })

  // JSON answers (a pull page is mostly repeated field names) go compressed to clients that accept it: on a
  // weak signal the bytes are the wait. Photos are compressed already, and the app's files were at build
  // time. Request bodies are never inflated: a small gzip body could unpack past the body limits.
  void app.register(compress, { threshold: COMPRESS_FROM_BYTES, globalDecompression: false })

  // One line per request, without bodies, query strings or addresses: residents' data never reaches the log.
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? null,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
        userId: request.principal?.userId ?? null,
      },
      'request',
    )
  })

  void app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Doorstep sync API', version: String(PROTOCOL_VERSION), description: 'See docs/sync-protocol.md.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'The device token from /auth/login.' } } },
      security: [{ bearer: [] }],
    },
    transform: documentRoute,
  })
  void app.register(apiRoutes, { prefix: '/api/v1', ctx })

  const staticRoot = options.staticRoot
  if (staticRoot) registerApp(app, staticRoot)
  app.setNotFoundHandler(async (request, reply) => {
    if (!staticRoot || isApi(request.url)) throw new HttpError(404, 'not_found', 'No such route.')
    await appNotFound(request, reply)
  })

  return app
}

/** The server as buildServer makes it (with the zod type provider). */
export type DoorstepServer = ReturnType<typeof buildServer>
