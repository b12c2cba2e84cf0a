import type { CanvassTally } from '@/domain/canvass-tally'

type Translate = (key: string, values?: Record<string, unknown>) => string

/** Square metres as a leader reads them: at most two decimals, no trailing zeros (156.3, not 156.30). */
export const squareMetres = (area: number) => String(Math.round(area * 100) / 100)

/** Yuan as a leader reads them, to the fen only when there are fen. */
export const yuan = (amount: number, locale: string) => new Intl.NumberFormat(locale, { maximumFractionDigits: 2 }).format(amount)

/**
 * What a canvass still needs, in plain words, one line each: households (and m²) still to agree or take
 * part, the households objecting under a no-objection rule, the areas the roster lacks. Empty once passed.
 */
export function missingLines(tally: CanvassTally, t: Translate): string[] {
  const lines: string[] = []
  for (const { key, met, missing } of tally.conditions) {
    if (met === true) continue
    if (key === 'noObjection') {
      lines.push(t('canvass.missing.noObjection', { households: missing.households }))
      continue
    }
    const area = missing.area ? squareMetres(missing.area) : null
    if (missing.households > 0) lines.push(t(`canvass.missing.${key}${area ? 'Area' : ''}`, { households: missing.households, area }))
    else if (area) lines.push(t(`canvass.missing.${key}AreaOnly`, { area }))
  }
  if (tally.areaUnknown > 0) lines.push(t('canvass.missing.areaUnknown', { n: tally.areaUnknown }))
  return lines
}

/** The canvass's state in a word or a line: 通过, or the first thing it still needs. */
export function headline(tally: CanvassTally, closed: boolean, t: Translate): string {
  if (tally.passed) return t('canvass.passed')
  if (closed) return t('canvass.notPassed')
  return missingLines(tally, t)[0] ?? ''
}
