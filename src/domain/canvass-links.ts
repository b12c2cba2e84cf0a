import { z } from 'zod'
import type { Canvass } from './canvass'
import { AnswerChoice, CanvassKind } from './canvass'
import { Day, Id, RefId, requiredText, Timestamp } from './common'
import { addDays, chinaDayStart } from './days'

/*
 * One-time links (一次性链接) for owners who live elsewhere (外地业主): the leader (or the office) asks the
 * server, online, for a link to one household's answer and sends it by WeChat or SMS; the owner opens it
 * without an account, sees that canvass's question and their own flat only, and answers once with a drawn
 * signature. The server keeps only the token's SHA-256, so a copy of the database opens no link.
 *
 *   POST /canvasses/:id/links            CanvassLinkRequest → CanvassLinkCreated (201)   a leader of the building
 *   GET  /canvasses/:id/links            → CanvassLinkView[]                              a leader of the building, office
 *   POST /canvass-links/:linkId/revoke   → CanvassLinkView                                a leader of the building, office
 * The answer is recorded as its link's creator would record it on the phone, and only leaders make records:
 * so the office sees and revokes links but sends none.
 *   GET  /public/answer/:token           → PublicCanvass                                  no sign-in, throttled
 *   POST /public/answer/:token           LinkAnswer → 204                                  no sign-in, throttled
 * A link that can no longer be used answers 410 with link_used, link_expired or link_revoked (an unknown
 * token too, so that tokens cannot be probed).
 */

/** How long a link stays usable, unless the canvass's deadline ends sooner. */
export const LINK_DAYS = 7

/** The largest drawn signature accepted, in bytes of PNG. A phone's pad makes a few dozen KB. */
export const SIGNATURE_MAX_BYTES = 256 * 1024

export const CANVASS_LINK_STATES = ['pending', 'used', 'expired', 'revoked'] as const
export type CanvassLinkState = (typeof CANVASS_LINK_STATES)[number]

export const CanvassLinkRequest = z.object({ householdId: RefId })
export type CanvassLinkRequest = z.infer<typeof CanvassLinkRequest>

export const CanvassLinkCreated = z.object({ id: Id, url: z.string(), expiresAt: Timestamp })
export type CanvassLinkCreated = z.infer<typeof CanvassLinkCreated>

/** A link as its leader and the office see it: never its token, which only the creation answer carries. */
export const CanvassLinkView = z.object({
  id: Id,
  householdId: RefId,
  state: z.enum(CANVASS_LINK_STATES),
  createdAt: Timestamp,
  createdBy: RefId,
  expiresAt: Timestamp,
  usedAt: Timestamp.nullable(),
  revokedAt: Timestamp.nullable(),
})
export type CanvassLinkView = z.infer<typeof CanvassLinkView>

/** What the owner's page shows: the question and their flat, nothing of other households, no names. */
export const PublicCanvass = z.object({
  kind: CanvassKind,
  question: z.string(),
  note: z.string(),
  community: z.string(),
  /** The building's name or address. */
  building: z.string(),
  entrance: z.string(),
  unit: z.string(),
  deadline: Day.nullable(),
  target: z.number().nullable(),
  expiresAt: Timestamp,
})
export type PublicCanvass = z.infer<typeof PublicCanvass>

/** What an owner may answer through a link: a choice, not the leader's 未表态 or 联系不上. */
export const LINK_CHOICES = ['agree', 'object', 'abstain'] as const satisfies readonly AnswerChoice[]

export const LinkAnswer = z.object({
  answer: z.enum(LINK_CHOICES),
  name: requiredText(40),
  /** The drawn signature: a PNG, base64 (a `data:image/png;base64,` prefix is allowed). */
  signature: z
    .string()
    .max(Math.ceil(SIGNATURE_MAX_BYTES / 3) * 4 + 32)
    .regex(/^(data:image\/png;base64,)?[A-Za-z0-9+/]+={0,2}$/),
  /** A fund: what the household promises, in yuan. */
  pledged: z.number().nonnegative().max(100_000_000).multipleOf(0.01).nullable().default(null),
})
export type LinkAnswer = z.infer<typeof LinkAnswer>

/** The stored facts of a link that decide its state. */
export interface LinkTimes {
  expiresAt: string
  usedAt: string | null
  revokedAt: string | null
}

/** Where a link stands at `now`: used and revoked are final, whatever the time. */
export function linkState(link: LinkTimes, now: Date): CanvassLinkState {
  if (link.usedAt) return 'used'
  if (link.revokedAt) return 'revoked'
  return Date.parse(link.expiresAt) <= now.getTime() ? 'expired' : 'pending'
}

/** When a new link expires: LINK_DAYS from `now`, or when the canvass's deadline day ends in Beijing if sooner. */
export function linkExpiry(canvass: Pick<Canvass, 'deadline'>, now: Date): string {
  const days = new Date(now.getTime() + LINK_DAYS * 24 * 60 * 60 * 1000).toISOString()
  if (!canvass.deadline) return days
  const deadlineEnd = chinaDayStart(addDays(canvass.deadline, 1))
  return deadlineEnd < days ? deadlineEnd : days
}
