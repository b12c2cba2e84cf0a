import { defineMessages } from '@/app/i18n/define'

export default defineMessages({
  'zh-CN': { inspections: {} },
  en: { inspections: {} },
})
