/** A duration as the office reads it, in the app's language: `3 天前`, `5 小时前`, `10 分钟前`. */
export function ageText(ms: number, locale: string): string {
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'always' })
  const minutes = Math.floor(ms / 60_000)
  if (minutes < 60) return format.format(-minutes, 'minute')
  const hours = Math.floor(minutes / 60)
  return hours < 24 ? format.format(-hours, 'hour') : format.format(-Math.floor(hours / 24), 'day')
}
