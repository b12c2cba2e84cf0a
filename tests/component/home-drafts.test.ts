import { beforeEach, describe, expect, it, vi } from 'vitest'
import { db } from '@/app/db/database'
import { seedDemoIfEmpty } from '@/app/db/seed'
import HomeView from '@/app/features/home/HomeView.vue'
import { mountWithApp } from './setup'

beforeEach(async () => {
  await seedDemoIfEmpty(db)
})

describe('unfinished drafts on home', () => {
  it('name the household or the building and spot each draft is about, so that two drafts tell apart', async () => {
    const at = '2026-11-20T02:00:00.000Z'
    await db.drafts.bulkPut([
      { key: 'visit:new', data: { buildingId: 'b-nanmen-115-2', householdId: 'b-nanmen-115-2-301', needs: '' }, updatedAt: at },
      { key: 'issue:new', data: { buildingId: 'b-qiaohu-32', householdId: null, location: '天台排水口', description: '' }, updatedAt: at },
      { key: 'inspection:new', data: { buildingId: '', templateId: '' }, updatedAt: at },
    ])
    const { wrapper } = await mountWithApp(HomeView)
    const drafts = () => wrapper.findAll('.home__draft-kind').map((d) => d.text())

    await vi.waitFor(() => expect(drafts()).toHaveLength(3))
    expect(drafts()).toEqual(expect.arrayContaining(['新的走访 · 南门路115号之二 301', '新的诉求 · 桥湖路32号 天台排水口', '新的巡查']))
  })
})
