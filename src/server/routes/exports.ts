import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { chinaDay, Day, IssueCategory, IssueStatus, Month, RefId, ROSTER_XLSX_TYPE } from '@/domain'
import { audit, countedRows } from '../audit'
import { principalOf } from '../auth/authenticate'
import { managedCommunity } from '../auth/community'
import type { ServerContext } from '../context'
import { errorResponses, HttpError } from '../errors'
import { EXPORT_KINDS, EXPORT_TITLES, exportTable, type ExportFilter } from '../exports/records'
import { monthlyReportCsv, monthlyReportName, monthlyReportWorkbook } from '../exports/report'
import { attachment, CSV_TYPE, streamOf, writeCsv, writeXlsx } from '../exports/write'
import { monthlyReport } from '../field/report'

const Params = z.object({ communityId: RefId })

const Range = z.object({
  from: Day.optional().describe('First China day, inclusive'),
  to: Day.optional().describe('Last China day, inclusive'),
  buildingId: RefId.optional(),
})
const IssueRange = Range.extend({ status: IssueStatus.optional(), category: IssueCategory.optional() })

const FORMATS = {
  xlsx: { type: ROSTER_XLSX_TYPE, write: writeXlsx },
  csv: { type: CSV_TYPE, write: writeCsv },
} as const

const fileResponse = (format: keyof typeof FORMATS) => ({
  description: format === 'xlsx' ? 'An .xlsx workbook' : 'A CSV file in UTF-8 with a BOM',
  content: { [FORMATS[format].type]: { schema: z.any() } },
})

/**
 * File exports for the community office (src/server/exports): the leaders' visits, issue reports and
 * inspections with filters, streamed as they are read. Office staff export their own community, admins any;
 * leaders none.
 */
export const exportRoutes: FastifyPluginAsyncZod<{ ctx: ServerContext }> = async (app, { ctx }) => {
  for (const kind of EXPORT_KINDS) {
    for (const format of ['xlsx', 'csv'] as const) {
      app.get(
        `/communities/:communityId/exports/${kind}.${format}`,
        {
          schema: {
            tags: ['exports'],
            summary: `The community's ${kind} as .${format}`,
            params: Params,
            querystring: kind === 'issues' ? IssueRange : Range,
            response: { 200: fileResponse(format), ...errorResponses(400, 401, 403, 404) },
          },
        },
        async (request, reply) => {
          const community = await managedCommunity(ctx, principalOf(request), request.params.communityId)
          const query = request.query as z.infer<typeof IssueRange>
          if (query.from && query.to && query.from > query.to) throw new HttpError(400, 'bad_request', '开始日期不能晚于结束日期')
          if (query.buildingId && !(await ctx.storage.roster(community.id)).buildings.some((b) => b.id === query.buildingId)) {
            throw new HttpError(400, 'bad_request', '没有这个楼栋')
          }
          const filter: ExportFilter = {
            from: query.from ?? null,
            to: query.to ?? null,
            buildingId: query.buildingId ?? null,
            status: query.status ?? null,
            category: query.category ?? null,
          }
          const table = await exportTable(ctx.storage, community, kind, filter)
          // Recorded before the first byte leaves, so a broken-off download is on record too; the count follows.
          const detail = { format, from: filter.from, to: filter.to, buildingId: filter.buildingId, status: filter.status ?? null, category: filter.category ?? null }
          const eventId = await audit(ctx, request, { action: `export.${kind}`, communityId: community.id, target: community.id, detail })
          table.rows = countedRows(ctx, request, eventId, table.rows)
          const dates = query.from || query.to ? `${query.from ?? ''}至${query.to ?? ''}` : ''
          const name = `${community.name}${EXPORT_TITLES[kind]}${dates}.${format}`
          return reply
            .code(200)
            .type(FORMATS[format].type)
            .header('content-disposition', attachment(name, `${kind}.${format}`))
            .send(streamOf((out) => FORMATS[format].write([table], out)))
        },
      )
    }
  }
}

/** The monthly report as a file (GET /communities/:id/report.xlsx|.csv?month=): the figures of GET …/report. */
export const reportFileRoutes: FastifyPluginAsyncZod<{ ctx: ServerContext }> = async (app, { ctx }) => {
  const writers = { xlsx: monthlyReportWorkbook, csv: monthlyReportCsv }
  for (const format of ['xlsx', 'csv'] as const) {
    app.get(
      `/communities/:communityId/report.${format}`,
      {
        schema: {
          tags: ['exports'],
          summary: `The monthly report as .${format}`,
          params: Params,
          querystring: z.object({ month: Month }),
          response: { 200: fileResponse(format), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        const community = await managedCommunity(ctx, principalOf(request), request.params.communityId)
        const file = await writers[format](await monthlyReport(ctx.storage, community, request.query.month, chinaDay(ctx.clock())))
        const name = monthlyReportName(community, request.query.month, format)
        await audit(ctx, request, { action: 'report.download', communityId: community.id, target: community.id, detail: { format, month: request.query.month } })
        return reply.code(200).type(FORMATS[format].type).header('content-disposition', attachment(name, `report.${format}`)).send(file)
      },
    )
  }
}
