import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import {
  chinaDay,
  CLOSED_STATUSES,
  DEFAULT_VISIT_INTERVALS,
  MenteeView,
  Mentorship,
  MentorshipRow,
  NewMentorship,
  pairingRefusal,
  RefId,
  uuidv7,
  type Building,
  type Community,
  type Household,
  type IssueReport,
  type MentorNote,
  type Resident,
  type Visit,
} from '@/domain'
import { buildWorklist, inListOrder } from '@/domain/leader-worklist'
import { audit } from '../audit'
import { principalOf } from '../auth/authenticate'
import { managedCommunity } from '../auth/community'
import type { ServerContext } from '../context'
import { errorResponses, HttpError } from '../errors'
import { stairwell } from '../exports/canvass'
import type { Principal } from '../storage/types'

const CommunityParams = z.object({ communityId: RefId })
const MentorshipParams = z.object({ id: RefId })

/** How the office is answered when the domain refuses a pairing: a mistake in what it asked, or a clash with a pairing that lasts. */
const REFUSALS = {
  samePerson: { status: 400, message: 'A leader cannot mentor themselves.' },
  notLeader: { status: 400, message: 'Both must be active leaders of this community.' },
  menteeTaken: { status: 409, message: 'The new leader has a mentor already: end that pairing first.' },
  mentorIsMentee: { status: 409, message: 'The mentor is this leader’s own mentee.' },
} as const

/** The household as the roster words it: 2单元302. */
const placeOf = (household: Household | undefined) => (household ? `${stairwell(household.entrance)}${household.unit}` : '')

/**
 * Old hands and new (老带新, src/domain/mentorship.ts): the office pairs and unpairs leaders of its community
 * here; a mentor's phone fetches its copy of each mentee's work (MenteeView) at every sync.
 */
