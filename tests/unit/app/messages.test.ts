import { describe, expect, it } from 'vitest'
import { allMessages } from '@/app/i18n'

/** Every message of a locale as `key: text`, nested keys joined with dots. */
function flatten(messages: object, prefix = ''): Array<[string, string]> {
  return Object.entries(messages).flatMap(([key, value]) =>
    typeof value === 'string' ? [[`${prefix}${key}`, value] as [string, string]] : flatten(value as object, `${prefix}${key}.`),
  )
}

const catalog = await allMessages()
const zh = new Map(flatten(catalog['zh-CN']))
const en = new Map(flatten(catalog.en))

describe('the words of the app', () => {
  it('call the office by one name: 社区, never 网格员, wherever a leader reads about it', () => {
    expect([...zh].filter(([, text]) => text.includes('网格员'))).toEqual([])
  })

  it('name a returned report with the word of the office’s return, in both languages', () => {
    expect(zh.get('status.rejected')).toContain(zh.get('office.move.rejected'))
    expect(en.get('status.rejected')).toContain(en.get('office.move.rejected'))
  })

  it('label the office’s confirm button with the move alone, no colon left before or after it', () => {
    const moves = [...en].filter(([key]) => key.startsWith('office.move.')).map(([, label]) => label)
    const buttons = moves.map((move) => en.get('office.change.submit')!.replace('{move}', move))
    expect(buttons.filter((text) => text.includes(':'))).toEqual([])
    expect(en.get('office.change.confirm')).not.toContain(':')
  })
})
