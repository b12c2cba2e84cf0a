import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import ReportBars from '@/app/features/office/report/ReportBars.vue'

/** The report's bar chart: labels cut to their column by how wide they are, not by how many characters. */
describe('the bar chart of the report', () => {
  const labels = (bars: Array<{ key: string; label: string; value: number }>) =>
    mount(ReportBars, { props: { title: 'T', bars, empty: '' } })
      .findAll('.report-bars__label')
      .map((label) => label.text())

  it('keeps a label that fits whole, and cuts a longer one with an ellipsis, its whole text in the tooltip', () => {
    const bars = [
      { key: 'a', label: '政策宣讲', value: 3 },
      { key: 'b', label: 'Dispute mediation', value: 2 },
      { key: 'c', label: '南门路115号之二供销社宿舍', value: 1 },
      { key: 'd', label: 'Property management assistance', value: 1 },
    ]
    const shown = labels(bars)
    expect(shown.slice(0, 2)).toEqual(['政策宣讲', 'Dispute mediation'])
    // Ten Chinese characters fill the column; an English label keeps about twice as many letters.
    expect(shown[2]).toBe('南门路115号之二供销…')
    expect(shown[3]).toMatch(/^Property manag\w*…$/)
    const tips = mount(ReportBars, { props: { title: 'T', bars, empty: '' } }).findAll('title').map((t) => t.text())
    expect(tips[3]).toBe('Property management assistance 1')
  })
})
