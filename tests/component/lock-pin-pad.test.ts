import { describe, expect, it } from 'vitest'
import PinPad from '@/app/features/lock/PinPad.vue'
import { mountWithApp } from './setup'

type Wrapper = Awaited<ReturnType<typeof mountWithApp>>['wrapper']

const typed = (wrapper: Wrapper) => wrapper.find('[role="status"]').text()
const key = (text: string) => document.dispatchEvent(new KeyboardEvent('keydown', { key: text, bubbles: true }))

async function pad(props: { label: string; disabled?: boolean } = { label: '输入锁屏密码' }) {
  return (await mountWithApp(PinPad, { props })).wrapper
}

describe('the PIN pad', () => {
  it('is a group named by its prompt, of real buttons a screen reader can name', async () => {
    const wrapper = await pad()
    const group = wrapper.find('[role="group"]')
    expect(document.getElementById(group.attributes('aria-labelledby')!)?.textContent).toBe('输入锁屏密码')
    const keys = wrapper.findAll('button')
    expect(keys.map((k) => k.attributes('aria-label'))).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '删除一位'])
    expect(keys.every((k) => k.attributes('type') === 'button')).toBe(true)
  })

  it('says how many digits are typed, deletes one, and hands over the six digits and starts empty again', async () => {
    const wrapper = await pad()
    expect(typed(wrapper)).toBe('已输入 0 位，共 6 位')
    for (const digit of ['4', '8', '2']) await wrapper.find(`button[aria-label="${digit}"]`).trigger('click')
    expect(typed(wrapper)).toBe('已输入 3 位，共 6 位')
    expect(wrapper.findAll('.pin-pad__dot--on')).toHaveLength(3)
    await wrapper.find('button[aria-label="删除一位"]').trigger('click')
    expect(typed(wrapper)).toBe('已输入 2 位，共 6 位')
    for (const digit of ['2', '9', '1', '6']) await wrapper.find(`button[aria-label="${digit}"]`).trigger('click')

    expect(wrapper.emitted('complete')).toEqual([['482916']])
    expect(typed(wrapper)).toBe('已输入 0 位，共 6 位')
  })

  it('takes digits and Backspace from a hardware keyboard, but not what is typed into a text field', async () => {
    const wrapper = await pad()
    for (const digit of '1357') key(digit)
    key('Backspace')
    key('a')
    await wrapper.vm.$nextTick()
    expect(typed(wrapper)).toBe('已输入 3 位，共 6 位')

    const field = document.createElement('input')
    document.body.append(field)
    field.dispatchEvent(new KeyboardEvent('keydown', { key: '9', bubbles: true }))
    field.remove()
    for (const digit of '902') key(digit)
    await wrapper.vm.$nextTick()
    expect(wrapper.emitted('complete')).toEqual([['135902']])
  })

  it('takes nothing while shut, and forgets half a PIN when it shuts', async () => {
    const wrapper = await pad()
    key('1')
    key('2')
    await wrapper.setProps({ disabled: true })
    expect(typed(wrapper)).toBe('已输入 0 位，共 6 位')
    key('3')
    await wrapper.find('button[aria-label="4"]').trigger('click')
    expect(typed(wrapper)).toBe('已输入 0 位，共 6 位')
    expect(wrapper.findAll('button').every((k) => k.attributes('disabled') !== undefined)).toBe(true)
  })
})
