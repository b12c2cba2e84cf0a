import { z } from 'zod'
import { ANSWER_CHOICES, Canvass, CanvassAnswer, type CanvassDetail, type CanvassSummary, type CanvassTally } from '@/domain'

/*
 * The canvass routes' answers as the workspace checks them (the domain declares them as types: the server
 * builds them, src/domain/canvass.ts). Each schema is typed against the domain's type, so the two cannot drift.
 */

const Amount = z.object({ households: z.number().int().nonnegative(), area: z.number().nonnegative().nullable() })

const CanvassTallySchema: z.ZodType<CanvassTally> = z.object({
  scope: Amount,
  areaUnknown: z.number().int().nonnegative(),
  byAnswer: z.object(Object.fromEntries([...ANSWER_CHOICES, 'unasked'].map((choice) => [choice, Amount])) as Record<keyof CanvassTally['byAnswer'], typeof Amount>),
  participants: Amount,
  conditions: z.array(z.object({ key: z.enum(['participation', 'consent', 'noObjection']), met: z.boolean().nullable(), missing: Amount })),
  passed: z.boolean().nullable(),
  pledged: z.number().nonnegative(),
  paid: z.number().nonnegative(),
})

export const CanvassSummarySchema: z.ZodType<CanvassSummary> = z.object({ canvass: Canvass, building: z.string(), tally: CanvassTallySchema })

export const CanvassDetailSchema: z.ZodType<CanvassDetail> = z.object({
  canvass: Canvass,
  building: z.string(),
  answers: z.array(CanvassAnswer),
  places: z.array(z.object({ householdId: z.string(), entrance: z.string(), unit: z.string(), floor: z.number().int() })),
  people: z.record(z.string(), z.string()),
})
