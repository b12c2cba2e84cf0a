import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import { h } from 'vue'
import { withMessages } from '@/app/i18n'
import { lazyPartsLoaded } from '@/app/shell'

describe("a screen's lazy part", () => {
  it('of the first screen starts loading in a task after the render that shows it, and the shell still waits until it is in', async () => {
    let loads = 0
    // As an import() gives it: a module, whose default export is the component.
    const module = { __esModule: true, default: { render: () => h('p', 'the part') } }
    const Part = withMessages(async () => {
      loads++
      return module
    }, [], { afterRender: true })
    const wrapper = mount({ render: () => h('main', [h(Part)]) })
    // The render and every microtask after it: the import (its links appended) has not started yet.
    for (let i = 0; i < 10; i++) await Promise.resolve()
    expect(loads).toBe(0)

    await lazyPartsLoaded()
    expect(loads).toBe(1)
    expect(wrapper.find('p').text()).toBe('the part')
  })
})
