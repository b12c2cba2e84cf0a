/*
 * Calendar days as the community lives them: Asia/Shanghai (UTC+8 all year; China has kept no daylight
 * saving since 1991). A visit at 23:30 on 30 November in Beijing is a November visit, although it is
 * 15:30 UTC; the worklist on the phone, coverage and the monthly report on the server all count days and
 * months with these functions, whatever time zone the phone or the server runs in. Pure and zod-free: the
 * phone's first screen uses them.
 */

const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000
const DAY_MS = 24 * 60 * 60 * 1000

/** The Asia/Shanghai day (`YYYY-MM-DD`) of an instant: a Date or an ISO 8601 timestamp. */
export function chinaDay(at: Date | string = new Date()): string {
  const ms = typeof at === 'string' ? Date.parse(at) : at.getTime()
  return new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 10)
}

/** The Asia/Shanghai wall-clock time (`YYYY-MM-DDTHH:mm:ss`, no offset) of an instant, e.g. for a spreadsheet cell. */
export function chinaTime(at: Date | string): string {
  const ms = typeof at === 'string' ? Date.parse(at) : at.getTime()
  return new Date(ms + CHINA_OFFSET_MS).toISOString().slice(0, 19)
}

/** `day` moved by `days` (negative goes back). */
export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10)
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS)
}

/** The instant (a UTC ISO timestamp) an Asia/Shanghai day starts at: its midnight in Beijing. */
export function chinaDayStart(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - CHINA_OFFSET_MS).toISOString()
}

/** A month as `YYYY-MM`. */
// Years 1900–2099: a month far outside has no instants a timestamp can hold (10000-01-01 is not a date).
export const MONTH_PATTERN = /^(19|20)\d{2}-(0[1-9]|1[0-2])$/

/** The Asia/Shanghai month (`YYYY-MM`) of an instant. */
export function chinaMonth(at: Date | string = new Date()): string {
  return chinaDay(at).slice(0, 7)
}

/**
 * A month's first and last days, and the instants (UTC ISO timestamps) it starts at and the next one starts
 * at, for queries over timestamps: `from <= at < to`.
 */
export function monthSpan(month: string): { first: string; last: string; from: string; to: string } {
  const [y, m] = month.split('-').map(Number) as [number, number]
  const first = `${month}-01`
  const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`
  return { first, last: addDays(next, -1), from: chinaDayStart(first), to: chinaDayStart(next) }
}

/**
 * The day a month's standing figures (overdue households, overdue follow-ups) are taken on: its last day, or
 * today while the month is still running.
 */
export function monthAsOf(month: string, today: string): string {
  const { last } = monthSpan(month)
  return today < last ? today : last
}

/**
 * `day` moved by whole calendar `months` (negative goes back); a day the target month lacks becomes its last
 * (31 March less one month is 28 or 29 February), as people count "a year ago today".
 */
export function addMonths(day: string, months: number): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number]
  const index = y * 12 + (m - 1) + months
  const year = Math.floor(index / 12)
  const month = (index % 12) + 1
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate()
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`
}
