import { describe, expect, it } from 'vitest'
import {
  ChecklistTemplate,
  Inspection,
  IssueFields,
  RECORD_MAX_BYTES,
  answersRefusal,
  failedItemToIssue,
  fieldErrors,
  overallResult,
  progress,
  recordBytes,
  uuidv7,
  type InspectionFields,
} from '@/domain'
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
  const describeFinding = ({ rule, note }: { rule: string; note: string }) => `巡查发现不符合要求：${rule}。${note}`

  it('is prefilled with the building, finding, note and photos, leaves the location to the leader, and points back at the inspection', () => {
    const fields = failedItemToIssue(
      { id: inspectionId, buildingId: 'b-1', answers: { [item.id]: answer('fail', ' 二楼堆了旧沙发 ', [sha]) } },
      template,
      item.id,
      describeFinding,
    )
    expect(fields).toMatchObject({
      buildingId: 'b-1',
      category: item.category,
      location: '',
      description: `巡查发现不符合要求：${item.label}。二楼堆了旧沙发`,
      photos: [sha],
      source: { inspectionId, itemId: item.id },
    })
    // The location is the one field the leader must still fill in before the report is valid.
    expect(IssueFields.safeParse({ ...fields, location: '二楼楼梯口' }).success).toBe(true)
  })

  it('is an urgent safety hazard when the template names no category for the item', () => {
    const published = ChecklistTemplate.parse({ ...template, items: [{ id: 'gas', label: '燃气管道没有私拉乱接' }] })
    const fields = failedItemToIssue({ id: inspectionId, buildingId: 'b-1', answers: { gas: answer('fail') } }, published, 'gas', describeFinding)
    expect(fields).toMatchObject({ category: 'safety_hazard', urgency: 'urgent' })
  })

  it('is refused for an item that did not fail', () => {
    const inspection = { id: inspectionId, buildingId: 'b-1', answers: { [item.id]: answer('pass') } }
    expect(failedItemToIssue(inspection, template, item.id, describeFinding)).toBeNull()
    expect(failedItemToIssue(inspection, template, 'missing', describeFinding)).toBeNull()
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

describe('an inspection record', () => {
  const stuffed = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`item-${i}`, answer('pass', '楼'.repeat(500))]))
  const record = { id: uuidv7(), createdAt: '2026-11-20T02:00:00.000Z', updatedAt: '2026-11-20T02:00:00.000Z', createdBy: 'u-1', deviceId: 'd-1', rev: null, deletedAt: null, conflicts: [] }

  it('larger than the record cap fails its schema, with a message a leader can act on', () => {
    const fields: InspectionFields = { templateId: template.id, templateVersion: template.version, buildingId: 'b-1', startedAt: record.createdAt, completedAt: null, campaignId: null, answers: stuffed }
    expect(recordBytes({ ...record, ...fields })).toBeGreaterThan(RECORD_MAX_BYTES)
    const result = Inspection.safeParse({ ...record, ...fields })
    expect(result.success).toBe(false)
    expect(fieldErrors(result.error!, 'zh-CN')).toEqual({ '': '这条记录太长了，请删减一些备注' })
    expect(fieldErrors(result.error!, 'en')).toEqual({ '': 'This record is too long: shorten some notes' })
  })

  it('is measured as its author wrote it: the conflicts the server keeps never push it over the cap', () => {
    const half = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`item-${i}`, answer('pass', '楼'.repeat(250))]))
    const fields: InspectionFields = { templateId: template.id, templateVersion: template.version, buildingId: 'b-1', startedAt: record.createdAt, completedAt: null, campaignId: null, answers: half }
    const lost = { field: 'answers', value: half, mutationId: uuidv7(), by: 'u-2', at: record.createdAt }
    const withConflict = { ...record, ...fields, conflicts: [lost] }
    expect(recordBytes(withConflict)).toBeGreaterThan(RECORD_MAX_BYTES)
    expect(Inspection.safeParse(withConflict).success).toBe(true)
  })

  it('answers only items of its template version', () => {
    const fits = { templateId: template.id, templateVersion: template.version, answers: { [template.items[0]!.id]: answer('pass') } }
    expect(answersRefusal(fits, template)).toBeNull()
    expect(answersRefusal({ ...fits, answers: { 'not-an-item': answer('pass') } }, template)).toMatch(/not-an-item/)
    expect(answersRefusal({ ...fits, templateVersion: template.version + 1 }, template)).not.toBeNull()
    expect(answersRefusal(fits, undefined)).not.toBeNull()
  })
})
