import { defineMessages } from '@/app/i18n/define'

export default defineMessages({
  'zh-CN': {
    worklist: {
      title: '走访清单',
      home: '要做的',
      count: { overdue: '过期没回访', today: '今天回访', due: '该走访了' },
      nothing: '没有要回访的，住户都在走访周期内',
      all: '看全部清单',
      followUps: '回访',
      followUpsHint: '过期的、今天的，和 {n} 天内要回访的',
      noFollowUps: '{n} 天内没有要回访的',
      dueHouseholds: '该走访了',
      dueHint: '超过走访周期没去过的住户，关爱户排在前面',
      noDue: '住户都在走访周期内',
      overdueDays: '过期 {n} 天',
      dueIn: '{n} 天后回访',
      never: '还没走访过',
      lastVisit: '上次 {day}',
      interval: '每 {n} 天走访一次',
    },
  },
  en: {
    worklist: {
      title: 'Worklist',
      home: 'To do',
      count: { overdue: 'Overdue follow-ups', today: 'Follow-ups today', due: 'Due a visit' },
      nothing: 'No follow-ups due, and every household visited on time',
      all: 'See the whole worklist',
      followUps: 'Follow-ups',
      followUpsHint: 'Overdue, today and in the next {n} days',
      noFollowUps: 'No follow-ups in the next {n} days',
      dueHouseholds: 'Due a visit',
      dueHint: 'Households not visited within their interval, care households first',
      noDue: 'Every household has been visited on time',
      overdueDays: '{n} d overdue',
      dueIn: 'Follow up in {n} d',
      never: 'Never visited',
      lastVisit: 'Last {day}',
      interval: 'Every {n} days',
    },
  },
})
