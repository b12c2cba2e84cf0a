import type { z } from 'zod'
import type { Locale } from './locales'

export { LOCALES, type Locale } from './locales'

type Messages = {
  required: string
  tooShort: (n: number) => string
  tooLong: (n: number) => string
  tooMany: (n: number) => string
  tooSmall: (n: number) => string
  tooLarge: (n: number) => string
  choose: string
  date: string
  format: string
  invalid: string
  recordTooLarge: string
}

const MESSAGES: Record<Locale, Messages> = {
  'zh-CN': {
    required: '这一项要填',
    tooShort: (n) => `至少写 ${n} 个字`,
    tooLong: (n) => `最多 ${n} 个字`,
    tooMany: (n) => `最多 ${n} 项`,
    tooSmall: (n) => `不能小于 ${n}`,
    tooLarge: (n) => `不能大于 ${n}`,
    choose: '请从列表里选一项',
    date: '日期不对，请重新选',
    format: '格式不对，请检查一下',
    invalid: '填得不对，请检查一下',
    recordTooLarge: '这条记录太长了，请删减一些备注',
  },
  en: {
    required: 'This is required',
    tooShort: (n) => `At least ${n} characters`,
    tooLong: (n) => `At most ${n} characters`,
    tooMany: (n) => `At most ${n} items`,
    tooSmall: (n) => `Must be at least ${n}`,
    tooLarge: (n) => `Must be at most ${n}`,
    choose: 'Choose one from the list',
    date: 'Not a valid date',
    format: 'Wrong format, please check',
    invalid: 'Not valid, please check',
    recordTooLarge: 'This record is too long: shorten some notes',
  },
}

/** One validation problem in the user's language. Schemas carry no text; this is the only place it lives. */
export function describeIssue(issue: z.core.$ZodIssue, locale: Locale): string {
  const m = MESSAGES[locale]
  switch (issue.code) {
    case 'invalid_type':
      return m.required
    case 'too_small': {
      const n = Number(issue.minimum)
      if (issue.origin === 'string') return n <= 1 ? m.required : m.tooShort(n)
      if (issue.origin === 'array' || issue.origin === 'set') return m.required
      return m.tooSmall(n)
    }
    case 'too_big': {
      const n = Number(issue.maximum)
      if (issue.origin === 'string') return m.tooLong(n)
      if (issue.origin === 'array' || issue.origin === 'set') return m.tooMany(n)
      return m.tooLarge(n)
    }
    case 'invalid_value':
    case 'invalid_union':
      return m.choose
    case 'invalid_format':
      return issue.format === 'date' || issue.format === 'datetime' ? m.date : m.format
    case 'custom':
      return issue.params?.key === 'recordBytes' ? m.recordTooLarge : m.invalid
    default:
      return m.invalid
  }
}

/** Validation problems by field path (`topics.2`, `answers.exit.note`), first problem per field. */
export type FieldErrors = Record<string, string>

export function fieldErrors(error: z.ZodError, locale: Locale): FieldErrors {
  const out: FieldErrors = {}
  for (const issue of error.issues) {
    const path = issue.path.map(String).join('.')
    out[path] ??= describeIssue(issue, locale)
  }
  return out
}
