import { beforeEach, describe, expect, it, vi } from 'vitest'
import { repos } from '@/app/db'
import { db } from '@/app/db/database'
import { seedDemoIfEmpty } from '@/app/db/seed'
import VisitDetail from '@/app/features/visits/VisitDetail.vue'
import { author, visitFields } from '../fixtures'
import { mountWithApp } from './setup'

beforeEach(async () => {
  await seedDemoIfEmpty(db)
})

describe('the visit detail', () => {
  it('marks fields left empty as 未填, not as an answer', async () => {
    const visit = await repos.visits.create(visitFields({ topics: [], residentIds: [], othersMet: '', needs: '', outcome: '' }), author)
    const { wrapper } = await mountWithApp(VisitDetail, { props: { id: visit.id }, route: `/visits/${visit.id}` })
    const cell = (title: string) => wrapper.findAll('.van-cell').find((c) => c.find('.van-cell__title').text().startsWith(title))!

    await vi.waitFor(() => expect(wrapper.find('.visit-detail__text').exists()).toBe(true))
    for (const title of ['聊了什么', '见到谁', '发现的需求', '处理结果']) {
      expect(cell(title).text()).toBe(`${title}未填`)
    }
  })
})
