import { defineMessages } from '@/app/i18n/define'

export default defineMessages({
  'zh-CN': {
    home: {
      actions: '常用',
      action: { visit: '记走访', issue: '报诉求', inspection: '开始巡查', buildings: '楼栋' },
      drafts: '没填完的',
      draftSavedAt: '{time} 存的草稿',
      draft: {
        visitNew: '新的走访',
        visitEdit: '修改走访',
        issueNew: '新的诉求',
        issueEdit: '修改诉求',
        issueComment: '诉求留言',
        inspectionNew: '新的巡查',
        inspection: '巡查没查完',
        canvassNew: '新的表决',
        canvassAnswer: '表决登记',
        mediationNew: '新的调解案件',
        mediation: '调解记录',
        mentorNote: '带教提醒',
      },
    },
  },
  en: {
    home: {
      actions: 'Quick actions',
      action: { visit: 'Record a visit', issue: 'Report an issue', inspection: 'Start an inspection', buildings: 'Buildings' },
      drafts: 'Unfinished',
      draftSavedAt: 'Draft saved {time}',
      draft: {
        visitNew: 'New visit',
        visitEdit: 'Editing a visit',
        issueNew: 'New report',
        issueEdit: 'Editing a report',
        issueComment: 'Comment on a report',
        inspectionNew: 'New inspection',
        inspection: 'Unfinished inspection',
        canvassNew: 'New vote',
        canvassAnswer: 'Answer to a vote',
        mediationNew: 'New mediation case',
        mediation: 'Mediation notes',
        mentorNote: 'Note for a new leader',
      },
    },
  },
})
