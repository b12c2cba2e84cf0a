import type { z } from 'zod'

/** A record failed its schema: nothing was written. The form shows `error.issues` beside the fields. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError'
  constructor(readonly zodError: z.ZodError) {
    super('record failed validation')
  }
}

/** The office has taken the report on since the form opened: the server would refuse the edit, so nothing was written. */
export class ReportLockedError extends Error {
  override readonly name = 'ReportLockedError'
}

/** The phone's storage is full: nothing was written. */
export class StorageFullError extends Error {
  override readonly name = 'StorageFullError'
}

/** Dexie wraps the browser's QuotaExceededError; some browsers nest it one level deeper. */
export function isQuotaExceeded(error: unknown): boolean {
  const e = error as { name?: string; inner?: { name?: string } } | null
  return e?.name === 'QuotaExceededError' || e?.inner?.name === 'QuotaExceededError'
}

/** Runs a write, turning a full disk into a StorageFullError the UI can explain. */
export async function guardQuota<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write()
  } catch (error) {
    if (isQuotaExceeded(error)) throw new StorageFullError('storage full', { cause: error })
    throw error
  }
}
