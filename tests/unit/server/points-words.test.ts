import { describe, expect, it } from 'vitest'
import points from '@/app/features/points/messages'
import { EARNED_KINDS } from '@/domain'
import { POINT_KIND_WORDS } from '@/server/points/month'

describe('the recognition list’s words', () => {
  it('are the words the workspace and the phone show in Chinese for each kind of work', () => {
    const zh = points['zh-CN'].points.kinds
    expect(POINT_KIND_WORDS).toEqual(Object.fromEntries(EARNED_KINDS.map((kind) => [kind, zh[kind]])))
  })
})
