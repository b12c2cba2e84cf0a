import { defineMessages } from '@/app/i18n/define'

export default defineMessages({
  'zh-CN': {
    reportNews: {
      many: '你报的 {n} 条诉求有新进展',
      one: '你报的诉求有新进展：{what}',
    },
  },
  en: {
    reportNews: {
      many: '{n} of your reports have news from the office',
      one: 'News on your report: {what}',
    },
  },
})
