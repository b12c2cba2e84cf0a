import { describe, expect, it } from 'vitest'
import { ChecklistTemplate } from '@/domain'
import { demoTemplates } from '@/domain/demo'
import { TemplateDraft, draftOf, moveItem, newDraft, newItem, removeItem, toTemplate, unchanged } from '@/app/features/office/templates/editor'

const published = demoTemplates[0]!
const now = new Date('2026-12-03T08:00:00.000Z')

describe('the template editor', () => {
  it('publishes a draft as the version after the newest, dated now, and a new template as version 1', () => {
    const draft = { ...draftOf(published), title: '楼道消防（新版）' }
    const next = toTemplate(draft, { ...published, version: 4 }, now)
    expect(next).toEqual({ ...published, title: '楼道消防（新版）', version: 5, publishedAt: '2026-12-03T08:00:00.000Z' })
    expect(ChecklistTemplate.safeParse(next).success).toBe(true)
    expect(toTemplate(newDraft(), undefined, now).version).toBe(1)
  })

  it('edits a copy: changing the draft never changes the published version', () => {
    const draft = draftOf(published)
    draft.items[0]!.label = '改了'
    expect(published.items[0]!.label).not.toBe('改了')
  })

  it('moves an item up or down by one place, and leaves the ends where they are', () => {
    const [a, b, c] = [newItem(), newItem(), newItem()]
    const items = [a!, b!, c!]
    expect(moveItem(items, 1, -1)).toEqual([b, a, c])
    expect(moveItem(items, 1, 1)).toEqual([a, c, b])
    expect(moveItem(items, 0, -1)).toBe(items)
    expect(moveItem(items, 2, 1)).toBe(items)
    expect(items).toEqual([a, b, c])
  })

  it('removes the item at an index, keeping the others in order', () => {
    const [a, b, c] = [newItem(), newItem(), newItem()]
    expect(removeItem([a!, b!, c!], 1)).toEqual([a, c])
  })

  it('gives new templates and items ids the server accepts, each its own', () => {
    const [one, two] = [newDraft(), newDraft()]
    expect(one.id).not.toBe(two.id)
    expect(one.items[0]!.id).not.toBe(two.items[0]!.id)
    expect(TemplateDraft.safeParse({ ...one, title: '防台风检查', items: [{ ...one.items[0]!, label: '窗户关好' }] }).success).toBe(true)
  })

  it('refuses a draft without a title or items, or with an empty item, where the office can see which', () => {
    const result = TemplateDraft.safeParse({ ...newDraft(), title: ' ' })
    expect(result.success).toBe(false)
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['title', 'items.0.label'])
    expect(TemplateDraft.safeParse({ ...draftOf(published), items: [] }).error?.issues.map((i) => i.path.join('.'))).toEqual(['items'])
  })

  it('calls a draft unchanged only while it says what the newest version says', () => {
    const draft = draftOf(published)
    expect(unchanged(draft, published)).toBe(true)
    expect(unchanged({ ...draft, title: `${published.title} ` }, published)).toBe(true)
    expect(unchanged({ ...draft, items: moveItem(draft.items, 0, 1) }, published)).toBe(false)
    expect(unchanged(draft, undefined)).toBe(false)
  })
})
