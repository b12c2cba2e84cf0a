import { formatDateTime } from '@/app/ui/format'

/**
 * When the last sync happened, as a leader says it: "今天 14:05", "昨天 09:30", or the date for anything
 * older. The day word is the caller's message (`kind`); `text` is the clock time, or the whole date and
 * time for `earlier`.
 */
export function syncTime(iso: string, locale: string, now = new Date()): { kind: 'today' | 'yesterday' | 'earlier'; text: string } {
  const date = new Date(iso)
  const startOfToday = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime()
  // Built from the calendar, not `- 24 h`, so that a day with a clock change still starts at midnight.
  const startOfYesterday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - 1).getTime()
  const clock = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(date)
  if (date.getTime() >= startOfToday) return { kind: 'today', text: clock }
  if (date.getTime() >= startOfYesterday) return { kind: 'yesterday', text: clock }
  return { kind: 'earlier', text: formatDateTime(iso, locale, now) }
}

/** `syncTime` in words, with the day words of `session.status`: "今天 14:05", "yesterday 09:30", or the date. */
export function syncTimeText(iso: string, locale: string, t: (key: string, values: { time: string }) => string, now?: Date): string {
  const when = syncTime(iso, locale, now)
  return when.kind === 'earlier' ? when.text : t(`session.status.${when.kind}`, { time: when.text })
}
