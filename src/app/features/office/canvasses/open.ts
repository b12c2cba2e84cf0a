import { CANVASS_RULES, chinaDay, NewCanvass, type CanvassKind, type CanvassRuleName } from '@/domain'

/** The 发起表决 form as the office fills it in: the deadline as an `<input type="date">` value, the target as typed. */
export interface OpenForm {
  buildingId: string
  /** The stairwell (单元) asked; empty for the whole building. */
  entrance: string
  kind: CanvassKind
  question: string
  note: string
  rule: CanvassRuleName
  deadline: string
  target: string
}

export type OpenField = 'buildingId' | 'question' | 'deadline' | 'target'

/** What stops the form, next to each field, as the key of its words (officeCanvass.problem.*). */
export type OpenProblem = 'building' | 'question' | 'questionLong' | 'deadline' | 'pastDeadline' | 'target'

export const blankOpenForm = (): OpenForm => ({ buildingId: '', entrance: '', kind: 'vote', question: '', note: '', rule: 'civil_code_278', deadline: '', target: '' })

const YUAN = /^\d+(\.\d{1,2})?$/

/** The request the form makes, or each field's problem. A deadline is a China day, today at the earliest. */
export function openRequest(form: OpenForm, now = new Date()): { request: NewCanvass } | { problems: Partial<Record<OpenField, OpenProblem>> } {
  const problems: Partial<Record<OpenField, OpenProblem>> = {}
  if (!form.buildingId) problems.buildingId = 'building'
  const question = form.question.trim()
  if (!question) problems.question = 'question'
  else if (question.length > 200) problems.question = 'questionLong'
  if (form.deadline && !/^\d{4}-\d{2}-\d{2}$/.test(form.deadline)) problems.deadline = 'deadline'
  else if (form.deadline && form.deadline < chinaDay(now)) problems.deadline = 'pastDeadline'
  const target = form.target.trim()
  // A fund needs a target to measure the money against; a vote has none.
  if (form.kind === 'fund' && (!YUAN.test(target) || !(Number(target) > 0))) problems.target = 'target'
  const parsed = NewCanvass.safeParse({
    buildingId: form.buildingId,
    entrance: form.entrance,
    kind: form.kind,
    question,
    note: form.note,
    rule: CANVASS_RULES[form.rule],
    deadline: form.deadline || null,
    target: form.kind === 'fund' ? Number(target) : null,
  })
  if (!parsed.success) {
    // What the checks above let through and the schema refuses: a day that is no date, a target too large.
    for (const issue of parsed.error.issues) {
      const field = issue.path[0]
      if (field === 'deadline') problems.deadline ??= 'deadline'
      else if (field === 'target') problems.target ??= 'target'
    }
  }
  if (Object.keys(problems).length || !parsed.success) return { problems }
  return { request: parsed.data }
}
