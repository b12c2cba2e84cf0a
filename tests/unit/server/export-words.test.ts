import { describe, expect, it } from 'vitest'
import common from '@/app/i18n/common'
import { CARE_TAG_WORDS, CATEGORY_WORDS, OVERALL_WORDS, PURPOSE_WORDS, STATUS_WORDS, TOPIC_WORDS, topicWords, URGENCY_WORDS } from '@/server/exports/words'

describe("the files' words", () => {
  it('are the words the workspace shows in Chinese', () => {
    const zh = common['zh-CN']
    expect(PURPOSE_WORDS).toEqual(zh.purpose)
    expect(TOPIC_WORDS).toEqual(zh.topic)
    expect(CATEGORY_WORDS).toEqual(zh.category)
    expect(URGENCY_WORDS).toEqual(zh.urgency)
    expect(STATUS_WORDS).toEqual(zh.status)
    expect(OVERALL_WORDS).toEqual(zh.overall)
    expect(CARE_TAG_WORDS).toEqual(zh.careTag)
  })

  it('keep a topic the leader typed as it is', () => {
    expect(topicWords('anti_fraud')).toBe('防诈骗宣传')
    expect(topicWords('楼道灯坏了')).toBe('楼道灯坏了')
  })
})
