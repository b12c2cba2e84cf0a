import { Locale } from 'vant'
import enUS from 'vant/es/locale/lang/en-US'
import zhCN from 'vant/es/locale/lang/zh-CN'
import type { Locale as AppLocale } from '@/domain/locales'

/**
 * Puts Vant's own strings (picker and dialog buttons …) in the app's language. Vant keeps its language in a
 * reactive ref, so Vant screens already on show follow the switch.
 */
export function applyVantLocale(locale: AppLocale) {
  if (locale === 'en') Locale.use('en-US', enUS)
  else Locale.use('zh-CN', zhCN)
}
