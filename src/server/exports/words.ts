import type { CareTag, IssueCategory, IssueStatus, OverallResult, Urgency, VisitPurpose } from '@/domain'
import { TOPIC_PRESETS } from '@/domain'

/*
 * The Chinese words the files use for the domain's codes: an office files 政策宣讲 and 已办结, not
 * policy_promotion. They are the words the workspace shows (src/app/i18n/common.ts, zh-CN), which the server
 * may not import; tests/unit/server/export-words.test.ts keeps the two the same.
 */

export const PURPOSE_WORDS: Record<VisitPurpose, string> = {
  policy_promotion: '政策宣讲',
  community_counselling: '社区参议',
  opinion_collection: '收集民意',
  dispute_mediation: '矛盾调解',
  property_assistance: '物业协管',
}

export const TOPIC_WORDS: Record<(typeof TOPIC_PRESETS)[number], string> = {
  pension_review: '粤省事养老金年审',
  anti_fraud: '防诈骗宣传',
  elevator_installation: '加装电梯',
  renovation: '旧街改造',
  fire_safety: '消防安全',
  health_check: '健康体检',
  garbage_sorting: '垃圾分类',
}

export const CATEGORY_WORDS: Record<IssueCategory, string> = {
  repair: '维修',
  safety_hazard: '安全隐患',
  sanitation: '环境卫生',
  dispute: '邻里纠纷',
  property_management: '物业管理',
  elevator: '电梯',
  elderly_care: '养老助老',
  policy_question: '政策咨询',
  other: '其他',
}

export const URGENCY_WORDS: Record<Urgency, string> = { low: '不急', normal: '一般', urgent: '紧急' }

export const STATUS_WORDS: Record<IssueStatus, string> = {
  submitted: '已上报',
  accepted: '已受理',
  in_progress: '办理中',
  resolved: '已解决',
  closed: '已办结',
  rejected: '已退回',
}

export const OVERALL_WORDS: Record<OverallResult, string> = { incomplete: '未查完', pass: '全部合格', fail: '有问题' }

export const CARE_TAG_WORDS: Record<CareTag, string> = {
  elderly_alone: '独居老人',
  elderly: '老人',
  disabled: '残疾',
  low_income: '低保',
  absentee_owner: '业主不在住',
  tenant: '租户',
  minor: '未成年',
}

/** A topic as a leader would say it: a preset's words, or the free text they typed. */
export function topicWords(topic: string): string {
  return (TOPIC_WORDS as Record<string, string>)[topic] ?? topic
}
