import { z } from 'zod'
import { AnswerChoice, CANVASS_RULES, CanvassKind, type CanvassRuleName } from '@/domain/canvass'
import { Day, requiredText, text } from '@/domain/common'

/*
 * What the two canvass forms hold while the leader types: plain JSON (stored as drafts as it is), numbers as
 * typed. Their schemas check what the leader typed and turn it into the fields of the records, whose own
 * schemas (src/domain/canvass.ts) the repositories apply on save.
 */

export const RULE_NAMES = Object.keys(CANVASS_RULES) as CanvassRuleName[]

/** A positive number as typed, at most two decimals: an area in m² or an amount in yuan. Empty is none. */
const decimal = (max: number) =>
  z
    .string()
    .trim()
    .refine((value) => value === '' || (/^\d+(\.\d{1,2})?$/.test(value) && Number(value) > 0 && Number(value) <= max))
    .transform((value) => (value === '' ? null : Number(value)))

export interface CanvassStartDraft {
  /** Not saved from the form (the route gives it): home names the building of an unfinished draft by it. */
  buildingId: string
  entrance: string
  kind: CanvassKind
  question: string
  note: string
  ruleName: CanvassRuleName
  deadline: string
  target: string
  /** Areas typed from the 房产证 for households the roster has none for, by household id. */
  areas: Record<string, string>
}

export const emptyStartDraft = (buildingId: string): CanvassStartDraft => ({
  buildingId,
  entrance: '',
  kind: 'vote',
  question: '',
  note: '',
  ruleName: 'civil_code_278',
  deadline: '',
  target: '',
  areas: {},
})

export const CanvassStartForm = z
  .object({
    entrance: text(20),
    kind: CanvassKind,
    question: requiredText(200),
    note: text(1000),
    ruleName: z.enum(RULE_NAMES as [CanvassRuleName, ...CanvassRuleName[]]),
    deadline: z.union([z.literal(''), Day]).transform((day) => day || null),
    target: decimal(100_000_000),
    areas: z.record(z.string(), decimal(10_000)),
  })
  // A fund needs its target: what the pledges are counted against.
  .refine((form) => form.kind === 'vote' || form.target !== null, { path: ['target'], params: { key: 'target' } })
export type CanvassStartForm = z.output<typeof CanvassStartForm>

export const SHEET_RESPONDENTS = ['owner', 'proxy'] as const
export const SHEET_SIGNATURES = ['drawn', 'paper', 'none'] as const

export interface AnswerSheetDraft {
  /** Not saved from the form (the route gives it): home names the flat of an unfinished draft by it. */
  householdId: string
  answer: AnswerChoice | ''
  respondent: (typeof SHEET_RESPONDENTS)[number]
  respondentName: string
  signature: (typeof SHEET_SIGNATURES)[number]
  /** Photos of the signed paper form. */
  paperPhotos: string[]
  note: string
  pledged: string
  paid: string
  receipts: string[]
}

export const emptyAnswerDraft = (householdId: string): AnswerSheetDraft => ({
  householdId,
  answer: '',
  respondent: 'owner',
  respondentName: '',
  signature: 'drawn',
  paperPhotos: [],
  note: '',
  pledged: '',
  paid: '',
  receipts: [],
})

export const AnswerSheetForm = z
  .object({
    answer: AnswerChoice,
    respondent: z.enum(SHEET_RESPONDENTS),
    respondentName: text(40),
    signature: z.enum(SHEET_SIGNATURES),
    paperPhotos: z.array(z.string()).max(4),
    note: text(500),
    pledged: decimal(100_000_000),
    paid: decimal(100_000_000),
    receipts: z.array(z.string()).max(4),
  })
  // Someone signing for the owner is named: the office files who signed.
  .refine((form) => form.respondent === 'owner' || form.respondentName !== '', { path: ['respondentName'], params: { key: 'respondentName' } })
  .refine((form) => form.signature !== 'paper' || form.paperPhotos.length > 0, { path: ['paperPhotos'], params: { key: 'paperPhotos' } })
export type AnswerSheetForm = z.output<typeof AnswerSheetForm>
