import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import { LOCALES, type Locale } from '@/domain/locales'

export const TEXT_SIZES = ['standard', 'large', 'xlarge'] as const
export type TextSize = (typeof TEXT_SIZES)[number]

const KEY = 'doorstep.preferences'

interface Stored {
  locale: Locale
  textSize: TextSize
}

/**
 * Read synchronously at start-up (localStorage, not IndexedDB) so that the first paint already has the
 * leader's language and text size.
 */
export function readPreferences(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): Stored {
  const fallback: Stored = { locale: 'zh-CN', textSize: 'standard' }
  try {
    const saved = JSON.parse(storage?.getItem(KEY) ?? '{}') as Partial<Stored>
    return {
      locale: LOCALES.includes(saved.locale as Locale) ? (saved.locale as Locale) : fallback.locale,
      textSize: TEXT_SIZES.includes(saved.textSize as TextSize) ? (saved.textSize as TextSize) : fallback.textSize,
    }
  } catch {
    return fallback
  }
}

export const usePreferences = defineStore('preferences', () => {
  const initial = readPreferences()
  const locale = ref<Locale>(initial.locale)
  const textSize = ref<TextSize>(initial.textSize)

  watch([locale, textSize], () => {
    globalThis.localStorage?.setItem(KEY, JSON.stringify({ locale: locale.value, textSize: textSize.value }))
  })

  return { locale, textSize }
})
