import type { DoorstepDatabase, Draft } from './database'
import { isQuotaExceeded } from './errors'
import { tableSealer, type Row, type Sealing } from './sealing'

const FALLBACK_PREFIX = 'doorstep.draft.'

/** In slices: spreading a long draft's bytes into one call would pass more arguments than a call takes. */
function base64(bytes: Uint8Array): string {
  let text = ''
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(text)
}

/** A draft as localStorage keeps it: sealed as IndexedDB would hold it (app lock on), the blob in base64. */
function draftToText(sealing: Sealing, draft: Draft): string {
  const stored = tableSealer(sealing, 'drafts').seal(draft as unknown as Row)
  return JSON.stringify(stored, (_key, value: unknown) => (value instanceof Uint8Array ? { bytes: base64(value) } : value))
}

function draftFromText(sealing: Sealing, text: string): Draft {
  const stored = JSON.parse(text, (key, value: unknown) =>
    key === 'sealed' && typeof value === 'object' && value !== null ? Uint8Array.from(atob((value as { bytes: string }).bytes), (c) => c.charCodeAt(0)) : value,
  ) as unknown
  return tableSealer(sealing, 'drafts').open(stored) as Draft
}

/**
 * Drafts of open forms. They live in IndexedDB; when IndexedDB is full, the text goes to localStorage
 * instead (a separate quota), so that what a leader typed survives even a full phone.
 */
export function draftRepository(db: DoorstepDatabase, fallback: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null = globalThis.localStorage ?? null) {
  function readFallback(key: string): Draft | undefined {
    const raw = fallback?.getItem(FALLBACK_PREFIX + key)
    if (!raw) return undefined
    try {
      return draftFromText(db.sealing, raw)
    } catch {
      return undefined
    }
  }

  return {
    /** Saves the draft; answers where it went so the form can warn when only the fallback took it. */
    async save(key: string, data: unknown, now = new Date()): Promise<'indexeddb' | 'fallback'> {
      const draft: Draft = { key, data, updatedAt: now.toISOString() }
      try {
        await db.drafts.put(draft)
        fallback?.removeItem(FALLBACK_PREFIX + key)
        return 'indexeddb'
      } catch (error) {
        if (!isQuotaExceeded(error) || !fallback) throw error
        // Sealed as IndexedDB would hold it: with the app lock on, what was typed is no clearer here.
        fallback.setItem(FALLBACK_PREFIX + key, draftToText(db.sealing, draft))
        return 'fallback'
      }
    },

    /** The newest copy of the draft, wherever it was saved. */
    async load(key: string): Promise<Draft | undefined> {
      const stored = await db.drafts.get(key)
      const spare = readFallback(key)
      if (!stored) return spare
      if (!spare) return stored
      return spare.updatedAt > stored.updatedAt ? spare : stored
    },

    async remove(key: string): Promise<void> {
      await db.drafts.delete(key)
      fallback?.removeItem(FALLBACK_PREFIX + key)
    },
  }
}

/** Removes every draft that fell back to localStorage: sign-out leaves no text of a form behind. */
export function forgetFallbackDrafts(fallback: Pick<Storage, 'length' | 'key' | 'removeItem'> | null): void {
  if (!fallback) return
  const keys = Array.from({ length: fallback.length }, (_, i) => fallback.key(i)).filter((key): key is string => !!key?.startsWith(FALLBACK_PREFIX))
  for (const key of keys) fallback.removeItem(key)
}
