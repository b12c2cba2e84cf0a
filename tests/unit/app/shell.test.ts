import { describe, expect, it } from 'vitest'
import { rememberShell, shellHint } from '@/app/shell'

describe("the static shell's hint", () => {
  it("paints home with its sign-in banner for a phone nobody signed in on, without it for one signed in with no PIN, and nothing on one that opens on a PIN screen", () => {
    expect(shellHint('none')).toBe('signed-out')
    expect(shellHint('plain')).toBe('signed-in')
    // An unlocked phone opens locked next time; one still to choose a PIN opens on the setup.
    expect(shellHint('open')).toBe('off')
    expect(shellHint('locked')).toBe('off')
    expect(shellHint('setup')).toBe('off')
  })

  it("is left under the key index.html's script reads, and a storage that refuses it is no error", () => {
    const stored = new Map<string, string>()
    rememberShell('plain', { setItem: (key, value) => void stored.set(key, value) })
    expect([...stored]).toEqual([['doorstep.shell', 'signed-in']])
    expect(() =>
      rememberShell('none', {
        setItem: () => {
          throw new DOMException('full', 'QuotaExceededError')
        },
      }),
    ).not.toThrow()
  })
})
