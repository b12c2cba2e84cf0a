import { defineMessages } from '@/app/i18n/define'

export default defineMessages({
  'zh-CN': { visits: {} },
  en: { visits: {} },
})
