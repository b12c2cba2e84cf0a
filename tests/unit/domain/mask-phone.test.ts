import { describe, expect, it } from 'vitest'
import { maskPhone } from '@/domain/labels'

describe('a phone number as lists show it', () => {
  it('keeps a mobile number’s first three and last four digits', () => {
    expect(maskPhone('13810308841')).toBe('138****8841')
    expect(maskPhone('+8613810308841')).toBe('+861******8841')
  })

  it('keeps separators where they were', () => {
    expect(maskPhone('138-0013-8000')).toBe('138-****-8000')
    expect(maskPhone('138 1030 8841')).toBe('138 **** 8841')
  })

  it('hides at least four digits of a short number and shows fewer of its last digits', () => {
    expect(maskPhone('0750-5551234')).toBe('075*-***1234')
    expect(maskPhone('55512345')).toBe('****2345')
    expect(maskPhone('5551234')).toBe('****234')
    expect(maskPhone('12345')).toBe('****5')
  })

  it('hides a number of four digits or fewer, and anything that is not a number, whole', () => {
    expect(maskPhone('1234')).toBe('****')
    expect(maskPhone('110')).toBe('****')
    expect(maskPhone('微信 lixy1988')).toBe('****')
  })

  it('shows nothing for no number', () => {
    expect(maskPhone(null)).toBe('')
    expect(maskPhone(undefined)).toBe('')
    expect(maskPhone('')).toBe('')
  })
})
