import { Uint8ArrayReader, Uint8ArrayWriter, ZipWriter } from '@zip.js/zip.js/index-native.js'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import {
  Canvass,
  CanvassAnswer,
  chinaDay,
  NewCanvass,
  RefId,
  ROSTER_XLSX_TYPE,
  tallyCanvass,
  uuidv7,
  type Building,
  type CanvassDetail,
  type CanvassSummary,
  type Community,
  type Household,
} from '@/domain'
import { audit } from '../audit'
import { principalOf } from '../auth/authenticate'
import { managedCommunity } from '../auth/community'
import type { ServerContext } from '../context'
import { errorResponses, HttpError } from '../errors'
import { signatureFiles, stairwell, writeCanvassXlsx } from '../exports/canvass'
import { attachment, streamOf } from '../exports/write'
import type { Principal } from '../storage/types'

const CommunityParams = z.object({ id: RefId })
const CanvassParams = z.object({ id: RefId })

// The answers' shapes of src/domain/canvass.ts (CanvassSummary, CanvassDetail); the tally is computed here from
// the canvass and its answers (tallyCanvass), not validated again.
const Tally = z.any().describe('CanvassTally (src/domain/canvass-tally.ts)')
const Summary = z.object({ canvass: Canvass, building: z.string(), tally: Tally })
const Place = z.object({ householdId: z.string(), entrance: z.string(), unit: z.string(), floor: z.number() })
const Detail = z.object({ canvass: Canvass, building: z.string(), answers: z.array(CanvassAnswer), places: z.array(Place), people: z.record(z.string(), z.string()) })

const ZIP_TYPE = 'application/zip'
const EXTENSIONS: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' }

const fileResponse = (type: string, description: string) => ({ description, content: { [type]: { schema: z.any() } } })

/** What a building is called on the office's screens and files: its name, or its address. */
const buildingLabel = (building: Building | undefined) => (building ? building.name || building.address : '')

/**
 * The office's side of the consent canvass (src/domain/canvass.ts): it opens a canvass of a building or
 * stairwell, follows and closes it, and files its result and signatures. A canvass is a record like a leader's:
 * written here with the next revision, it reaches the building's phones with their next pull, and only its
 * creator may change it (leaders cannot edit the office's). Office staff of the community and admins only.
 */
