import { defineMessages } from '@/app/i18n/define'

/** The words of ./shortfall: a canvass's figures, the same on the phone and in the workspace. */
export default defineMessages({
  'zh-CN': {
    canvassTally: {
      answer: { agree: '同意', object: '反对', abstain: '弃权', undecided: '未表态', unreachable: '联系不上', unasked: '还没问' },
      verdict: { passed: '通过', failed: '未通过', notYet: '还没达到', pending: '待定' },
      missing: {
        consent: '还差 {households} 户同意',
        consentArea: '还差 {households} 户同意、{area} ㎡',
        consentAreaOnly: '同意的面积还差 {area} ㎡',
        participation: '参与表决还差 {households} 户',
        participationArea: '参与表决还差 {households} 户、{area} ㎡',
        participationAreaOnly: '参与表决的面积还差 {area} ㎡',
        noObjection: '已有 {households} 户反对',
        areaUnknown: '缺 {n} 户面积，面积比例暂无法确定',
      },
    },
  },
  en: {
    canvassTally: {
      answer: { agree: 'Agree', object: 'Object', abstain: 'Abstain', undecided: 'Undecided', unreachable: 'Unreachable', unasked: 'Not asked' },
      verdict: { passed: 'Passed', failed: 'Not passed', notYet: 'Not yet', pending: 'Pending' },
      missing: {
        consent: '{households} more household(s) must agree',
        consentArea: '{households} more household(s) and {area} m² must agree',
        consentAreaOnly: '{area} m² more must agree',
        participation: '{households} more household(s) must take part',
        participationArea: '{households} more household(s) and {area} m² must take part',
        participationAreaOnly: '{area} m² more must take part',
        noObjection: '{households} household(s) object',
        areaUnknown: '{n} household(s) lack an area: the area share cannot be told yet',
      },
    },
  },
})
