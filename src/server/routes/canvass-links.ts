import type { FastifyRequest } from 'fastify'
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { createHash } from 'node:crypto'
import { z } from 'zod'
import { AttachmentMeta, Building, Canvass, Household, Mutation, RefId, uuidv7, type CanvassAnswerFields } from '@/domain'
import {
  CanvassLinkCreated,
  CanvassLinkRequest,
  CanvassLinkView,
  LinkAnswer,
  linkExpiry,
  linkState,
  PublicCanvass,
  SIGNATURE_MAX_BYTES,
  type CanvassLinkState,
} from '@/domain/canvass-links'
import { authenticate, principalOf } from '../auth/authenticate'
import { countAttempt, takeBack, throttledAddress, type CountedAttempt } from '../auth/throttle'
import { hashToken, newToken } from '../auth/tokens'
import type { ServerContext } from '../context'
import { errorResponses, HttpError } from '../errors'
import { checkImage } from '../images'
import type { CanvassLinkRecord, MemberPrincipal, Principal } from '../storage/types'

/*
 * One-time answer links for owners who live elsewhere (src/domain/canvass-links.ts). The owner's answer is
 * recorded as the link's creator would record it on their phone: a put pushed through storage.push, so that
 * every rule on answers applies, and pulled to the leader's phone like any other. Its mutation id is the
 * link's id, which a push applies at most once: that, not a flag, makes the link single-use.
 */

const CanvassParams = z.object({ id: RefId })
const LinkParams = z.object({ linkId: z.string().max(64) })
/** A token is 32 random bytes, base64url; anything longer is no token of ours. */
const TokenParams = z.object({ token: z.string().max(64) })

const GONE: Record<Exclude<CanvassLinkState, 'pending'>, { code: 'link_used' | 'link_expired' | 'link_revoked'; message: string }> = {
  used: { code: 'link_used', message: 'This link has been used: the answer is recorded.' },
  expired: { code: 'link_expired', message: 'This link has expired. Ask your building leader for a new one.' },
  revoked: { code: 'link_revoked', message: 'This link is no longer valid. Ask your building leader for a new one.' },
}

const gone = (state: Exclude<CanvassLinkState, 'pending'>) => new HttpError(410, GONE[state].code, GONE[state].message)

const view = (link: CanvassLinkRecord, now: Date): CanvassLinkView => ({
  id: link.id,
  householdId: link.householdId,
  state: linkState(link, now),
  createdAt: link.createdAt,
  createdBy: link.createdBy,
  expiresAt: link.expiresAt,
  usedAt: link.usedAt,
  revokedAt: link.revokedAt,
})

/**
 * The canvass, when the caller may send its links: office staff of its community, or a leader of its
 * building. Any other is answered as unknown, so that nobody learns which canvasses exist.
 */
async function managedCanvass(ctx: ServerContext, principal: Principal, canvassId: string): Promise<{ canvass: Canvass; communityId: string }> {
  const found = await ctx.storage.getCanvass(canvassId)
  const mayManage =
    found !== undefined &&
    found.communityId === principal.communityId &&
    (principal.role === 'office' || (principal.role === 'leader' && principal.buildingIds.includes(found.canvass.buildingId)))
  if (!mayManage) throw new HttpError(404, 'not_found', 'No such canvass.')
  return found
}

/** The canvass itself when it still takes answers through links; the canvass a link names may have gone since. */
async function openCanvass(ctx: ServerContext, link: CanvassLinkRecord): Promise<Canvass> {
  const found = await ctx.storage.getCanvass(link.canvassId)
  if (!found) throw gone('revoked')
  if (found.canvass.closedAt) throw gone('expired')
  return found.canvass
}

/**
 * Counts a request on a link against its address, as a wrong password is counted at sign-in (growing waits,
 * the sign-in's per-address rule), and refuses it with 429 while it must wait: guessing tokens is no faster
 * than guessing passwords. A request on a link that can still be used is taken back.
 */
async function throttled(ctx: ServerContext, request: FastifyRequest): Promise<CountedAttempt> {
  const now = ctx.clock().getTime()
  const outcome = await countAttempt(ctx.storage, `answer-link:${throttledAddress(request.ip)}`, ctx.limits.loginPerAddress, now)
  if ('counted' in outcome) return outcome
  const seconds = Math.ceil(outcome.waitMs / 1000)
  throw new HttpError(429, 'too_many_requests', `Too many tries. Try again in ${Math.ceil(seconds / 60)} minutes.`, { 'Retry-After': String(seconds) })
}

