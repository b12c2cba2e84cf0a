import { afterEach, describe, expect, it, vi } from 'vitest'
import AnswerByLink from '@/app/features/canvass-link/AnswerByLink.vue'
import { browserLocale } from '@/app/features/canvass-link/browser-locale'
import { isPublicPage } from '@/app/features/canvass-link/public-path'
import { choiceButton, choiceGroup } from './fields'
import { mountWithApp } from './setup'

/*
 * The page an owner opens from a one-time link, against the real client; `fetch` answers as the server
 * would, and the signature pad (a canvas happy-dom cannot draw on) is a stand-in the test signs on.
 */

const pads = vi.hoisted(() => [] as Array<{ sign(): void }>)
vi.mock('signature_pad', () => ({
  default: class {
    #empty = true
    #listeners: Array<() => void> = []
    constructor() {
      pads.push(this)
    }
    addEventListener(_event: string, listener: () => void) {
      this.#listeners.push(listener)
    }
    sign() {
      this.#empty = false
      this.#listeners.forEach((listener) => listener())
    }
    isEmpty = () => this.#empty
    clear = () => (this.#empty = true)
    off() {}
    toDataURL = () => 'data:image/png;base64,iVBORw0KGgo='
  },
}))

const TOKEN = 'k'.repeat(43)
const json = (status: number, body?: unknown) =>
  body === undefined ? new Response(null, { status }) : new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
const CANVASS = {
  kind: 'vote',
  question: '是否同意加装电梯？',
  note: '',
  community: '南门社区',
  building: '南门路115号之二',
  entrance: '2',
  unit: '301',
  deadline: '2026-12-20',
  target: null,
  expiresAt: '2026-12-13T00:00:00.000Z',
}

function server(answer: () => Response, show: () => Response = () => json(200, CANVASS)) {
  const fetch = vi.fn(async (_url: string | URL | Request, init?: RequestInit) => (init?.method === 'POST' ? answer() : show()))
  vi.stubGlobal('fetch', fetch)
  return fetch
}

afterEach(() => {
  vi.unstubAllGlobals()
  pads.length = 0
})

async function open() {
  const { wrapper } = await mountWithApp(AnswerByLink, { props: { token: TOKEN } })
  await vi.waitFor(() => expect(wrapper.text()).toContain('是否同意加装电梯？'))
  return wrapper
}

describe('the answer page of a one-time link', () => {
  it('shows the question and the flat, and sends the answer, the name and the signature once', async () => {
    const fetch = server(() => json(204))
    const wrapper = await open()
    expect(wrapper.text()).toContain('2单元 301')
    expect(wrapper.text()).toContain('截止日期：2026-12-20')

    await choiceButton(choiceGroup(wrapper, '您的意见'), '同意').trigger('click')
    await wrapper.find('input[autocomplete="name"]').setValue(' 陈国强 ')
    pads[0]!.sign()
    await wrapper.find('form').trigger('submit')

    await vi.waitFor(() => expect(wrapper.text()).toContain('提交成功，谢谢您！'))
    const [url, init] = fetch.mock.calls.at(-1)!
    expect(String(url)).toBe(`/api/v1/public/answer/${TOKEN}`)
    expect(init?.method).toBe('POST')
    expect(JSON.parse(String(init?.body))).toEqual({ answer: 'agree', name: '陈国强', signature: 'data:image/png;base64,iVBORw0KGgo=', pledged: null })
    expect(wrapper.find('form').exists()).toBe(false)
  })

  it('sends nothing until there is an answer, a name and a signature, and says what is missing', async () => {
    const fetch = server(() => json(204))
    const wrapper = await open()
    await wrapper.find('form').trigger('submit')
    expect(wrapper.text()).toContain('请选同意、反对或弃权。')
    expect(wrapper.text()).toContain('请填写姓名。')
    expect(wrapper.text()).toContain('请先签名。')
    expect(fetch.mock.calls.filter(([, init]) => init?.method === 'POST')).toHaveLength(0)
  })

  it('says plainly that a used link was used, on opening and on sending', async () => {
    server(
      () => json(204),
      () => json(410, { error: 'link_used', message: 'This link has been used' }),
    )
    const { wrapper } = await mountWithApp(AnswerByLink, { props: { token: TOKEN } })
    await vi.waitFor(() => expect(wrapper.text()).toContain('这个链接已经用过了，您的意见已经记下'))
    expect(wrapper.find('form').exists()).toBe(false)
  })

  it('tells an answer refused as used, or a link expired meanwhile, instead of the thanks', async () => {
    server(() => json(410, { error: 'link_expired', message: 'expired' }))
    const wrapper = await open()
    await choiceButton(choiceGroup(wrapper, '您的意见'), '反对').trigger('click')
    await wrapper.find('input[autocomplete="name"]').setValue('陈国强')
    pads[0]!.sign()
    await wrapper.find('form').trigger('submit')
    await vi.waitFor(() => expect(wrapper.text()).toContain('这个链接已经过期了'))
    expect(wrapper.text()).not.toContain('提交成功')
  })
})

describe('the public pages start apart from the leader’s app', () => {
  it('knows them by their path', () => {
    expect(isPublicPage(`/answer/${TOKEN}`)).toBe(true)
    expect(isPublicPage('/visits')).toBe(false)
  })

  it('speaks English only when the browser asks for it before Chinese', () => {
    expect(browserLocale(['en-GB', 'zh-CN'])).toBe('en')
    expect(browserLocale(['zh-TW', 'en'])).toBe('zh-CN')
    expect(browserLocale(['fr-FR'])).toBe('zh-CN')
    expect(browserLocale([])).toBe('zh-CN')
  })
})
