import { describe, expect, it } from 'vitest'
import { ChecklistTemplate, IssueFields, failedItemToIssue, overallResult, progress, uuidv7, type InspectionFields } from '@/domain'
import { demoTemplates } from '@/domain/demo'
import { template } from '../../fixtures'

const answer = (result: 'pass' | 'fail' | 'na' | null, note = '', photos: string[] = []) => ({ result, note, photos })
const sha = 'a'.repeat(64)

describe('inspection results', () => {
  it('are incomplete until every item has an answer', () => {
    const answers: InspectionFields['answers'] = { [template.items[0]!.id]: answer('pass') }
    expect(overallResult(answers, template)).toBe('incomplete')
    expect(progress(answers, template)).toEqual({ answered: 1, failed: 0, total: template.items.length })
  })

  it('pass when every item passed or does not apply', () => {
    const answers = Object.fromEntries(template.items.map((item, i) => [item.id, answer(i % 2 ? 'na' : 'pass')]))
    expect(overallResult(answers, template)).toBe('pass')
  })

  it('fail as soon as one item failed, even before the end', () => {
    const answers = { [template.items[2]!.id]: answer('fail') }
    expect(overallResult(answers, template)).toBe('fail')
  })

  it('ignore answers to items the template does not have', () => {
    const answers = { 'no-such-item': answer('fail') }
    expect(overallResult(answers, template)).toBe('incomplete')
  })
})

describe('a failed item turned into an issue report', () => {
  const inspectionId = uuidv7()
  const item = template.items[0]!

  it('is prefilled with the building, item, note and photos, and points back at the inspection', () => {
    const fields = failedItemToIssue(
      { id: inspectionId, buildingId: 'b-1', answers: { [item.id]: answer('fail', '二楼堆了旧沙发', [sha]) } },
      template,
      item.id,
    )
    expect(fields).toMatchObject({
      buildingId: 'b-1',
      category: item.category,
      location: item.label,
      description: `${item.label}：二楼堆了旧沙发`,
      photos: [sha],
      source: { inspectionId, itemId: item.id },
    })
    expect(IssueFields.safeParse(fields).success).toBe(true)
  })

  it('is refused for an item that did not fail', () => {
    const inspection = { id: inspectionId, buildingId: 'b-1', answers: { [item.id]: answer('pass') } }
    expect(failedItemToIssue(inspection, template, item.id)).toBeNull()
    expect(failedItemToIssue(inspection, template, 'missing')).toBeNull()
  })
})

describe('demo templates', () => {
  it('are valid checklist templates with unique item ids', () => {
    for (const t of demoTemplates) {
      expect(ChecklistTemplate.safeParse(t).success).toBe(true)
      expect(new Set(t.items.map((i) => i.id)).size).toBe(t.items.length)
    }
  })
})
