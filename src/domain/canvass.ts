import { z } from 'zod'
import type { CanvassTally } from './canvass-tally'
import { checkRecordBytes, Day, Id, Photos, RecordMeta, RefId, requiredText, text, Timestamp } from './common'

/*
 * Consent canvass (征求意见 / 表决): a building decision such as 加装电梯 or 楼道改造, put to the households of a
 * building or one of its stairwells (单元), door to door. Two record types, both made on leaders' phones and
 * carried by sync like visits:
 * - a canvass: the question, the households in scope with their floor area as the roster gave it when it was
 *   opened (the figures must not move when the roster does), the rule that decides it, an optional deadline;
 *   for a fund (集资) the target;
 * - an answer: one household's 同意 / 反对 / 弃权 / 未表态 / 联系不上, who gave it, the signature (drawn on the
 *   screen or a photo of the signed paper) among its photos, and for a fund the pledge and payment.
 * Answers are never edited: a household asked again gets a new answer, the latest counts (latestAnswers), and
 * the earlier ones stay as its history. So two leaders canvassing the same stairwell never lose an answer.
 */

export const CANVASS_KINDS = ['vote', 'fund'] as const
export const CanvassKind = z.enum(CANVASS_KINDS)
export type CanvassKind = z.infer<typeof CanvassKind>

export const ANSWER_CHOICES = ['agree', 'object', 'abstain', 'undecided', 'unreachable'] as const
export const AnswerChoice = z.enum(ANSWER_CHOICES)
export type AnswerChoice = z.infer<typeof AnswerChoice>

/** A share as the law writes it (三分之二, 四分之三), kept exact: `num`/`den`, reached when at least that share. */
export const Share = z
  .object({ num: z.number().int().min(1).max(100), den: z.number().int().min(1).max(100) })
  .refine((share) => share.num <= share.den, { params: { key: 'share' } })
export type Share = z.infer<typeof Share>

/**
 * What decides a canvass, stored on it. Each share is reached by the number of households (业主人数, one per
 * flat however many co-owners it has) and by their floor area (专有部分面积), both.
 */
export const CanvassRule = z
  .object({
  /** Of all households in scope, who must take part; null when the rule sets no quorum. */
  participation: Share.nullable(),
  /** Who must agree … */
  consent: Share,
  /** … of those who took part, or of all households in scope. */
  consentOf: z.enum(['participants', 'all']),
  /** Passes only if no household objects, as some cities set for elevators. */
  noObjection: z.boolean(),
  })
  // A share of those who took part means nothing without a quorum: no one taking part would pass it.
  .refine((rule) => rule.consentOf === 'all' || rule.participation !== null, { params: { key: 'quorum' } })
export type CanvassRule = z.infer<typeof CanvassRule>

/**
 * The rules a canvass may start from. `civil_code_278` is the Civil Code's Art. 278 for rebuilding works
 * (改建、重建): at least 2/3 of the owners and of the area take part, and 3/4 of those who took part agree by
 * number and by area. `elevator_no_objection`: 2/3 of all owners and of all area agree, and no one objects.
 */
export const CANVASS_RULES = {
  civil_code_278: { participation: { num: 2, den: 3 }, consent: { num: 3, den: 4 }, consentOf: 'participants', noObjection: false },
  elevator_no_objection: { participation: null, consent: { num: 2, den: 3 }, consentOf: 'all', noObjection: true },
} as const satisfies Record<string, CanvassRule>
export type CanvassRuleName = keyof typeof CANVASS_RULES

/** A household in scope, with the area the vote counts for it (null: the roster has none yet). */
export const CanvassHousehold = z.object({
  householdId: RefId,
  area: z.number().positive().max(10_000).nullable(),
})
export type CanvassHousehold = z.infer<typeof CanvassHousehold>

/** Money in yuan, to the fen. */
const Yuan = z.number().nonnegative().max(100_000_000).multipleOf(0.01)