/** The link of `token` when it can still be used, the attempt taken back; else 410 (an unknown token as a revoked one). */
async function usableLink(ctx: ServerContext, request: FastifyRequest, token: string): Promise<CanvassLinkRecord> {
  const attempt = await throttled(ctx, request)
  const link = await ctx.storage.canvassLinkByTokenHash(hashToken(token))
  const state = link ? linkState(link, ctx.clock()) : 'revoked'
  if (!link || state !== 'pending') throw gone(state === 'pending' ? 'revoked' : state)
  await takeBack(ctx.storage, attempt, ctx.clock().getTime())
  return link
}

/** The PNG of a link answer's signature, checked whole, as an attachment; 400 when it is none. */
async function signaturePng(base64: string): Promise<{ bytes: Buffer; meta: AttachmentMeta }> {
  const bytes = Buffer.from(base64.replace(/^data:image\/png;base64,/, ''), 'base64')
  if (bytes.length === 0 || bytes.length > SIGNATURE_MAX_BYTES) {
    throw new HttpError(400, 'bad_request', `The signature must be a PNG of at most ${SIGNATURE_MAX_BYTES / 1024} KB.`)
  }
  const checked = await checkImage(bytes)
  if (!checked.ok || checked.image.type !== 'image/png') throw new HttpError(400, 'bad_request', 'The signature is not a whole PNG image.')
  return { bytes, meta: { sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length, ...checked.image } }
}

/** The link's creator as the push knows them, on a device of the link's own: the creator's phone pulls the answer as anyone's. */
async function creatorPrincipal(ctx: ServerContext, link: CanvassLinkRecord): Promise<MemberPrincipal> {
  const user = await ctx.storage.getUser(link.createdBy)
  if (!user || user.disabled || user.communityId !== link.communityId) throw gone('revoked')
  return { userId: user.id, deviceId: link.id, role: user.role, communityId: user.communityId, buildingIds: user.buildingIds }
}

