import type { DOMWrapper, VueWrapper } from '@vue/test-utils'
import { storedRows } from '../fixtures'
import { vi } from 'vitest'
import { db } from '@/app/db/database'
import { fromBase64Url } from '@/app/lock/keyring'
import { setPin } from '@/app/lock/lock'
import { createTransportDouble, DOUBLE_RECOVERY_KEY, DOUBLE_USER } from '@/app/sync/transport-double'
import { TransportError } from '@/app/sync/errors'

/** A phone for the app lock's screens: signed in, with one resident whose name must never be stored in the clear. */

export const PIN = '482916'
export const CANARY = { name: '谭锦成', phone: '13810308841' }

export async function signedInPhone(): Promise<void> {
  await db.meta.bulkPut([
    { key: 'token', value: 'token-1' },
    { key: 'serverUrl', value: 'http://server.test' },
    { key: 'syncDeviceId', value: 'd-1' },
    { key: 'user', value: JSON.stringify(DOUBLE_USER) },
    { key: 'userId', value: DOUBLE_USER.id },
  ])
  await db.households.put({ id: 'hh-1', buildingId: 'b-1', entrance: '', unit: '302', floor: 3, area: 72.5, occupancy: 'owner' })
  await db.residents.put({ id: 'r-1', householdId: 'hh-1', name: CANARY.name, phone: CANARY.phone, birthYear: 1941, careTags: ['disabled'], movedOutAt: null })
}

/**
 * A phone whose PIN was chosen after a sign-in (with the server's recovery key, unless `recoverable` is false),
 * as the app finds it on its next start: locked.
 */
export async function lockedPhone({ recoverable = true } = {}): Promise<void> {
  await signedInPhone()
  await setPin(db, PIN, recoverable ? fromBase64Url(DOUBLE_RECOVERY_KEY) : null)
  db.sealing.lock()
}

/** Wrong PINs already counted, the last typed `secondsAgo` (they survive a reload). */
export async function failedBefore(count: number, secondsAgo = 0): Promise<void> {
  await db.meta.put({ key: 'pinFailures', value: JSON.stringify({ count, at: new Date(Date.now() - secondsAgo * 1000).toISOString() }) })
}

/** The rows as IndexedDB holds them, read past the app's middleware. */
export const rawRows = (table: string) => storedRows(db.name, table)

/** Presses the pad's keys one by one, as a thumb does. */
export async function typePin(root: VueWrapper | DOMWrapper<Element>, pin: string): Promise<void> {
  for (const digit of pin) await root.find(`.pin-pad button[aria-label="${digit}"]`).trigger('click')
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })

/**
 * `fetch` answering the recovery-key request as the transport double's server does (its password, its key,
 * its refusal), through the app's real fetch transport; every other request fails as if offline.
 */
export function recoveryServer() {
  const double = createTransportDouble()
  const fetch = vi.fn(async (url: string | URL | Request, init?: RequestInit) => {
    if (!String(url).endsWith('/api/v1/auth/recovery-key')) throw new TypeError('Failed to fetch')
    try {
      return json(200, { recoveryKey: await double.transport.recoveryKey((JSON.parse(String(init?.body)) as { password: string }).password) })
    } catch (error) {
      if (!(error instanceof TransportError)) throw error
      return json(error.details.status ?? 500, { error: error.details.apiError ?? 'internal', message: error.message })
    }
  })
  vi.stubGlobal('fetch', fetch)
  return fetch
}
