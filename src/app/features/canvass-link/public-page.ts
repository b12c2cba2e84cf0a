import type { Locale } from '@/domain/locales'

/*
 * The pages an owner opens from a one-time link (src/domain/canvass-links.ts), on their own phone and with no
 * account: main.ts starts them without the leader's app around them — no lock, no database, no sync.
 */

/** The path of the answer page, before its token. */
export const ANSWER_PATH = '/answer/'

/** Whether `path` is a page an owner opens from a link. */
export function isPublicPage(path: string): boolean {
  return path.startsWith(ANSWER_PATH)
}

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
