import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod'
import { API_ERROR_CODES, ApiError } from '@/domain'
import { BlobStoreUnavailable } from './storage/blob-unavailable'

type ApiErrorCode = (typeof API_ERROR_CODES)[number]

/** An answer the caller must act on: a status, a code from the closed list and a message in plain words. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
    this.name = 'HttpError'
  }
}

/** The documented error answers of a route, for the OpenAPI document and the serializer. */
export function errorResponses<const S extends readonly number[]>(...statuses: S): { [K in S[number]]: typeof ApiError } {
  return Object.fromEntries(statuses.map((status) => [status, ApiError])) as { [K in S[number]]: typeof ApiError }
}

/** Fastify's own client errors (bad JSON, body too large, unknown content type …) by status. */
const CODE_BY_STATUS: Record<number, ApiErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
}

/** How long a phone waits before it asks a photo store that failed again. */
const STORE_RETRY_SECONDS = 60

/** Where in the request a validation error was found, and what was wrong, without echoing the value. */
function validationMessage(error: FastifyError): string {
  const where = error.validationContext ?? 'request'
  const first = error.validation?.[0]
  if (!first) return `Invalid ${where}`
  const path = first.instancePath && first.instancePath !== '/' ? first.instancePath : ''
  return `Invalid ${where}${path}: ${first.message ?? 'not accepted'}`
}

/**
 * The one error handler: every failure becomes `{error, message}` with a code from API_ERROR_CODES. Bad input
 * is always a 4xx; only a genuine bug is a 500, answered `internal` without its stack, which goes to the log.
 */
export function handleError(error: FastifyError | HttpError, request: FastifyRequest, reply: FastifyReply): void {
  if (error instanceof HttpError) {
    void reply.code(error.statusCode).headers(error.headers).send({ error: error.code, message: error.message })
    return
  }
  if (hasZodFastifySchemaValidationErrors(error) || error.validation) {
    void reply.code(400).send({ error: 'bad_request', message: validationMessage(error) })
    return
  }
  if (error instanceof BlobStoreUnavailable) {
    // The photo store is down or refused us: the phone keeps the photo and sends it again, nothing was lost.
    request.log.error({ err: error }, 'photo store failed')
    void reply.code(503).header('Retry-After', String(STORE_RETRY_SECONDS)).send({ error: 'storage_unavailable', message: 'Photos cannot be stored or read just now. Try again later.' })
    return
  }
  const status = error.statusCode ?? 500
  if (status >= 400 && status < 500) {
    // Fastify's client errors (malformed JSON, `__proto__` keys, a body too large) carry plain messages
    // about the request's shape, never its content.
    void reply.code(status).send({ error: CODE_BY_STATUS[status] ?? 'bad_request', message: error.message })
    return
  }
  request.log.error({ err: error }, 'request failed')
  void reply.code(500).send({ error: 'internal', message: 'Something went wrong on the server.' })
}
