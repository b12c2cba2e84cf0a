import { describe, expect, it } from 'vitest'
import AppPage from '@/app/ui/AppPage.vue'
import AppTabBar from '@/app/ui/AppTabBar.vue'
import { mountWithApp } from './setup'

const current = (wrapper: Awaited<ReturnType<typeof mountWithApp>>['wrapper']) =>
  wrapper.findAll('nav a[aria-current="page"]').map((a) => a.text())

describe('the tab bar', () => {
  it('names the five tabs in the leader’s words, each a link to its screen', async () => {
    const { wrapper } = await mountWithApp(AppTabBar)
    const links = wrapper.findAll('nav a')
    expect(links.map((a) => a.text())).toEqual(['首页', '走访', '诉求', '巡查', '我的'])
    expect(links.map((a) => a.attributes('href'))).toEqual(['/', '/visits', '/issues', '/inspections', '/settings'])
  })

  it('keeps the section’s tab lit on its inner screens, and home only on home', async () => {
    expect(current((await mountWithApp(AppTabBar, { route: '/' })).wrapper)).toEqual(['首页'])
    expect(current((await mountWithApp(AppTabBar, { route: '/visits/v-1' })).wrapper)).toEqual(['走访'])
    expect(current((await mountWithApp(AppTabBar, { route: '/inspections/i-1/summary' })).wrapper)).toEqual(['巡查'])
  })

  it('moves to the tapped tab', async () => {
    const { wrapper, router } = await mountWithApp(AppTabBar, { route: '/' })
    await wrapper.find('a[href="/issues"]').trigger('click')
    await expect.poll(() => router.currentRoute.value.path).toBe('/issues')
    await expect.poll(() => current(wrapper)).toEqual(['诉求'])
  })
})

describe('the page frame', () => {
  it('shows the title as the screen’s heading, and no back button on a top screen', async () => {
    const { wrapper } = await mountWithApp(AppPage, { props: { title: '走访记录' } })
    expect(wrapper.find('h1').text()).toBe('走访记录')
    expect(wrapper.find('button').exists()).toBe(false)
  })

  it('goes home from the back button when there is no screen to go back to', async () => {
    const { wrapper, router } = await mountWithApp(AppPage, { props: { title: '走访详情', back: true }, route: '/visits/v-1' })
    const back = wrapper.find('button')
    expect(back.text()).toBe('返回')
    await back.trigger('click')
    await expect.poll(() => router.currentRoute.value.path).toBe('/')
  })
})
