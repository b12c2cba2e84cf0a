import type { z } from 'zod'
import { ChecklistTemplate, uuidv7, type ChecklistItem } from '@/domain'

/*
 * The office's template editor, as pure rules: what it edits, how items move, and the version a draft
 * becomes. The office never edits a published version: publishing makes the next one, and inspections
 * already started keep following the version they named.
 */

/** What the office edits: a template less its version and publishing time, which publishing sets. */
export const TemplateDraft = ChecklistTemplate.pick({ id: true, title: true, description: true, items: true })
export type TemplateDraft = z.infer<typeof TemplateDraft>

/** A blank item; its id stays with it through moves and later versions. */
export function newItem(): ChecklistItem {
  return { id: uuidv7(), label: '', help: '', category: 'safety_hazard' }
}

/** A new template with one blank item, under a new id. */
export function newDraft(): TemplateDraft {
  return { id: `t-${uuidv7()}`, title: '', description: '', items: [newItem()] }
}

/** The draft of a template's next version: its published words, as plain copies. */
export function draftOf(template: ChecklistTemplate): TemplateDraft {
  const { id, title, description, items } = template
  return { id, title, description, items: items.map((item) => ({ ...item })) }
}

/** The items with the one at `index` moved `by` places (−1 up, 1 down); the same items when it cannot move. */
export function moveItem(items: ChecklistItem[], index: number, by: -1 | 1): ChecklistItem[] {
  const to = index + by
  if (index < 0 || index >= items.length || to < 0 || to >= items.length) return items
  const moved = [...items]
  ;[moved[index], moved[to]] = [moved[to]!, moved[index]!]
  return moved
}

/** The items without the one at `index`. */
export function removeItem(items: ChecklistItem[], index: number): ChecklistItem[] {
  return items.filter((_, i) => i !== index)
}

/** The version a draft is published as: one above the newest (version 1 for a new template). */
export function nextVersion(latest: Pick<ChecklistTemplate, 'version'> | undefined): number {
  return (latest?.version ?? 0) + 1
}

/** The template a valid draft publishes, as the next version after `latest`, dated `now`. */
export function toTemplate(draft: TemplateDraft, latest: ChecklistTemplate | undefined, now: Date): ChecklistTemplate {
  return { ...draft, version: nextVersion(latest), publishedAt: now.toISOString() }
}

/**
 * Whether the draft says exactly what `latest` says, as the schema reads both (trimmed): publishing it
 * would make a version that changes nothing.
 */
export function unchanged(draft: TemplateDraft, latest: ChecklistTemplate | undefined): boolean {
  if (!latest) return false
  const parsed = TemplateDraft.safeParse(draft)
  return parsed.success && JSON.stringify(parsed.data) === JSON.stringify(draftOf(latest))
}
