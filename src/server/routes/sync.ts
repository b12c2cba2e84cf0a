import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { Mutation, type MutationResult, PULL_MAX_LIMIT, PullPage, PUSH_MAX_MUTATIONS, pushedMutations, PushRequest, PushResponse, sentChange, withoutId } from '@/domain'
import { audit } from '../audit'
import { principalOf } from '../auth/authenticate'
import type { ServerContext } from '../context'
import { errorResponses, HttpError } from '../errors'
import { gzipBody } from '../gzip-body'
import type { IncomingMutation } from '../storage/types'
import { CURSOR_MAX_LENGTH, decodeCursor, encodeCursor, scopeOf } from '../sync/cursor'

export const PULL_DEFAULT_LIMIT = 200

const PullQuery = z.object({
  cursor: z.string().max(CURSOR_MAX_LENGTH).optional(),
  limit: z.coerce.number().int().min(1).max(PULL_MAX_LIMIT).default(PULL_DEFAULT_LIMIT),
  /** `skip`: leave out the changes of this device's own that its push answered with stamps (docs/sync-protocol.md). */
  echoes: z.enum(['skip']).optional(),
  /** 2: each change without the id and revision its record carries (sentChange); absent: protocol 1, whole changes. */
  protocol: z.enum(['1', '2']).optional(),
})

/**
 * Refuses revisions of another epoch than the database's: the server was restored from a backup since the device
 * got them, and they may name changes it no longer has, or other ones (docs/sync-protocol.md, "After a restore").
 * Nothing is applied or sent: the device sends all it holds again and pulls from the beginning.
 */
async function sameEpoch(ctx: ServerContext, epoch: string | undefined): Promise<string> {
  const current = await ctx.storage.databaseEpoch()
  if (epoch !== undefined && epoch !== current) {
    throw new HttpError(409, 'epoch_changed', 'The server was restored from a backup since this device last synced: send everything again and pull from the beginning.')
  }
  return current
}

/**
 * Each mutation is parsed on its own, so that a malformed one is answered `rejected`/`invalid` and never
 * takes the well-formed ones of its batch down with it.
 */
export function parseMutation(raw: unknown): IncomingMutation {
  const parsed = Mutation.safeParse(raw)
  if (parsed.success) return { ok: true, mutation: parsed.data, deviceSeq: parsed.data.deviceSeq }
  const id = typeof raw === 'object' && raw !== null && 'mutationId' in raw ? raw.mutationId : undefined
  const issue = parsed.error.issues[0]
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''
  return {
    ok: false,
    // Echoed so that the device can match the answer; only when it looks like an id (printable, id-sized).
    mutationId: typeof id === 'string' && /^[\x21-\x7e]{1,64}$/.test(id) ? id : '',
    message: `Not a valid mutation. ${where}${issue?.message ?? ''}`.trim(),
  }
}

/**
 * A push's answers as its protocol has them: protocol 1 names each answer's mutation; protocol 2 answers in the
 * order of the mutations alone, and spares the id a phone sent (a random UUID, the largest part of an answer).
 */
function answered(protocol: PushRequest['protocol'], results: MutationResult[]): PushResponse {
  return { results: protocol === 1 ? results : results.map(withoutId) }
}

/** `POST /sync/push` and `GET /sync/pull` (behind `authenticate`). */
export const syncRoutes: FastifyPluginAsyncZod<{ ctx: ServerContext }> = async (app, { ctx }) => {
  app.post(
    '/sync/push',
    {
      bodyLimit: ctx.limits.pushBytes,
      preParsing: gzipBody(ctx.limits.pushBytes),
      config: { finalPush: true },
      // The count limit is a size limit like the byte limit (413, "send smaller batches"), not a malformed body.
      preValidation: async (request) => {
        const mutations = (request.body as { mutations?: unknown } | null)?.mutations
        if (Array.isArray(mutations) && mutations.length > PUSH_MAX_MUTATIONS) {
          throw new HttpError(413, 'payload_too_large', `At most ${PUSH_MAX_MUTATIONS} mutations per batch.`)
        }
      },
      schema: { tags: ['sync'], body: PushRequest, response: { 200: PushResponse, ...errorResponses(400, 401, 403, 409, 413) } },
    },
    async (request) => {
      const principal = principalOf(request)
      if (request.body.deviceId !== principal.deviceId) {
        throw new HttpError(403, 'forbidden', 'This batch names another device than the one signed in.')
      }
      await sameEpoch(ctx, request.body.epoch)
      const { communityId } = principal
      const mutations = pushedMutations(request.body).map(parseMutation)
      // An admin belongs to no community and changes no records: it works through the set-up routes. Each
      // mutation is refused as data, like any other refusal, so that the device drops it rather than retrying.
      if (communityId === null) {
        const message = 'An admin account changes no records; sign in as office staff of the community'
        return answered(request.body.protocol, mutations.map((m) => ({ mutationId: m.ok ? m.mutation.mutationId : m.mutationId, status: 'rejected' as const, code: 'forbidden' as const, message })))
      }
      return answered(request.body.protocol, await ctx.storage.push({ ...principal, communityId }, mutations, ctx.clock()))
    },
  )

  app.get(
    '/sync/pull',
    { schema: { tags: ['sync'], querystring: PullQuery, response: { 200: PullPage, ...errorResponses(400, 401, 409) } } },
    async (request) => {
      const principal = principalOf(request)
      const scope = scopeOf(principal)
      let afterRev = 0
      let reset = false
      let caughtUp = false
      let epoch: string | undefined
      // An empty cursor is no cursor: a device that has never pulled may send `cursor=`.
      if (request.query.cursor) {
        const cursor = decodeCursor(request.query.cursor)
        if (!cursor) throw new HttpError(400, 'bad_request', 'Not a cursor this server made: pull again without one.')
        epoch = cursor.epoch
        if (cursor.scope === scope) ({ rev: afterRev, caughtUp } = cursor)
        else reset = true
      }
      epoch = await sameEpoch(ctx, epoch)
      // Echoes are left out only once the device has caught up: a first pull or a reset must bring its own
      // records too, on every page, as the device may have cleared them (see encodeCursor).
      const skipEchoes = request.query.echoes === 'skip'
      const page = await ctx.storage.pull(principal, afterRev, request.query.limit, skipEchoes && caughtUp)
      // An office's device holds the whole community's residents and records for the workspace to list and
      // search: what it receives is what the office can read. A leader's phone pulls its own buildings for its
      // own work, unaudited.
      if (principal.role === 'office') {
        for (const table of ['households', 'residents', 'visits', 'issues', 'canvassAnswers', 'mediations'] as const) {
          const rows = page.changes.filter((change) => change.table === table).length
          if (rows > 0) await audit(ctx, request, { action: `${table}.read`, communityId: principal.communityId, target: principal.deviceId, rows, detail: { via: 'sync' } })
        }
      }
      const changes = request.query.protocol === '2' ? page.changes.map(sentChange) : page.changes
      return { changes, cursor: encodeCursor(page.lastRev, scope, skipEchoes && (caughtUp || !page.hasMore), epoch), hasMore: page.hasMore, reset, epoch }
    },
  )
}
