import type { FastifyError } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { RefId, RESCUE_MAX_BYTES, RESCUE_PASSWORD_HEADER, RESCUE_PASSWORD_MAX, RESCUE_TYPE, RescueResult } from '@/domain'
import { audit } from '../audit'
import { principalOf } from '../auth/authenticate'
import { managedCommunity } from '../auth/community'
import type { ServerContext } from '../context'
import { errorResponses, handleError, HttpError } from '../errors'
import { importRescue } from '../rescue/import'
import { openRescue } from '../rescue/open'

const Params = z.object({ communityId: RefId })
const Headers = z.object({
  // Percent-encoded, a character takes at most 12 (4 UTF-8 bytes of 3 each).
  [RESCUE_PASSWORD_HEADER]: z.string().min(1).max(RESCUE_PASSWORD_MAX * 12).describe("The file's password, percent-encoded (encodeURIComponent)"),
})

/**
 * `POST /communities/{communityId}/rescue` (behind `authenticate`): the office imports a leader's rescue file
 * (src/domain/rescue.ts), the bytes as the body and the password in a header. Office staff import into their
 * own community, admins into any.
 */
export const rescueRoutes: FastifyPluginAsyncZod<{ ctx: ServerContext }> = async (app, { ctx }) => {
  app.addContentTypeParser([RESCUE_TYPE, 'application/octet-stream'], { parseAs: 'buffer', bodyLimit: RESCUE_MAX_BYTES }, (_request, body, done) => done(null, body))
  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    if (!(error instanceof HttpError) && error.statusCode === 413) {
      return handleError(new HttpError(413, 'payload_too_large', `A rescue file is at most ${RESCUE_MAX_BYTES / 1024 / 1024} MB.`), request, reply)
    }
    return handleError(error, request, reply)
  })

  app.post(
    '/communities/:communityId/rescue',
    {
      bodyLimit: RESCUE_MAX_BYTES,
      schema: {
        tags: ['rescue'],
        summary: "Applies a leader's rescue file as that leader's push: each change once, however often it is imported",
        params: Params,
        headers: Headers,
        body: z.any().describe('The rescue file: an AES-encrypted zip'),
        consumes: [RESCUE_TYPE],
        response: { 200: RescueResult, ...errorResponses(400, 401, 403, 404, 413, 415) },
      },
    },
    async (request) => {
      const community = await managedCommunity(ctx, principalOf(request), request.params.communityId)
      if (!Buffer.isBuffer(request.body)) throw new HttpError(415, 'unsupported_media_type', `Send the rescue file's bytes as ${RESCUE_TYPE}.`)
      let password: string
      try {
        password = decodeURIComponent(request.headers[RESCUE_PASSWORD_HEADER])
      } catch {
        throw new HttpError(400, 'bad_request', `The ${RESCUE_PASSWORD_HEADER} header is not percent-encoded.`)
      }
      const opened = await openRescue(request.body, password)
      const result = await importRescue(ctx, community.id, opened)
      // The office writes as a leader here: the audit says who did, for whom, and how much.
      await audit(ctx, request, {
        action: 'rescue.import',
        communityId: community.id,
        target: opened.file.userId,
        rows: result.applied + result.duplicate + result.conflict + result.rejected.length,
        detail: { applied: result.applied, duplicate: result.duplicate, conflict: result.conflict, rejected: result.rejected.length, photos: result.photos },
      })
      return result
    },
  )
}
