import type { FastifyError } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { RefId, ROSTER_EXAMPLE_ROW, ROSTER_MAX_BYTES, ROSTER_UPLOAD_TYPES, ROSTER_XLSX_TYPE, RosterPreview, RosterRefusal } from '@/domain'
import { audit } from '../audit'
import { principalOf } from '../auth/authenticate'
import { managedCommunity } from '../auth/community'
import type { ServerContext } from '../context'
import { errorResponses, handleError, HttpError } from '../errors'
import { attachment } from '../exports/write'
import { exportRoster, importRoster, previewRoster } from '../roster'
import { writeRosterXlsx } from '../roster/write'

const Params = z.object({ communityId: RefId })

/** The roster file's bytes, as uploaded (the bytes say whether .xlsx or .csv). */
const Upload = z.any().describe('The roster: .xlsx, or .csv in UTF-8 (with or without BOM) or GBK')

const XlsxFile = { description: 'An .xlsx file', content: { [ROSTER_XLSX_TYPE]: { schema: z.any() } } }

/**
 * The community roster (src/domain/roster.ts): preview and import of an office's .xlsx or .csv, export, and
 * the template (behind `authenticate`). Office staff work on their own community, admins on any.
 */
export const rosterRoutes: FastifyPluginAsyncZod<{ ctx: ServerContext }> = async (app, { ctx }) => {
  app.addContentTypeParser([...ROSTER_UPLOAD_TYPES], { parseAs: 'buffer', bodyLimit: ROSTER_MAX_BYTES - 1 }, (_request, body, done) => done(null, body))
  // A file too large is refused before it is read, in the office's words rather than Fastify's.
  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    if (!(error instanceof HttpError) && error.statusCode === 413) {
      return handleError(new HttpError(413, 'payload_too_large', `文件太大：花名册要小于${ROSTER_MAX_BYTES / 1024 / 1024}MB，请分成几个文件上传`), request, reply)
    }
    return handleError(error, request, reply)
  })

  const upload = (summary: string, response: Record<number, unknown>) => ({
    bodyLimit: ROSTER_MAX_BYTES - 1,
    schema: { tags: ['roster'], summary, params: Params, body: Upload, consumes: [...ROSTER_UPLOAD_TYPES], response },
  })
  const bytesOf = (body: unknown): Buffer => {
    if (!Buffer.isBuffer(body)) throw new HttpError(415, 'unsupported_media_type', '请上传 Excel（.xlsx）或 CSV 文件')
    return body
  }

  app.post(
    '/communities/:communityId/roster/preview',
    upload('What importing the file would change, and every problem in it; writes nothing', {
      200: RosterPreview,
      ...errorResponses(400, 401, 403, 404, 413, 415),
    }),
    async (request) => {
      const community = await managedCommunity(ctx, principalOf(request), request.params.communityId)
      return previewRoster(ctx.storage, community.id, bytesOf(request.body), ctx.clock())
    },
  )

  app.post(
    '/communities/:communityId/roster/import',
    upload('Imports the file in one transaction, or writes nothing while it has any problem (422)', {
      200: RosterPreview,
      422: RosterRefusal,
      ...errorResponses(400, 401, 403, 404, 413, 415),
    }),
    async (request, reply) => {
      const community = await managedCommunity(ctx, principalOf(request), request.params.communityId)
      const bytes = bytesOf(request.body)
      const { imported, preview } = await importRoster(ctx.storage, community.id, bytes, ctx.clock())
      // What changed is counted; the problems are left out, as they quote the file's cells.
      const { buildings, households, residents } = preview
      await audit(ctx, request, {
        action: 'roster.import',
        communityId: community.id,
        target: community.id,
        rows: preview.rows,
        detail: {
          file: bytes.subarray(0, 2).toString('latin1') === 'PK' ? 'xlsx' : 'csv',
          imported,
          problems: preview.problems.length,
          residentsAdded: residents.added,
          residentsChanged: residents.changed,
          householdsAdded: households.added,
          buildingsAdded: buildings.added,
        },
      })
      if (imported) return reply.code(200).send(preview)
      const message = `花名册有${preview.problems.length}处问题，一行也没有导入：请改好后再上传`
      return reply.code(422).send({ error: 'invalid_roster', message, preview })
    },
  )

  app.get(
    '/communities/:communityId/roster.xlsx',
    { schema: { tags: ['roster'], params: Params, response: { 200: XlsxFile, ...errorResponses(400, 401, 403, 404) } } },
    async (request, reply) => {
      const community = await managedCommunity(ctx, principalOf(request), request.params.communityId)
      const { file, rows } = await exportRoster(ctx.storage, community.id)
      await audit(ctx, request, { action: 'roster.export', communityId: community.id, target: community.id, rows })
      return reply.code(200).type(ROSTER_XLSX_TYPE).header('content-disposition', attachment(`${community.name}花名册.xlsx`, 'roster.xlsx')).send(file)
    },
  )

  app.get('/roster/template.xlsx', { schema: { tags: ['roster'], response: { 200: XlsxFile, ...errorResponses(401) } } }, async (_request, reply) => {
    const file = await writeRosterXlsx([ROSTER_EXAMPLE_ROW])
    return reply.code(200).type(ROSTER_XLSX_TYPE).header('content-disposition', attachment('花名册模板.xlsx', 'roster.xlsx')).send(file)
  })
}
