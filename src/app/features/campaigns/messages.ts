import { defineMessages } from '@/app/i18n/define'

export default defineMessages({
  'zh-CN': {
    campaigns: {
      banner: '社区检查任务',
      deadline: '截止 {time}',
      overdue: '已过截止时间 {time}',
      left: '还有 {n} 栋没查完',
      allDone: '您的楼栋都查完了',
      reminder: '社区提醒（{time}）：{text}',
      task: '检查任务',
      myBuildings: '我的楼栋',
      state: { not_started: '未开始', in_progress: '检查中', done: '已完成' },
      start: '开始检查',
      continue: '继续检查',
      view: '查看',
      gone: '这次检查已经结束，或者不是您楼栋的任务。',
      noTemplate: '这份巡查表还没同步到手机，联网同步后再试。',
      reminders: '社区提醒',
    },
  },
  en: {
    campaigns: {
      banner: 'Inspection tasks from the office',
      deadline: 'Due {time}',
      overdue: 'Past due since {time}',
      left: '{n} building(s) still to inspect',
      allDone: 'All your buildings are done',
      reminder: 'Reminder ({time}): {text}',
      task: 'Inspection task',
      myBuildings: 'My buildings',
      state: { not_started: 'Not started', in_progress: 'In progress', done: 'Done' },
      start: 'Start inspection',
      continue: 'Continue',
      view: 'View',
      gone: 'This inspection task has ended, or is not for your buildings.',
      noTemplate: 'This checklist is not on the phone yet. Sync while online, then try again.',
      reminders: 'Reminders from the office',
    },
  },
})
