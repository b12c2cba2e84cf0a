import { defineMessages } from '@/app/i18n/define'

export default defineMessages({
  'zh-CN': {
    home: {
      actions: '常用',
      action: { visit: '记走访', issue: '报诉求', inspection: '开始巡查', buildings: '楼栋' },
    },
  },
  en: {
    home: {
      actions: 'Quick actions',
      action: { visit: 'Record a visit', issue: 'Report an issue', inspection: 'Start an inspection', buildings: 'Buildings' },
    },
  },
})