export const mentorshipRoutes: FastifyPluginAsyncZod<{ ctx: ServerContext }> = async (app, { ctx }) => {
  const { storage } = ctx

  /** A pairing the caller may end: unknown and another community's alike are 404, a leader 403. */
  async function managedPairing(principal: Principal, id: string): Promise<Mentorship> {
    if (principal.role === 'leader') throw new HttpError(403, 'forbidden', 'Only office staff end a pairing.')
    const pairing = await storage.getMentorship(id)
    if (!pairing) throw new HttpError(404, 'not_found', 'No such pairing.')
    await managedCommunity(ctx, principal, pairing.communityId)
    return pairing
  }

  /**
   * The mentor's copy of one mentee's work. It reads the mentee's buildings only (a leader has a few): their
   * households, residents (for care tags; no name leaves here), visits, reports and notes, in one query, and
   * makes the worklist with the phone's own rule and the community's intervals, as the phone does.
   */
  async function menteeView(pairing: Mentorship, community: Community, now: Date): Promise<MenteeView> {
    const mentee = await storage.getUser(pairing.menteeId)
    const buildingIds = mentee?.buildingIds ?? []
    const rows = await storage.buildingRecords(community.id, buildingIds, ['buildings', 'households', 'residents', 'visits', 'issues', 'mentorNotes'])
    // Records and reference rows were validated when stored.
    const of = <T>(table: string) => rows.filter((row) => row.table === table).map((row) => row.data as T)
    const buildings = of<Building>('buildings')
    const households = inListOrder(of<Household>('households'), buildings)
    const byId = new Map(households.map((h) => [h.id, h]))
    const worklist = buildWorklist({
      households,
      residents: of<Resident>('residents'),
      visits: of<Visit>('visits'),
      intervals: () => ({ ...DEFAULT_VISIT_INTERVALS, ...community.settings }),
      today: chinaDay(now),
    })
    return {
      mentorship: pairing,
      mentee: { id: pairing.menteeId, name: mentee?.displayName ?? '', buildings: buildings.map((b) => ({ id: b.id, address: b.address })) },
      followUps: worklist.followUps.map(({ visit, overdueDays }) => ({
        visitId: visit.id,
        householdId: visit.householdId,
        buildingId: visit.buildingId,
        place: placeOf(byId.get(visit.householdId)),
        followUpOn: visit.followUpOn!,
        overdueDays,
        needs: visit.needs,
      })),
      dueHouseholds: worklist.dueHouseholds.map(({ household, care, lastVisitDay, overdueDays }) => ({
        householdId: household.id,
        buildingId: household.buildingId,
        place: placeOf(household),
        care,
        lastVisitDay,
        overdueDays,
      })),
      // Open: not finished by the office (CLOSED_STATUSES); a returned report waits for the mentee to fix it.
      openReports: of<IssueReport>('issues')
        .filter((issue) => !CLOSED_STATUSES.includes(issue.status))
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
        .map((issue) => ({ id: issue.id, buildingId: issue.buildingId, category: issue.category, title: issue.location, status: issue.status, createdAt: issue.createdAt })),
      notes: of<MentorNote>('mentorNotes').filter((note) => note.mentorshipId === pairing.id),
      at: now.toISOString(),
    }
  }

  app.get(
    '/communities/:communityId/mentorships',
    { schema: { tags: ['mentorships'], params: CommunityParams, response: { 200: z.array(MentorshipRow), ...errorResponses(400, 401, 403, 404) } } },
    async (request) => {
      const community = await managedCommunity(ctx, principalOf(request), request.params.communityId)
      const rows = await storage.listMentorships(community.id)
      await audit(ctx, request, { action: 'mentorships.read', communityId: community.id, target: community.id, rows: rows.length })
      return rows
    },
  )

  app.post(
    '/communities/:communityId/mentorships',
    { schema: { tags: ['mentorships'], params: CommunityParams, body: NewMentorship, response: { 201: Mentorship, ...errorResponses(400, 401, 403, 404, 409) } } },
    async (request, reply) => {
      const principal = principalOf(request)
      const community = await managedCommunity(ctx, principal, request.params.communityId)
      const { mentorId, menteeId, note } = request.body
      const leaders = new Set((await storage.listUsers(community.id)).filter((u) => u.role === 'leader' && !u.disabled).map((u) => u.id))
      const refusal = pairingRefusal({ mentorId, menteeId }, leaders, await storage.activeMentorships({ communityId: community.id }))
      if (refusal) throw new HttpError(REFUSALS[refusal].status, refusal, REFUSALS[refusal].message)
      const now = ctx.clock()
      const pairing: Mentorship = {
        id: uuidv7(now.getTime()),
        communityId: community.id,
        mentorId,
        menteeId,
        note,
        startedAt: now.toISOString(),
        startedBy: principal.userId,
        endedAt: null,
        endedBy: null,
      }
      // Another office may have paired the same new leader since the check.
      if (!(await storage.createMentorship(pairing))) throw new HttpError(409, 'menteeTaken', REFUSALS.menteeTaken.message)
      await audit(ctx, request, { action: 'mentorship.start', communityId: community.id, target: menteeId, detail: { mentorshipId: pairing.id, mentorId } })
      return reply.code(201).send(pairing)
    },
  )

  app.post(
    '/mentorships/:id/end',
    { schema: { tags: ['mentorships'], params: MentorshipParams, response: { 200: Mentorship, ...errorResponses(400, 401, 403, 404, 409) } } },
    async (request) => {
      const principal = principalOf(request)
      const pairing = await managedPairing(principal, request.params.id)
      const ended = pairing.endedAt === null ? await storage.endMentorship(pairing.id, ctx.clock().toISOString(), principal.userId) : undefined
      if (!ended) throw new HttpError(409, 'alreadyEnded', 'The pairing has ended already.')
      await audit(ctx, request, { action: 'mentorship.end', communityId: ended.communityId, target: ended.menteeId, detail: { mentorshipId: ended.id, mentorId: ended.mentorId } })
      return ended
    },
  )

  app.get(
    '/mentorships/mine',
    {
      schema: {
        tags: ['mentorships'],
        summary: 'A mentor’s read-only copy of each mentee’s worklist, open reports and the pairing’s notes, for every pairing that lasts',
        response: { 200: z.array(MenteeView), ...errorResponses(401, 403) },
      },
    },
    async (request) => {
      const principal = principalOf(request)
      if (principal.role !== 'leader' || principal.communityId === null) throw new HttpError(403, 'forbidden', 'Only leaders mentor.')
      const pairings = (await storage.activeMentorships({ mentorId: principal.userId })).filter((p) => p.communityId === principal.communityId)
      if (pairings.length === 0) return []
      const community = await storage.getCommunity(principal.communityId)
      if (!community) return []
      const now = ctx.clock()
      const views: MenteeView[] = []
      for (const pairing of pairings) {
        const view = await menteeView(pairing, community, now)
        views.push(view)
        // Another leader's households and reports, read as the office's reads are: each copy is audited.
        const rows = view.followUps.length + view.dueHouseholds.length + view.openReports.length
        await audit(ctx, request, { action: 'mentee.read', communityId: pairing.communityId, target: pairing.menteeId, rows, detail: { mentorshipId: pairing.id } })
      }
      return views
    },
  )
}
