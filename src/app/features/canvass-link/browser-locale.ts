import type { Locale } from '@/domain/locales'

/**
 * The owner's language, from the browser (an owner has no preferences here): English when the browser asks
 * for English before any Chinese, else Chinese.
 */
export function browserLocale(languages: readonly string[]): Locale {
  for (const language of languages) {
    const tag = language.toLowerCase()
    if (tag.startsWith('zh')) return 'zh-CN'
    if (tag.startsWith('en')) return 'en'
  }
  return 'zh-CN'
}
