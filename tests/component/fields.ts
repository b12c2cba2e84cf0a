import type { DOMWrapper, VueWrapper } from '@vue/test-utils'
import { expect, vi } from 'vitest'

/** Finders for form controls by the label a leader reads, so tests name fields as the screen does. */

type Root = VueWrapper | DOMWrapper<Element>

/** The Vant field whose label reads `label`: where the form shows that field's problem. */
export function fieldLabelled(root: Root, label: string): DOMWrapper<Element> {
  const field = root.findAll('.van-field').find((f) => {
    const title = f.find('.van-field__label')
    return title.exists() && title.text().trim() === label
  })
  if (!field) throw new Error(`no field labelled ${label}`)
  return field
}

export const errorOf = (root: Root, label: string) => fieldLabelled(root, label).find('.van-field__error-message')

/** The value shown in the text input, textarea or select of a labelled field. */
export function valueOf(root: Root, label: string): string {
  const control = fieldLabelled(root, label).find('input, textarea, select')
  return (control.element as HTMLInputElement).value
}

/** Picks an option of a labelled select once the live query has filled it in. */
export async function choose(root: Root, label: string, value: string) {
  const select = fieldLabelled(root, label).find('select')
  await vi.waitFor(() => expect(select.find(`option[value="${value}"]`).exists()).toBe(true))
  await select.setValue(value)
}

/** The group of choice buttons (ChoiceButtons) whose label reads `label` (any required mark aside). */
export function choiceGroup(root: Root, label: string): DOMWrapper<Element> {
  const group = root.findAll('.choice-buttons').find((g) => g.find('.choice-buttons__label').text().replace(/^\*/, '').trim() === label)
  if (!group) throw new Error(`no choice group labelled ${label}`)
  return group
}

/** The button `option` of a choice group, to press or to check whether it is pressed. */
export function choiceButton(group: DOMWrapper<Element>, option: string): DOMWrapper<Element> {
  const button = group.findAll('button').find((b) => b.text().trim() === option)
  if (!button) throw new Error(`no choice ${option}`)
  return button
}

/** The button whose text reads `text`. */
export function buttonNamed(root: Root, text: string): DOMWrapper<Element> {
  const button = root.findAll('button').find((b) => b.text().trim() === text)
  if (!button) throw new Error(`no button ${text}`)
  return button
}
