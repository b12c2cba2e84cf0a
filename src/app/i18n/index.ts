import { createI18n } from 'vue-i18n'
import type { Locale } from '@/domain'
import common from './common'
import home from '@/app/features/home/messages'
import visits from '@/app/features/visits/messages'
import issues from '@/app/features/issues/messages'
import inspections from '@/app/features/inspections/messages'
import households from '@/app/features/households/messages'
import settings from '@/app/features/settings/messages'

const parts = [common, home, visits, issues, inspections, households, settings]

function merge(locale: Locale) {
  return Object.assign({}, ...parts.map((p) => p[locale])) as (typeof common)['zh-CN'] &
    (typeof home)['zh-CN'] &
    (typeof visits)['zh-CN'] &
    (typeof issues)['zh-CN'] &
    (typeof inspections)['zh-CN'] &
    (typeof households)['zh-CN'] &
    (typeof settings)['zh-CN']
}

export const messages = { 'zh-CN': merge('zh-CN'), en: merge('en') }

export function createAppI18n(locale: Locale = 'zh-CN') {
  return createI18n({
    legacy: false,
    locale,
    fallbackLocale: 'zh-CN',
    messages,
  })
}