/** The leader's and the office's side, behind `authenticate`. */
const linkRoutes: FastifyPluginAsyncZod<{ ctx: ServerContext }> = async (app, { ctx }) => {
  app.post(
    '/canvasses/:id/links',
    {
      schema: {
        tags: ['canvasses'],
        params: CanvassParams,
        body: CanvassLinkRequest,
        response: { 201: CanvassLinkCreated, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request)
      const { canvass, communityId } = await managedCanvass(ctx, principal, request.params.id)
      // The answer is pushed as the creator's, and only leaders make records: the office sees and revokes links.
      if (principal.role !== 'leader') throw new HttpError(403, 'forbidden', 'A leader of the building sends links: the answer is recorded as theirs.')
      const { householdId } = request.body
      if (!canvass.households.some((h) => h.householdId === householdId)) throw new HttpError(400, 'bad_request', 'This household is not asked in this canvass.')
      if (canvass.closedAt) throw new HttpError(409, 'conflict', 'The canvass is closed.')
      const now = ctx.clock()
      const expiresAt = linkExpiry(canvass, now)
      if (Date.parse(expiresAt) <= now.getTime()) throw new HttpError(409, 'conflict', 'The canvass is past its deadline.')
      const { token, hash } = newToken()
      const id = uuidv7(now.getTime())
      await ctx.storage.createCanvassLink({
        id,
        tokenHash: hash,
        communityId,
        buildingId: canvass.buildingId,
        canvassId: canvass.id,
        householdId,
        createdBy: principal.userId,
        createdAt: now.toISOString(),
        expiresAt,
      })
      // The app is served by this server, so the address the phone reached it by is the one the owner opens.
      return reply.code(201).send({ id, url: `${request.protocol}://${request.host}/answer/${token}`, expiresAt })
    },
  )

  app.get(
    '/canvasses/:id/links',
    { schema: { tags: ['canvasses'], params: CanvassParams, response: { 200: z.array(CanvassLinkView), ...errorResponses(400, 401, 404) } } },
    async (request) => {
      const { canvass } = await managedCanvass(ctx, principalOf(request), request.params.id)
      const now = ctx.clock()
      return (await ctx.storage.canvassLinks(canvass.id)).map((link) => view(link, now))
    },
  )

  app.post(
    '/canvass-links/:linkId/revoke',
    { schema: { tags: ['canvasses'], params: LinkParams, response: { 200: CanvassLinkView, ...errorResponses(400, 401, 404, 409) } } },
    async (request) => {
      const link = await ctx.storage.canvassLink(request.params.linkId)
      if (!link) throw new HttpError(404, 'not_found', 'No such link.')
      await managedCanvass(ctx, principalOf(request), link.canvassId)
      const now = ctx.clock()
      if (!(await ctx.storage.revokeCanvassLink(link.id, now.toISOString())) && linkState(link, now) === 'used') {
        throw new HttpError(409, 'conflict', 'The link has been used: its answer is recorded.')
      }
      return view((await ctx.storage.canvassLink(link.id))!, now)
    },
  )
}

/** The owner's side: no sign-in, the token is the key. */
const publicRoutes: FastifyPluginAsyncZod<{ ctx: ServerContext }> = async (app, { ctx }) => {
  app.get(
    '/public/answer/:token',
    { schema: { tags: ['canvasses'], security: [], params: TokenParams, response: { 200: PublicCanvass, ...errorResponses(400, 410, 429) } } },
    async (request) => {
      const link = await usableLink(ctx, request, request.params.token)
      const canvass = await openCanvass(ctx, link)
      const [community, building, household] = await Promise.all([
        ctx.storage.getCommunity(link.communityId),
        ctx.storage.storedRow('buildings', link.buildingId),
        ctx.storage.storedRow('households', link.householdId),
      ])
      const place = household && Household.safeParse(household.data)
      const house = building && Building.safeParse(building.data)
      return {
        kind: canvass.kind,
        question: canvass.question,
        note: canvass.note,
        community: community?.name ?? '',
        building: house?.success ? house.data.name || house.data.address : '',
        entrance: place?.success ? place.data.entrance : '',
        unit: place?.success ? place.data.unit : '',
        deadline: canvass.deadline,
        target: canvass.target,
        expiresAt: link.expiresAt,
      }
    },
  )

  app.post(
    '/public/answer/:token',
    {
      // Room for the signature as base64 in JSON.
      bodyLimit: Math.ceil(SIGNATURE_MAX_BYTES / 3) * 4 + 16 * 1024,
      schema: { tags: ['canvasses'], security: [], params: TokenParams, body: LinkAnswer, response: { 204: z.undefined(), ...errorResponses(400, 409, 410, 413, 429) } },
    },
    async (request, reply) => {
      const link = await usableLink(ctx, request, request.params.token)
      const canvass = await openCanvass(ctx, link)
      const { answer, name, signature, pledged } = request.body
      const { bytes, meta } = await signaturePng(signature)
      const principal = await creatorPrincipal(ctx, link)
      const now = ctx.clock()
      const at = now.toISOString()
      // Uploaded as the creator's, who may then name it on their answer.
      await ctx.storage.putAttachment(meta, bytes, principal.userId, at)
      const fields: CanvassAnswerFields & { createdAt: string } = {
        canvassId: canvass.id,
        buildingId: canvass.buildingId,
        householdId: link.householdId,
        answer,
        respondent: 'link',
        respondentName: name,
        answeredAt: at,
        signature: 'drawn',
        photos: [meta.sha256],
        pledged: canvass.kind === 'fund' ? pledged : null,
        paid: null,
        note: '',
        createdAt: at,
      }
      const put = Mutation.parse({ kind: 'put', mutationId: link.id, deviceSeq: 0, table: 'canvassAnswers', recordId: uuidv7(now.getTime()), baseRev: null, fields })
      const [result] = await ctx.storage.push(principal, [{ ok: true, mutation: put, deviceSeq: 0 }], now)
      if (result?.status === 'rejected') {
        request.log.warn({ linkId: link.id, code: result.code }, 'a link answer was refused')
        throw new HttpError(409, 'conflict', 'The answer could not be recorded. Please contact your building leader.')
      }
      await ctx.storage.markCanvassLinkUsed(link.id, at)
      // Another request with the same link got there first.
      if (result?.status === 'duplicate') throw gone('used')
      return reply.code(204).send()
    },
  )
}

/** The links' routes under /api/v1: the owner's without sign-in, the rest behind `authenticate`. */
export const canvassLinkRoutes: FastifyPluginAsyncZod<{ ctx: ServerContext }> = async (app, { ctx }) => {
  await app.register(publicRoutes, { ctx })
  await app.register(async (secured) => {
    secured.addHook('onRequest', authenticate(ctx))
    await secured.register(linkRoutes, { ctx })
  })
}