export const CanvassFields = z.object({
  buildingId: RefId,
  /** The stairwell (单元) canvassed, as households name it; empty for the whole building. */
  entrance: text(20),
  kind: CanvassKind,
  question: requiredText(200),
  note: text(1000),
  households: z
    .array(CanvassHousehold)
    .min(1)
    .max(500)
    .refine((list) => new Set(list.map((h) => h.householdId)).size === list.length, { params: { key: 'uniqueHouseholds' } }),
  rule: CanvassRule,
  deadline: Day.nullable(),
  /** A fund's target in yuan; null for a vote. */
  target: Yuan.nullable(),
  /** When the canvass stopped taking answers; its figures stay. */
  closedAt: Timestamp.nullable(),
})
export type CanvassFields = z.infer<typeof CanvassFields>

/**
 * What a canvass puts to whom and how it is decided, fixed once it is opened: answers were given to it and its
 * figures are counted against it. Its creator may still reword the question and note, move the deadline or a
 * fund's target, and close it.
 */
export const CANVASS_FIXED_FIELDS: ReadonlySet<string> = new Set(['buildingId', 'entrance', 'kind', 'households', 'rule'] satisfies Array<keyof CanvassFields>)

export const Canvass = z.object({ ...RecordMeta.shape, ...CanvassFields.shape }).check(checkRecordBytes)
export type Canvass = z.infer<typeof Canvass>

/** Who gave a household's answer: an owner, someone on their behalf (their name in `respondent`), or the owner through a one-time link. */
export const RESPONDENTS = ['owner', 'proxy', 'link'] as const
export const Respondent = z.enum(RESPONDENTS)
export type Respondent = z.infer<typeof Respondent>

/** How the answer is signed: drawn on the screen, a photo of the signed paper form, or not. */
export const SIGNATURES = ['drawn', 'paper'] as const
export const Signature = z.enum(SIGNATURES)

export const CanvassAnswerFields = z.object({
  canvassId: Id,
  buildingId: RefId,
  householdId: RefId,
  answer: AnswerChoice,
  respondent: Respondent,
  /** Who answered, as they gave their name. */
  respondentName: text(40),
  answeredAt: Timestamp,
  signature: Signature.nullable(),
  /** The drawn signature (first, when drawn), photos of the signed form, a fund's receipts. */
  photos: Photos,
  /** A fund: what the household promised and what it has paid so far, in yuan. */
  pledged: Yuan.nullable(),
  paid: Yuan.nullable(),
  note: text(500),
})
export type CanvassAnswerFields = z.infer<typeof CanvassAnswerFields>

export const CanvassAnswer = z.object({ ...RecordMeta.shape, ...CanvassAnswerFields.shape }).check(checkRecordBytes)
export type CanvassAnswer = z.infer<typeof CanvassAnswer>

/*
 * The office's side, online in the workspace (leaders open canvasses on their phones, offline, as records):
 *   GET  /communities/:id/canvasses      → CanvassSummary[]   newest first
 *   POST /communities/:id/canvasses      NewCanvass → Canvass (201), the households in scope from the roster
 *   GET  /canvasses/:id                  → CanvassDetail
 *   POST /canvasses/:id/close            → Canvass
 *   GET  /canvasses/:id/export.xlsx      表决结果统计表: every household, its answer, area, who recorded it and when, signature on file
 *   GET  /canvasses/:id/signatures.zip   the signature images, named by flat, for filing
 * Office staff of the community (and admins) only.
 */
export const NewCanvass = z.object({
  buildingId: RefId,
  entrance: text(20).default(''),
  kind: CanvassKind.default('vote'),
  question: requiredText(200),
  note: text(1000).default(''),
  rule: CanvassRule.default(CANVASS_RULES.civil_code_278),
  deadline: Day.nullable().default(null),
  target: Yuan.nullable().default(null),
})
export type NewCanvass = z.infer<typeof NewCanvass>

/** Where a household of the canvass lives, for its grid and export. */
export interface CanvassPlace {
  householdId: string
  entrance: string
  unit: string
  floor: number
}

export interface CanvassSummary {
  canvass: Canvass
  /** The building's name or address. */
  building: string
  tally: CanvassTally
}

export interface CanvassDetail {
  canvass: Canvass
  building: string
  /** Every answer, earlier ones included (the household's history); tallyCanvass picks each household's latest. */
  answers: CanvassAnswer[]
  places: CanvassPlace[]
  /** Display names of those who recorded answers, by user id. */
  people: Record<string, string>
}

// Pure rules live apart from the schemas, so that screens can use them without loading zod.
export * from './canvass-tally'
