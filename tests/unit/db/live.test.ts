import { effectScope } from 'vue'
import { describe, expect, it, vi } from 'vitest'
import { firstAnswers, useLiveQuery } from '@/app/db/live'

/** A live query whose first answer comes when `answer` is called. */
function pendingQuery() {
  let answer!: () => void
  const gate = new Promise<void>((resolve) => (answer = resolve))
  const scope = effectScope()
  const result = scope.run(() => useLiveQuery(async () => (await gate, 'answered')))!
  return { answer, result, scope }
}

/** Whether `promise` has settled after the queued tasks have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false
  void promise.then(() => (done = true))
  await new Promise((resolve) => setTimeout(resolve, 20))
  return done
}

// The demo's seed check and sync's start wait for them (src/app/main.ts), so as not to compete with the first
// screen's reads.
describe('the first answers of live queries', () => {
  it('are waited for until every live query started has answered once', async () => {
    const first = pendingQuery()
    const second = pendingQuery()
    const waited = firstAnswers()
    first.answer()
    expect(await settled(waited)).toBe(false)
    second.answer()
    await vi.waitFor(() => expect(second.result.value).toBe('answered'))
    expect(await settled(waited)).toBe(true)
    first.scope.stop()
    second.scope.stop()
  })

  it('are waited for no longer than the bound given', async () => {
    const never = pendingQuery()
    const waited = firstAnswers(50)
    expect(await settled(waited)).toBe(false)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(await settled(waited)).toBe(true)
    never.scope.stop()
  })

  it('are not waited for from a screen left before its query answered', async () => {
    const left = pendingQuery()
    const waited = firstAnswers()
    left.scope.stop()
    expect(await settled(waited)).toBe(true)
  })
})
