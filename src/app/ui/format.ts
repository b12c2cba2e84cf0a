/*
 * Dates as a leader reads them, in the app's language: no year for this year's dates (most records are
 * recent), 24-hour clock. Intl does the wording, so nothing here is language text.
 */

const sameYear = (date: Date, now: Date) => date.getFullYear() === now.getFullYear()

/**
 * One formatter per language and wording: making an Intl.DateTimeFormat costs far more than formatting with it,
 * and a list formats a date on each of its rows.
 */
const formatters = new Map<string, Intl.DateTimeFormat>()
function formatter(locale: string, kind: 'dateTime' | 'day', withYear: boolean): Intl.DateTimeFormat {
  const key = `${locale} ${kind} ${withYear}`
  let found = formatters.get(key)
  if (!found) {
    const year = withYear ? 'numeric' : undefined
    found = new Intl.DateTimeFormat(
      locale,
      kind === 'dateTime'
        ? { year, month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }
        : { year, month: 'long', day: 'numeric', weekday: 'short' },
    )
    formatters.set(key, found)
  }
  return found
}

/** A timestamp as `3月5日 14:30` (`2024年3月5日 14:30` in another year). */
export function formatDateTime(iso: string, locale: string, now = new Date()): string {
  const date = new Date(iso)
  return formatter(locale, 'dateTime', !sameYear(date, now)).format(date)
}

/** A local calendar day `YYYY-MM-DD` as `3月5日周三` (`2024年3月5日周二` in another year). */
export function formatDay(day: string, locale: string, now = new Date()): string {
  const [y, m, d] = day.split('-').map(Number)
  const date = new Date(y!, m! - 1, d)
  return formatter(locale, 'day', !sameYear(date, now)).format(date)
}
