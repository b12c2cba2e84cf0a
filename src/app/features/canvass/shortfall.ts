import type { CanvassTally } from '@/domain/canvass-tally'

/*
 * The words of a canvass's figures, the same on the leader's phone and in the office's workspace: what it still
 * needs ("还差 2 户同意、156.3 ㎡"), its result, each answer's name. The words themselves are in
 * ./shortfall-messages (namespace canvassTally, registered as the lazy part `canvassTally`: a screen's route loads it).
 */

type Translate = (key: string, values?: Record<string, unknown>) => string

/** Square metres as people read them: at most two decimals, no trailing zeros (156.3, not 156.30). */
export const squareMetres = (area: number) => String(Math.round(area * 100) / 100)

/** Yuan as people read them, to the fen only when there are fen. */
export const yuan = (amount: number, locale: string) => new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(amount)

/**
 * What a canvass still needs, in plain words, one line each: households (and m²) still to take part or agree,
 * the households objecting under a no-objection rule, the areas the roster lacks. Empty once passed.
 */
export function shortfallLines(tally: CanvassTally, t: Translate): string[] {
  const lines: string[] = []
  for (const { key, met, missing } of tally.conditions) {
    if (met === true) continue
    if (key === 'noObjection') {
      lines.push(t('canvassTally.missing.noObjection', { households: missing.households }))
      continue
    }
    const area = missing.area ? squareMetres(missing.area) : null
    if (missing.households > 0) lines.push(t(`canvassTally.missing.${key}${area ? 'Area' : ''}`, { households: missing.households, area }))
    else if (area) lines.push(t(`canvassTally.missing.${key}AreaOnly`, { area }))
  }
  if (tally.areaUnknown > 0) lines.push(t('canvassTally.missing.areaUnknown', { n: tally.areaUnknown }))
  return lines
}

export type Verdict = 'passed' | 'failed' | 'notYet' | 'pending'

/**
 * A canvass's result: 通过 once its rule is met; 未通过 only once closed without it (an open one is 还没达到: answers
 * may still come); 待定 while an area it needs is missing.
 */
export function verdictOf(passed: boolean | null, closed: boolean): Verdict {
  if (passed === null) return 'pending'
  return passed ? 'passed' : closed ? 'failed' : 'notYet'
}

/** The key of a result's word. */
export const verdictKey = (verdict: Verdict) => `canvassTally.verdict.${verdict}` as const

const VERDICT_TAGS = { passed: 'success', failed: 'danger', notYet: 'warning', pending: 'info' } as const satisfies Record<Verdict, string>

/** The colour of a result's tag in the workspace (an Element Plus tag type). */
export const verdictTag = (verdict: Verdict) => VERDICT_TAGS[verdict]

/** The canvass's state in a word or a line: 通过, 未通过 once closed, or else the first thing it still needs. */
export function headline(tally: CanvassTally, closed: boolean, t: Translate): string {
  if (tally.passed) return t(verdictKey('passed'))
  if (closed) return t(verdictKey('failed'))
  return shortfallLines(tally, t)[0] ?? ''
}
