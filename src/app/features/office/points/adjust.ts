import { chinaMonth, NewPointAdjustment } from '@/domain'

/** The adjustment dialog as the office fills it in, for the month on the page. */
export interface AdjustForm {
  userId: string
  points: number | null
  reason: string
}

/** What stops an adjustment, each shown by its field (points.office.problem.*); `month` above the form. */
export type AdjustProblem = 'userId' | 'points' | 'reason' | 'month'

/** The request the dialog makes, or every field to fix: checked by the domain's schema, as the server checks it. */
export function adjustmentRequest(form: AdjustForm, month: string, now = new Date()): { request: NewPointAdjustment } | { problems: Set<AdjustProblem> } {
  const parsed = NewPointAdjustment.safeParse({ userId: form.userId || undefined, month, points: form.points ?? undefined, reason: form.reason })
  const problems = new Set<AdjustProblem>(parsed.success ? [] : parsed.error.issues.map((issue) => String(issue.path[0]) as AdjustProblem))
  if (month > chinaMonth(now)) problems.add('month')
  return parsed.success && problems.size === 0 ? { request: parsed.data } : { problems }
}
