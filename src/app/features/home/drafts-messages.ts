import { defineMessages } from '@/app/i18n/define'

/** Home's unfinished forms (HomeDrafts.vue), by the kind of form (drafts.ts). */
export default defineMessages({
  'zh-CN': {
    homeDrafts: {
      title: '没填完的',
      savedAt: '{time} 存的草稿',
      kind: {
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
    homeDrafts: {
      title: 'Unfinished',
      savedAt: 'Draft saved {time}',
      kind: {
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
