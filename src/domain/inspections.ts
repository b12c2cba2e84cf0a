import { z } from 'zod'
import { Photos, RecordMeta, checkRecordBytes, RefId, Timestamp, requiredText, text } from './common'
import { IssueCategory, type IssueFields } from './issues'

export const ChecklistItem = z.object({
  id: RefId,
  label: requiredText(120),
  help: text(400).default(''),
  /** The category a failure of this item is reported under. */
  category: IssueCategory.default('safety_hazard'),
})
export type ChecklistItem = z.infer<typeof ChecklistItem>

/** Templates are published by the office and versioned: an inspection names the version it followed. */
export const ChecklistTemplate = z.object({
  id: RefId,
  version: z.number().int().min(1),
  title: requiredText(60),
  description: text(400).default(''),
  items: z.array(ChecklistItem).min(1).max(100),
  publishedAt: Timestamp,
})
export type ChecklistTemplate = z.infer<typeof ChecklistTemplate>

export const ITEM_RESULTS = ['pass', 'fail', 'na'] as const
export const ItemResult = z.enum(ITEM_RESULTS)
export type ItemResult = z.infer<typeof ItemResult>

export const ItemAnswer = z.object({
  result: ItemResult.nullable(),
  note: text(500),
  photos: Photos,
})
export type ItemAnswer = z.infer<typeof ItemAnswer>

export const InspectionFields = z.object({
  templateId: RefId,
  templateVersion: z.number().int().min(1),
  buildingId: RefId,
  startedAt: Timestamp,
  completedAt: Timestamp.nullable(),
  /** The office's campaign this inspection was started for (see ./campaigns); null for one the leader chose. */
  campaignId: RefId.nullable().default(null),
  /** Keyed by checklist item id; an item with no entry has not been looked at yet. */
  answers: z.record(RefId, ItemAnswer),
})
export type InspectionFields = z.infer<typeof InspectionFields>

export const Inspection = z.object({ ...RecordMeta.shape, ...InspectionFields.shape }).check(checkRecordBytes)
export type Inspection = z.infer<typeof Inspection>

export type OverallResult = 'incomplete' | 'pass' | 'fail'

export interface Progress {
  answered: number
  total: number
  failed: number
}

export function progress(answers: InspectionFields['answers'], template: Pick<ChecklistTemplate, 'items'>): Progress {
  let answered = 0
  let failed = 0
  for (const item of template.items) {
    const result = answers[item.id]?.result
    if (result) answered++
    if (result === 'fail') failed++
  }
  return { answered, failed, total: template.items.length }
}

/** Any failure fails the inspection; it passes only once every item has an answer. */
export function overallResult(answers: InspectionFields['answers'], template: Pick<ChecklistTemplate, 'items'>): OverallResult {
  const p = progress(answers, template)
  if (p.failed > 0) return 'fail'
  return p.answered === p.total ? 'pass' : 'incomplete'
}

/** What a failed item was found to be, for the words of the report it becomes. */
export interface Finding {
  /** The item's pass rule as the template words it ("楼道没有堆放杂物"): what was NOT the case. */
  rule: string
  /** What the leader noted on the spot, trimmed; may be empty. */
  note: string
}

/**
 * The issue report a failed checklist item becomes with one tap, prefilled for the leader to check. The
 * item's label is its pass rule, so it can be neither the location (the leader saw where, the template
 * cannot know) nor the description as it stands (it says the opposite of the finding): the location is
 * left empty for the leader, and `describe` words the finding in the leader's language. The category is
 * the item's: a safety hazard unless the template names another.
 */
export function failedItemToIssue(
  inspection: Pick<Inspection, 'id' | 'buildingId' | 'answers'>,
  template: Pick<ChecklistTemplate, 'items'>,
  itemId: string,
  describe: (finding: Finding) => string,
): IssueFields | null {
  const item = template.items.find((i) => i.id === itemId)
  const answer = inspection.answers[itemId]
  if (!item || answer?.result !== 'fail') return null
  return {
    buildingId: inspection.buildingId,
    householdId: null,
    category: item.category,
    location: '',
    description: describe({ rule: item.label, note: answer.note.trim() }).slice(0, 2000),
    urgency: item.category === 'safety_hazard' ? 'urgent' : 'normal',
    photos: [...answer.photos],
    source: { inspectionId: inspection.id, itemId },
  }
}

/**
 * Why an inspection's answers do not fit the template version it names, or null when they do. An answer
 * must name an item of that version: the office reads answers against the template, and anything else is
 * data nobody can read (and, unbounded, a way to store megabytes).
 */
export function answersRefusal(
  inspection: Pick<InspectionFields, 'templateId' | 'templateVersion' | 'answers'>,
  template: Pick<ChecklistTemplate, 'id' | 'version' | 'items'> | undefined,
): string | null {
  if (!template || template.id !== inspection.templateId || template.version !== inspection.templateVersion) {
    return `Checklist ${inspection.templateId} has no version ${inspection.templateVersion}`
  }
  const items = new Set(template.items.map((item) => item.id))
  const stray = Object.keys(inspection.answers).find((itemId) => !items.has(itemId))
  return stray === undefined ? null : `Item ${stray} is not on version ${template.version} of checklist ${template.id}`
}
