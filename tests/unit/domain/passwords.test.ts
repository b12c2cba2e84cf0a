import { describe, expect, it } from 'vitest'
import { PASSWORD_MIN_LENGTH, passwordProblem } from '@/domain/passwords'
import { oneTimePassword } from '@/server/auth/passwords'

describe('password rules', () => {
  it.each([
    ['short', 'too_short'],
    ['123456789', 'too_short'],
    ['1111111111', 'repeated'],
    ['ababababab', 'repeated'],
    ['abcabcabcabc', 'repeated'],
    ['password123', 'common'],
    ['Woaini1314', 'common'],
    ['doorstep-demo', 'common'],
    ['0123456789', 'common'],
    ['1234567890123', 'sequence'],
    ['9876543210987', 'sequence'],
    ['qwertyuiopasdf', 'sequence'],
    ['abcdefghijklm', 'sequence'],
    ['wang.li', 'too_short'],
    ['wang.liwang.li', 'username'],
    ['wang.li123', 'username'],
  ] as const)('refuses %s (%s)', (password, problem) => {
    expect(passwordProblem(password, 'wang.li')).toBe(problem)
  })

  it.each(['lao-wang-302-home', 'correct horse battery', '楼长老王的新密码是这个', 'zhang-wei-1975', 'wang.li-likes-tea'])('accepts %s', (password) => {
    expect(passwordProblem(password, 'wang.li')).toBeNull()
  })

  it('counts characters, not UTF-16 units, and only the length rule applies without a username', () => {
    expect(passwordProblem('老'.repeat(PASSWORD_MIN_LENGTH - 1) + '王')).toBeNull()
    expect(passwordProblem('😀'.repeat(PASSWORD_MIN_LENGTH - 1))).toBe('too_short')
  })

  it('makes one-time passwords that are readable, long enough and pass the rules', () => {
    const made = Array.from({ length: 200 }, () => oneTimePassword())
    for (const password of made) {
      expect(password).toMatch(/^[a-hjkmnp-z2-9]{4}-[a-hjkmnp-z2-9]{4}-[a-hjkmnp-z2-9]{4}$/)
      expect(passwordProblem(password)).toBeNull()
    }
    expect(new Set(made).size).toBe(made.length)
  })
})
