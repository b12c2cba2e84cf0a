import { createHash } from 'node:crypto'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { AttachmentMeta, IMAGE_TYPES, THUMB_SERVED_SIDE, MissingRequest, MissingResponse, PHOTO_MAX_SIDE, Sha256 } from '@/domain'
import { principalOf } from '../auth/authenticate'
import type { ServerContext } from '../context'
import { errorResponses, HttpError } from '../errors'
import { checkImage, thumbnail } from '../images'

const Params = z.object({ sha256: Sha256 })
const Variant = z.object({
  size: z.enum(['thumb', 'full']).default('full').describe(`thumb: a JPEG at most ${THUMB_SERVED_SIDE} px on the long side, for lists`),
})
/** A name is its bytes' hash, so an answer never changes; private: a photo shows people's homes. */
const IMMUTABLE = 'private, max-age=31536000, immutable'
/** How long a device over its upload quota waits before it asks again. */
const QUOTA_RETRY_SECONDS = 15 * 60
const DECLARED_TYPE = /^\s*(image\/[\w.+-]+|application\/octet-stream)\s*(;|$)/i

/** The bytes as uploaded: sent as they are, never serialized. */
const PhotoBytes = {
  description: 'The photo, as it was uploaded',
  content: Object.fromEntries(IMAGE_TYPES.map((type) => [type, { schema: z.any() }])),
}

/**
 * `PUT / HEAD / GET /attachments/{sha256}` (behind `authenticate`): photos, content-addressed. The name is
 * the SHA-256 of the bytes, so a repeated upload is the same file and is stored once.
 */
export const attachmentRoutes: FastifyPluginAsyncZod<{ ctx: ServerContext }> = async (app, { ctx }) => {
  // Every upload arrives as raw bytes, whatever it claims to be (no JSON or text parsing of photos); the
  // declared type only has to say "an image" (or bytes), and the bytes themselves say which one.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))

  app.put(
    '/attachments/:sha256',
    {
      bodyLimit: ctx.limits.attachmentBytes,
      config: { finalPush: true },
      schema: {
        tags: ['attachments'],
        params: Params,
        // For the document only: any bytes pass here, and the handler checks them.
        body: z.any().describe('The photo: JPEG, PNG or WebP bytes, named by their SHA-256'),
        consumes: [...IMAGE_TYPES],
        response: { 200: AttachmentMeta, 201: AttachmentMeta, ...errorResponses(400, 401, 413, 415, 429, 503) },
      },
    },
    async (request, reply) => {
      const bytes = request.body
      if (!Buffer.isBuffer(bytes) || !DECLARED_TYPE.test(request.headers['content-type'] ?? '')) {
        throw new HttpError(415, 'unsupported_media_type', 'Send the image bytes with an image/* content type.')
      }
      if (bytes.length === 0) throw new HttpError(400, 'bad_request', 'The upload is empty.')
      const { sha256 } = request.params
      if (createHash('sha256').update(bytes).digest('hex') !== sha256) {
        throw new HttpError(400, 'hash_mismatch', 'The bytes do not hash to the name they were sent under.')
      }
      const checked = await checkImage(bytes)
      if (!checked.ok && checked.reason === 'too_large') {
        throw new HttpError(413, 'payload_too_large', `Photos are at most ${PHOTO_MAX_SIDE} pixels on the long side.`)
      }
      if (!checked.ok) {
        throw new HttpError(415, 'unsupported_media_type', 'This is not a whole JPEG, PNG or WebP photo: it could not be decoded.')
      }
      const { image } = checked
      const meta: AttachmentMeta = { sha256, bytes: bytes.length, ...image }
      const { userId } = principalOf(request)
      // Bytes the server has already cost no room: the caller only becomes an uploader, who may then name the photo.
      if (!(await ctx.storage.hasAttachment(sha256)) && (await ctx.storage.unreferencedUploadBytes(userId)) + bytes.length > ctx.limits.unreferencedUploadBytes) {
        // 429, not 413: the device waits and tries again (413 would give the photo up), and by then the push
        // that names its earlier photos has freed the room.
        throw new HttpError(
          429,
          'quota_exceeded',
          'Too many photos are waiting for a record that names them. Try again later.',
          { 'Retry-After': String(QUOTA_RETRY_SECONDS) },
        )
      }
      const created = await ctx.storage.putAttachment(meta, bytes, userId, ctx.clock().toISOString())
      return reply.code(created ? 201 : 200).send(meta)
    },
  )

  // Declared before GET, which would otherwise get Fastify's automatic HEAD. Like GET, it answers 404 to
  // whoever may not read the photo, so that a hash tells nothing about other buildings.
  app.head(
    '/attachments/:sha256',
    {
      // @fastify/swagger leaves HEAD routes out unless asked; this one differs from GET, so it is documented.
      config: { swagger: { exposeHeadRoute: true } },
      schema: { tags: ['attachments'], params: Params, response: { 200: z.undefined(), ...errorResponses(400, 401, 404) } },
    },
    async (request, reply) => {
      const { sha256 } = request.params
      const readable = await ctx.storage.readableStoredAttachments(principalOf(request), [sha256])
      if (!readable.has(sha256)) throw new HttpError(404, 'not_found', 'No such attachment.')
      return reply.code(200).send()
    },
  )

  app.get(
    '/attachments/:sha256',
    { schema: { tags: ['attachments'], params: Params, querystring: Variant, response: { 200: PhotoBytes, ...errorResponses(400, 401, 404, 503) } } },
    async (request, reply) => {
      const { sha256 } = request.params
      // Permission first, so that bytes are read only for those who may have them; a photo the caller may not
      // read does not exist for them (a 403 would tell that another building has it).
      if (!(await ctx.storage.canReadAttachment(principalOf(request), sha256))) throw new HttpError(404, 'not_found', 'No such attachment.')
      const found = await ctx.storage.getAttachment(sha256)
      if (!found) throw new HttpError(404, 'not_found', 'No such attachment yet: it has not been uploaded.')
      const thumb = request.query.size === 'thumb'
      const bytes = thumb ? await thumbnail(found.bytes) : found.bytes
      return reply.code(200).header('Cache-Control', IMMUTABLE).type(thumb ? 'image/jpeg' : found.meta.type).send(bytes)
    },
  )
}

/**
 * `POST /attachments/missing` (behind `authenticate`): which of a batch's photos the device should upload, in
 * one question and with a 200 (a HEAD per photo costs a round trip each and logs a 404 in the browser for
 * every photo still to send). Its own plugin: the photo routes above parse every body as bytes.
 */
export const attachmentListRoutes: FastifyPluginAsyncZod<{ ctx: ServerContext }> = async (app, { ctx }) => {
  app.post(
    '/attachments/missing',
    { config: { finalPush: true }, schema: { tags: ['attachments'], body: MissingRequest, response: { 200: MissingResponse, ...errorResponses(400, 401) } } },
    async (request) => {
      const hashes = [...new Set(request.body.hashes)]
      const readable = await ctx.storage.readableStoredAttachments(principalOf(request), hashes)
      return { missing: hashes.filter((sha256) => !readable.has(sha256)) }
    },
  )
}