export const canvassRoutes: FastifyPluginAsyncZod<{ ctx: ServerContext }> = async (app, { ctx }) => {
  const { storage } = ctx

  /** A canvass the caller may manage: unknown and another community's alike are 404, a leader 403. */
  async function managedCanvass(principal: Principal, id: string): Promise<{ community: Community; canvass: Canvass }> {
    if (principal.role === 'leader') throw new HttpError(403, 'forbidden', 'Leaders receive canvasses through sync.')
    const found = await storage.getCanvass(id)
    if (!found) throw new HttpError(404, 'not_found', 'No such canvass.')
    return { community: await managedCommunity(ctx, principal, found.communityId), canvass: found.canvass }
  }

  async function detailOf(community: Community, canvass: Canvass): Promise<CanvassDetail> {
    const buildings = (await storage.listReference(community.id, 'buildings')) as unknown as Building[]
    const households = (await storage.listReference(community.id, 'households')) as unknown as Household[]
    const inScope = new Set(canvass.households.map((h) => h.householdId))
    const answers = await storage.canvassAnswers(community.id, [canvass.id], canvass.buildingId)
    const recorders = new Set(answers.map((a) => a.createdBy))
    const users = await storage.listUsers(community.id)
    return {
      canvass,
      building: buildingLabel(buildings.find((b) => b.id === canvass.buildingId)),
      answers,
      places: households.filter((h) => inScope.has(h.id)).map((h) => ({ householdId: h.id, entrance: h.entrance, unit: h.unit, floor: h.floor })),
      people: Object.fromEntries(users.filter((u) => recorders.has(u.id)).map((u) => [u.id, u.displayName])),
    }
  }

  app.get(
    '/communities/:id/canvasses',
    { schema: { tags: ['canvasses'], params: CommunityParams, response: { 200: z.array(Summary), ...errorResponses(400, 401, 403, 404) } } },
    async (request): Promise<CanvassSummary[]> => {
      const community = await managedCommunity(ctx, principalOf(request), request.params.id)
      const canvasses = await storage.listCanvasses(community.id)
      const answers = await storage.canvassAnswers(
        community.id,
        canvasses.map((c) => c.id),
        null,
      )
      const buildings = (await storage.listReference(community.id, 'buildings')) as unknown as Building[]
      return canvasses
        .map((canvass) => ({ canvass, building: buildingLabel(buildings.find((b) => b.id === canvass.buildingId)), tally: tallyCanvass(canvass, answers) }))
        .sort((a, b) => b.canvass.createdAt.localeCompare(a.canvass.createdAt) || b.canvass.id.localeCompare(a.canvass.id))
    },
  )

  app.post(
    '/communities/:id/canvasses',
    { schema: { tags: ['canvasses'], params: CommunityParams, body: NewCanvass, response: { 201: Canvass, ...errorResponses(400, 401, 403, 404) } } },
    async (request, reply) => {
      const principal = principalOf(request)
      const community = await managedCommunity(ctx, principal, request.params.id)
      const body = request.body
      const now = ctx.clock()
      const buildings = (await storage.listReference(community.id, 'buildings')) as unknown as Building[]
      if (!buildings.some((b) => b.id === body.buildingId)) throw new HttpError(400, 'bad_request', '社区里没有这个楼栋')
      if (body.deadline !== null && body.deadline < chinaDay(now)) throw new HttpError(400, 'bad_request', '截止日期已经过了')
      if (body.kind === 'vote' && body.target !== null) throw new HttpError(400, 'bad_request', '表决没有集资目标')
      // The households in scope as the roster has them now, with their area: the figures never move after.
      const households = ((await storage.listReference(community.id, 'households')) as unknown as Household[]).filter(
        (h) => h.buildingId === body.buildingId && (body.entrance === '' || h.entrance === body.entrance),
      )
      if (households.length === 0) throw new HttpError(400, 'bad_request', '花名册里这个楼栋（单元）还没有住户')
      const at = now.toISOString()
      const parsed = Canvass.safeParse({
        ...body,
        id: uuidv7(now.getTime()),
        households: households.map((h) => ({ householdId: h.id, area: h.area })),
        closedAt: null,
        createdAt: at,
        updatedAt: at,
        createdBy: principal.userId,
        deviceId: principal.deviceId,
        rev: null,
        deletedAt: null,
        conflicts: [],
      })
      if (!parsed.success) throw new HttpError(400, 'bad_request', `不能发起这个表决：${parsed.error.issues[0]?.message ?? ''}（一次最多 500 户，可按单元分开发起）`)
      const canvass = await storage.writeCanvass(community.id, parsed.data.id, principal.deviceId, () => parsed.data)
      await audit(ctx, request, {
        action: 'canvass.open',
        communityId: community.id,
        target: community.id,
        detail: { canvassId: canvass.id, buildingId: canvass.buildingId, households: canvass.households.length },
      })
      return reply.code(201).send(canvass)
    },
  )

  app.get(
    '/canvasses/:id',
    { schema: { tags: ['canvasses'], params: CanvassParams, response: { 200: Detail, ...errorResponses(400, 401, 403, 404) } } },
    async (request) => {
      const { community, canvass } = await managedCanvass(principalOf(request), request.params.id)
      return detailOf(community, canvass)
    },
  )

  app.post(
    '/canvasses/:id/close',
    { schema: { tags: ['canvasses'], params: CanvassParams, response: { 200: Canvass, ...errorResponses(400, 401, 403, 404, 409) } } },
    async (request) => {
      const principal = principalOf(request)
      const { community } = await managedCanvass(principal, request.params.id)
      const at = ctx.clock().toISOString()
      const closed = await storage.writeCanvass(community.id, request.params.id, principal.deviceId, (canvass) => {
        if (!canvass) throw new HttpError(404, 'not_found', 'No such canvass.')
        if (canvass.closedAt) throw new HttpError(409, 'conflict', '这个表决已经结束了')
        return { ...canvass, closedAt: at, updatedAt: at }
      })
      await audit(ctx, request, { action: 'canvass.close', communityId: community.id, target: community.id, detail: { canvassId: closed.id } })
      return closed
    },
  )

  app.get(
    '/canvasses/:id/export.xlsx',
    {
      schema: {
        tags: ['canvasses'],
        summary: 'The canvass’s 表决结果统计表 as .xlsx',
        params: CanvassParams,
        response: { 200: fileResponse(ROSTER_XLSX_TYPE, 'An .xlsx workbook'), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { community, canvass } = await managedCanvass(principalOf(request), request.params.id)
      const detail = await detailOf(community, canvass)
      const signed = [...new Set(detail.answers.flatMap((a) => (a.signature && a.photos[0] ? [a.photos[0]] : [])))]
      const onFile = new Set<string>()
      for (const sha256 of signed) if (await storage.hasAttachment(sha256)) onFile.add(sha256)
      await audit(ctx, request, { action: 'export.canvass', communityId: community.id, target: community.id, rows: canvass.households.length, detail: { canvassId: canvass.id } })
      const name = `${detail.building}${stairwell(canvass.entrance)}表决结果统计表.xlsx`
      return reply
        .code(200)
        .type(ROSTER_XLSX_TYPE)
        .header('content-disposition', attachment(name, 'canvass.xlsx'))
        .send(streamOf((out) => writeCanvassXlsx(detail, onFile, out)))
    },
  )

  app.get(
    '/canvasses/:id/signatures.zip',
    {
      schema: {
        tags: ['canvasses'],
        summary: 'The signature of each household’s latest signed answer, named by flat and answer (1单元-302-同意.jpg)',
        params: CanvassParams,
        response: { 200: fileResponse(ZIP_TYPE, 'A zip of images'), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const { community, canvass } = await managedCanvass(principalOf(request), request.params.id)
      const detail = await detailOf(community, canvass)
      // Images are compressed already: stored as they are.
      const zip = new ZipWriter(new Uint8ArrayWriter(), { level: 0, useWebWorkers: false })
      let files = 0
      for (const { sha256, name } of signatureFiles(detail)) {
        // A photo the phone has not uploaded yet is not on file; the export says so.
        const photo = await storage.getAttachment(sha256)
        if (!photo) continue
        await zip.add(`${name}.${EXTENSIONS[photo.meta.type] ?? 'jpg'}`, new Uint8ArrayReader(photo.bytes))
        files++
      }
      const bytes = await zip.close()
      await audit(ctx, request, { action: 'export.signatures', communityId: community.id, target: community.id, rows: files, detail: { canvassId: canvass.id } })
      const name = `${detail.building}${stairwell(canvass.entrance)}表决签名.zip`
      return reply.code(200).type(ZIP_TYPE).header('content-disposition', attachment(name, 'signatures.zip')).send(Buffer.from(bytes))
    },
  )
}
