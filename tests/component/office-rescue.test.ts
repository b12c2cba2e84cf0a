import { afterEach, describe, expect, it, vi } from 'vitest'
import type { RescueResult } from '@/domain'
import { createOfficeApi, setOfficeApi } from '@/app/features/office/api'
import OfficeRescueImport from '@/app/features/office/devices/OfficeRescueImport.vue'
import { mountWithApp } from './setup'

/* 导入救援文件 on 设备: the file and the password go to the server as they are; the answer's counts are shown. */

type Wrapper = Awaited<ReturnType<typeof mountWithApp>>['wrapper']
const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

function serverDouble(answer: () => Response) {
  const sent: Array<{ path: string; headers: Headers; body: ArrayBuffer }> = []
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    sent.push({ path: new URL(String(input)).pathname, headers: new Headers(init?.headers), body: init?.body as ArrayBuffer })
    return answer()
  })
  setOfficeApi(createOfficeApi({ session: async () => ({ serverUrl: 'https://doorstep.example', token: 'office-token' }), fetch }))
  return sent
}
afterEach(() => setOfficeApi(undefined))

async function importWith(wrapper: Wrapper, bytes: Uint8Array<ArrayBuffer>, password: string) {
  await wrapper.find('.office-rescue__open').trigger('click')
  const input = wrapper.find('[data-testid="rescue-file"]')
  Object.defineProperty(input.element, 'files', { value: [new File([bytes], '楼长助手-没同步的记录-2026-12-05.zip', { type: 'application/zip' })], configurable: true })
  await input.trigger('change')
  await vi.waitFor(() => expect(wrapper.find('.office-rescue__name').text()).toBe('楼长助手-没同步的记录-2026-12-05.zip'))
  await wrapper.find('.office-rescue input[name="rescue-password"]').setValue(password)
  await wrapper.find('.office-rescue__import').trigger('click')
}

describe('导入救援文件', () => {
  it('sends the file and its password, and says what was applied, already there and refused', async () => {
    const answer: RescueResult = {
      applied: 5,
      duplicate: 2,
      conflict: 1,
      rejected: [{ mutationId: 'm-1', code: 'forbidden', message: 'Not a building of this leader' }],
      photos: 3,
      badPhotos: 0,
      refusedEarlier: 0,
    }
    const sent = serverDouble(() => json(answer))
    const { wrapper } = await mountWithApp(OfficeRescueImport, { props: { communityId: 'c-nanmen' }, route: '/office/devices' })

    await importWith(wrapper, new Uint8Array([0x50, 0x4b, 3, 4, 9]), '楼长 密码%1')

    await vi.waitFor(() => expect(wrapper.find('.office-rescue__result').exists()).toBe(true))
    expect(sent).toHaveLength(1)
    expect(sent[0]!.path).toBe('/api/v1/communities/c-nanmen/rescue')
    expect(sent[0]!.headers.get('content-type')).toBe('application/zip')
    expect(decodeURIComponent(sent[0]!.headers.get('x-rescue-password')!)).toBe('楼长 密码%1')
    expect([...new Uint8Array(sent[0]!.body)]).toEqual([0x50, 0x4b, 3, 4, 9])
    const text = wrapper.find('.office-rescue__result').text()
    expect(text).toContain('导入好了：新交上来 5 条，之前已经收到过 2 条。')
    expect(text).toContain('收到照片 3 张')
    expect(text).toContain('1 条没有导入')
    expect(text).toContain('Not a building of this leader')
    expect(wrapper.emitted('imported')).toHaveLength(1)
  })

  it('says so when the password is wrong', async () => {
    serverDouble(() => json({ error: 'bad_password', message: 'The password does not open this rescue file.' }, 400))
    const { wrapper } = await mountWithApp(OfficeRescueImport, { props: { communityId: 'c-nanmen' }, route: '/office/devices' })

    await importWith(wrapper, new Uint8Array([1, 2, 3]), 'wrong-one')

    await vi.waitFor(() => expect(wrapper.find('.office-rescue [role="alert"]').text()).toContain('密码不对，打不开这个文件'))
    expect(wrapper.find('.office-rescue__result').exists()).toBe(false)
    expect(wrapper.emitted('imported')).toBeUndefined()
  })
})
