import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import InstallCard from '@/app/pwa/InstallCard.vue'
import { captureInstallPrompt, installOffer, justInstalled } from '@/app/pwa/installPrompt'
import StorageCard from '@/app/pwa/StorageCard.vue'
import { mountWithApp } from './setup'

const ANDROID_CHROME = 'Mozilla/5.0 (Linux; Android 13; V2219A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36'
const IPHONE_SAFARI =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'
const IPHONE_WECHAT = `${IPHONE_SAFARI.replace(' Safari/604.1', '')} MicroMessenger/8.0.50(0x1800323c) NetType/WIFI Language/zh_CN`

/** Pretends to be another phone's browser: its user agent, and whether it runs from the home screen. */
function phone(userAgent: string, { standalone = false } = {}) {
  vi.spyOn(navigator, 'userAgent', 'get').mockReturnValue(userAgent)
  Object.defineProperty(navigator, 'standalone', { value: standalone, configurable: true })
}

/** Chromium's install offer, answered with `outcome` when shown. */
function installOffered(outcome: 'accepted' | 'dismissed') {
  const event = Object.assign(new Event('beforeinstallprompt', { cancelable: true }), {
    prompt: vi.fn(async () => {}),
    userChoice: Promise.resolve({ outcome }),
  })
  dispatchEvent(event)
  return event
}

describe('the install card', () => {
  beforeAll(() => captureInstallPrompt())
  beforeEach(() => {
    installOffer.value = null
    justInstalled.value = false
  })
  afterEach(() => {
    vi.restoreAllMocks()
    Reflect.deleteProperty(navigator, 'standalone')
  })

  it('shows nothing where the browser offers no install (yet)', async () => {
    phone(ANDROID_CHROME)
    const { wrapper } = await mountWithApp(InstallCard)
    expect(wrapper.text()).toBe('')
  })

  it('keeps the browser’s install offer and opens it from the install button', async () => {
    phone(ANDROID_CHROME)
    const offer = installOffered('accepted')
    expect(offer.defaultPrevented).toBe(true)
    const { wrapper } = await mountWithApp(InstallCard)

    await wrapper.get('button').trigger('click')
    expect(offer.prompt).toHaveBeenCalledOnce()
    dispatchEvent(new Event('appinstalled'))
    await vi.waitFor(() => expect(wrapper.text()).toContain('装好了，以后请从手机桌面点“楼长助手”打开。'))
    expect(wrapper.find('button').exists()).toBe(false)
  })

  it('walks an iPhone through Safari’s share menu to “添加到主屏幕”', async () => {
    phone(IPHONE_SAFARI)
    const { wrapper } = await mountWithApp(InstallCard)
    const steps = wrapper.findAll('ol li').map((li) => li.text())
    expect(steps).toHaveLength(3)
    expect(steps[0]).toContain('分享按钮')
    expect(steps[1]).toContain('添加到主屏幕')
    expect(steps[2]).toContain('添加')
    expect(wrapper.find('button').exists()).toBe(false)
  })

  it('sends WeChat users to a real browser first', async () => {
    phone(IPHONE_WECHAT)
    const { wrapper } = await mountWithApp(InstallCard)
    expect(wrapper.text()).toContain('在浏览器打开')
    expect(wrapper.find('ol').exists()).toBe(false)
  })

  it('shows nothing in the app opened from the home screen, even with an install offer', async () => {
    phone(IPHONE_SAFARI, { standalone: true })
    installOffered('dismissed')
    const { wrapper } = await mountWithApp(InstallCard)
    expect(wrapper.text()).toBe('')
  })
})

describe('the storage card', () => {
  afterEach(() => {
    Reflect.deleteProperty(navigator, 'storage')
  })

  it('shows what is used and free, and asks the browser once to keep the data', async () => {
    let kept = false
    const persist = vi.fn(async () => (kept = true))
    Object.defineProperty(navigator, 'storage', {
      configurable: true,
      value: { estimate: async () => ({ usage: 5.2 * 1024 ** 2, quota: 1024 ** 3 }), persisted: async () => kept, persist },
    })
    const { wrapper } = await mountWithApp(StorageCard)
    await vi.waitFor(() => expect(wrapper.text()).toContain('已用 5.2 MB，还能用 1019 MB'))
    expect(wrapper.get('[role="status"]').text()).toBe('浏览器空间紧张时可能清理数据，请常同步')

    await wrapper.get('button').trigger('click')
    await vi.waitFor(() => expect(wrapper.get('[role="status"]').text()).toBe('数据已锁定，浏览器不会自动清理'))
    expect(persist).toHaveBeenCalledOnce()
    expect(wrapper.find('button').exists()).toBe(false)
  })

  it('says so on a phone that does not report its storage', async () => {
    const { wrapper } = await mountWithApp(StorageCard)
    expect(wrapper.text()).toContain('这部手机不显示存储用量')
  })
})
