import { liveQuery } from 'dexie'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createRepositories } from '@/app/db'
import { DoorstepDatabase } from '@/app/db/database'
import { searchHouseholds } from '@/app/db/household-search'
import { createQueries } from '@/app/db/queries'
import { LockedError } from '@/app/db/sealing'
import { aesGcmCipher } from '@/app/lock/cipher'
import { WrongPinError } from '@/app/lock/keyring'
import {
  addRecovery,
  changePin,
  enrollDevice,
  forgetDevice,
  MAX_PIN_FAILURES,
  nextTryAt,
  PinWaitError,
  recover,
  setPin,
  skipPin,
  unlock,
  unlockWithDevice,
  type PlatformAuthenticator,
} from '@/app/lock/lock'
import { loadLockState, readKeyring } from '@/app/lock/state'
import { author, issueFields, storedRows, visitFields } from '../../fixtures'
import { mediationFields, mediationSession } from '../../fixtures/mediation'
import { device } from '../sync/harness'

const PIN = '482916'
const CANARY = { name: '谭锦成', phone: '13810308841', needs: '楼道灯坏了三个月' }
let db: DoorstepDatabase
let recoveryKey: Uint8Array<ArrayBuffer>

/** The rows as IndexedDB holds them, read past the app's middleware. */
const rawRows = (table: string) => storedRows(db.name, table)

async function signedInPhone(): Promise<void> {
  await db.meta.bulkPut([
    { key: 'token', value: 'token-1' },
    { key: 'serverUrl', value: 'http://server.test' },
  ])
  await db.households.put({ id: 'hh-1', buildingId: 'b-1', entrance: '', unit: '302', floor: 3, area: 72.5, occupancy: 'owner' })
  await db.residents.put({ id: 'r-1', householdId: 'hh-1', name: CANARY.name, phone: CANARY.phone, birthYear: 1941, careTags: ['disabled', 'low_income'], movedOutAt: null })
}

beforeEach(async () => {
  db = new DoorstepDatabase(`lock-${crypto.randomUUID()}`)
  recoveryKey = crypto.getRandomValues(new Uint8Array(32))
  await signedInPhone()
})
afterEach(() => db.delete())

describe('choosing a PIN', () => {
  it('asks a signed-in phone for one, and seals every resident already on it in the same step', async () => {
    expect(await loadLockState(db)).toBe('setup')
    expect(JSON.stringify(await rawRows('residents'))).toContain(CANARY.name)
    await setPin(db, PIN, recoveryKey)
    expect(await loadLockState(db)).toBe('open')
    const [row] = (await rawRows('residents')) as Record<string, unknown>[]
    expect(row).toMatchObject({ id: 'r-1', householdId: 'hh-1' })
    expect(row).not.toHaveProperty('name')
    expect(row!.sealed).toBeInstanceOf(Uint8Array)
    expect(Buffer.from(row!.sealed as Uint8Array).includes(Buffer.from(CANARY.name))).toBe(false)
    // The app reads it as before.
    expect(await db.residents.get('r-1')).toMatchObject({ name: CANARY.name, phone: CANARY.phone, careTags: ['disabled', 'low_income'] })
  })

  it('leaves a phone nobody signed in on, and one whose office lets the leader skip, as it is', async () => {
    await db.meta.delete('token')
    expect(await loadLockState(db)).toBe('none')
    await db.meta.put({ key: 'token', value: 'token-1' })
    await expect(skipPin(db)).rejects.toThrow('requires a PIN')
    await db.meta.put({ key: 'appLock', value: 'optional' })
    await skipPin(db)
    expect(await loadLockState(db)).toBe('plain')
    expect(JSON.stringify(await rawRows('residents'))).toContain(CANARY.name)
  })
})

describe('an unlocked phone', () => {
  beforeEach(() => setPin(db, PIN, recoveryKey))

  it('seals what the repositories write, outbox and drafts included, and reads it back whole', async () => {
    const repos = createRepositories(db)
    const visit = await repos.visits.create(visitFields({ needs: CANARY.needs }), author)
    const issue = await repos.issues.create(issueFields({ description: CANARY.needs }), author)
    await repos.issues.comment(issue.id, `回访 ${CANARY.phone}`, author)
    await repos.drafts.save('visit:new', { needs: CANARY.needs })
    for (const table of ['visits', 'issues', 'outbox', 'drafts']) {
      const raw = await rawRows(table)
      expect(raw.length, table).toBeGreaterThan(0)
      for (const row of raw) {
        const bytes = Buffer.from(JSON.stringify(row) + Buffer.from((row as { sealed: Uint8Array }).sealed).toString('latin1'))
        expect(bytes.includes(Buffer.from(CANARY.needs)), table).toBe(false)
        expect(bytes.includes(Buffer.from(CANARY.phone)), table).toBe(false)
      }
    }
    expect(await repos.visits.get(visit.id)).toEqual(visit)
    expect((await db.outbox.toArray()).map((e) => e.record.id)).toEqual([visit.id, issue.id, issue.id])
    expect((await repos.drafts.load('visit:new'))?.data).toEqual({ needs: CANARY.needs })
  })

  it('seals a mediation case’s parties, story and sessions, and keeps its building clear for the list', async () => {
    const repos = createRepositories(db)
    const parties = [{ householdId: 'hh-1', name: CANARY.name }, { householdId: null, name: '王阿姨' }]
    const kept = await repos.mediations.create(mediationFields({ buildingId: 'b-1', parties, description: CANARY.needs, sessions: [mediationSession({ notes: `约 ${CANARY.phone} 再谈` })] }), author)
    const [raw] = (await rawRows('mediations')) as Array<Record<string, unknown>>
    const bytes = Buffer.from(JSON.stringify(raw) + Buffer.from(raw!.sealed as Uint8Array).toString('latin1'))
    for (const canary of [CANARY.name, CANARY.needs, CANARY.phone]) expect(bytes.includes(Buffer.from(canary)), canary).toBe(false)
    expect(raw).toMatchObject({ id: kept.id, buildingId: 'b-1' })
    expect(await repos.mediations.get(kept.id)).toEqual(kept)
  })

  it('keeps the lists’ indexes and filters working: dates, buildings, search by name and by text', async () => {
    const repos = createRepositories(db)
    const queries = createQueries(db)
    await repos.visits.create(visitFields({ visitedAt: '2026-11-01T02:00:00.000Z', followUpOn: '2026-11-10' }), author)
    await repos.visits.create(visitFields({ visitedAt: '2026-11-02T02:00:00.000Z', needs: CANARY.needs }), author)
    const issue = await repos.issues.create(issueFields({ description: CANARY.needs }), author)
    expect((await queries.issues({ text: '楼道灯' })).map((r) => r.id)).toEqual([issue.id])
    expect((await db.visits.orderBy('visitedAt').toArray()).map((v) => v.visitedAt)).toEqual(['2026-11-01T02:00:00.000Z', '2026-11-02T02:00:00.000Z'])
    expect(await db.visits.filter((v) => v.followUpOn === '2026-11-10').count()).toBe(1)
    expect(await db.visits.filter((v) => v.needs.includes('楼道灯')).count()).toBe(1)
    expect((await searchHouseholds(db, '谭锦')).map((hit) => hit.household.id)).toEqual(['hh-1'])
    expect((await searchHouseholds(db, '13810308841')).map((hit) => hit.household.id)).toEqual(['hh-1'])
  })

  it('edits a row in place as Dexie’s modify does', async () => {
    await db.residents.where('id').equals('r-1').modify((r) => void (r.phone = '13900000000'))
    await db.residents.update('r-1', { careTags: [] })
    expect(await db.residents.get('r-1')).toMatchObject({ name: CANARY.name, phone: '13900000000', careTags: [] })
  })

  it('opens no row a live query does not use: the worklist reads thousands of visits for their dates', async () => {
    const inner = aesGcmCipher(crypto.getRandomValues(new Uint8Array(32)))
    let opened = 0
    db.sealing.open({ seal: inner.seal, open: (sealed, context) => (opened++, inner.open(sealed, context)) })
    const repos = createRepositories(db)
    for (let i = 0; i < 20; i++) await repos.visits.create(visitFields(), author)
    opened = 0
    const dates = await new Promise<string[]>((resolve, reject) => {
      const subscription = liveQuery(() => db.visits.orderBy('visitedAt').toArray()).subscribe({
        next: (rows) => {
          subscription.unsubscribe()
          resolve(rows.map((r) => r.visitedAt))
        },
        error: reject,
      })
    })
    expect(dates).toHaveLength(20)
    expect(opened).toBe(0)
  })

  it('hands live queries opened rows', async () => {
    const names = await new Promise<string[]>((resolve, reject) => {
      const subscription = liveQuery(() => db.residents.toArray()).subscribe({
        next: (rows) => {
          subscription.unsubscribe()
          resolve(rows.map((r) => r.name))
        },
        error: reject,
      })
    })
    expect(names).toEqual([CANARY.name])
  })
})

describe('a locked phone', () => {
  beforeEach(() => setPin(db, PIN, recoveryKey))

  it('reads no sealed data — not even from a row read while it was open — and writes none', async () => {
    const opened = await db.residents.get('r-1')
    db.sealing.lock()
    expect(await loadLockState(db)).toBe('locked')
    await expect(db.residents.get('r-1')).rejects.toBeInstanceOf(LockedError)
    await expect(db.residents.toArray()).rejects.toBeInstanceOf(LockedError)
    expect(() => opened!.name).toThrow(LockedError)
    await expect(createRepositories(db).visits.create(visitFields(), author)).rejects.toBeInstanceOf(LockedError)
    await expect(db.drafts.put({ key: 'k', data: { needs: 'x' }, updatedAt: '2026-12-01T00:00:00.000Z' })).rejects.toBeInstanceOf(LockedError)
    // What needs no sealed field still works: counts, keys, the rows of households.
    expect(await db.residents.count()).toBe(1)
    expect(await db.households.get('hh-1')).toMatchObject({ unit: '302' })
  })

  it('opens with the PIN, and counts wrong ones: free at first, then waits that double, then forgets what the server has', async () => {
    db.sealing.lock()
    const t0 = new Date('2026-12-06T08:00:00.000Z')
    for (let i = 1; i <= 4; i++) await expect(unlock(db, '000000', t0)).rejects.toBeInstanceOf(WrongPinError)
    await expect(unlock(db, '000000', t0)).rejects.toBeInstanceOf(WrongPinError)
    // The fifth makes the sixth wait 30 s, even with the right PIN.
    await expect(unlock(db, PIN, new Date(t0.getTime() + 29_000))).rejects.toBeInstanceOf(PinWaitError)
    expect(nextTryAt({ count: 6, at: t0.toISOString() })!.getTime() - t0.getTime()).toBe(60_000)
    await unlock(db, PIN, new Date(t0.getTime() + 30_000))
    expect(db.sealing.state).toBe('open')
    expect(await db.meta.get('pinFailures')).toBeUndefined()
  })

  it('after ten wrong PINs keeps only the work the server does not have, sealed, and the password brings it back', async () => {
    const repos = createRepositories(db)
    const unsent = await repos.visits.create(visitFields({ needs: CANARY.needs }), author)
    await db.visits.put({ ...unsent, id: 'synced-visit', rev: 3 })
    db.sealing.lock()
    let at = Date.parse('2026-12-06T08:00:00.000Z')
    for (let i = 1; i <= MAX_PIN_FAILURES; i++) {
      await expect(unlock(db, '000000', new Date(at))).rejects.toBeInstanceOf(WrongPinError)
      at += 3_600_000
    }
    expect(await db.residents.count()).toBe(0)
    expect(await db.households.count()).toBe(0)
    expect(await db.visits.toCollection().primaryKeys()).toEqual([unsent.id])
    expect(await db.outbox.count()).toBe(1)
    // The right PIN no longer opens it: only the account's password, through the server's recovery key.
    await expect(unlock(db, PIN, new Date(at))).rejects.toBeInstanceOf(WrongPinError)
    await expect(recover(db, crypto.getRandomValues(new Uint8Array(32)), '135790')).rejects.toBeInstanceOf(WrongPinError)
    await recover(db, recoveryKey, '135790')
    expect((await db.visits.get(unsent.id))?.needs).toBe(CANARY.needs)
    db.sealing.lock()
    await unlock(db, '135790')
    expect((await db.outbox.toArray())[0]?.record.id).toBe(unsent.id)
  })

  it('changes the PIN without sealing anything again', async () => {
    await createRepositories(db).visits.create(visitFields({ needs: CANARY.needs }), author)
    const before = await Promise.all(['residents', 'visits', 'outbox'].map(rawRows))
    await expect(changePin(db, '000000', '135790')).rejects.toBeInstanceOf(WrongPinError)
    await changePin(db, PIN, '135790')
    expect(await Promise.all(['residents', 'visits', 'outbox'].map(rawRows))).toEqual(before)
    db.sealing.lock()
    await expect(unlock(db, PIN)).rejects.toBeInstanceOf(WrongPinError)
    await unlock(db, '135790')
    expect((await db.residents.get('r-1'))?.name).toBe(CANARY.name)
  })
})

/**
 * A fingerprint reader as WebAuthn's PRF gives it: the same 32 bytes for the same credential and salt, and
 * nothing (a throw, as a cancel or an unknown finger) once `recognises` is false.
 */
function fingerprintReader() {
  const secret = crypto.getRandomValues(new Uint8Array(32))
  const credentials: Uint8Array[] = []
  const state = { recognises: true }
  async function evaluate(credentialId: Uint8Array<ArrayBuffer>, salt: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
    if (!state.recognises || !credentials.some((c) => Buffer.from(c).equals(credentialId))) throw new DOMException('not allowed', 'NotAllowedError')
    const key = await crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
    return new Uint8Array(await crypto.subtle.sign('HMAC', key, Buffer.concat([credentialId, salt])))
  }
  const reader: PlatformAuthenticator = {
    async create(salt) {
      const credentialId = crypto.getRandomValues(new Uint8Array(16))
      credentials.push(credentialId)
      return { credentialId, prf: await evaluate(credentialId, salt) }
    },
    evaluate,
  }
  return Object.assign(state, reader)
}

describe('fingerprint or face unlock', () => {
  beforeEach(() => setPin(db, PIN, recoveryKey))

  it('turns on with the current PIN, opens the locked phone with the finger, and a failed finger leaves the PIN as it was', async () => {
    const reader = fingerprintReader()
    await expect(enrollDevice(db, '000000', reader)).rejects.toBeInstanceOf(WrongPinError)
    expect((await readKeyring(db))?.device).toBeNull()
    await enrollDevice(db, PIN, reader)
    expect(await db.meta.get('pinFailures')).toBeUndefined()
    db.sealing.lock()

    reader.recognises = false
    await expect(unlockWithDevice(db, reader)).rejects.toThrow('not allowed')
    expect(db.sealing.state).toBe('locked')
    expect(await db.meta.get('pinFailures')).toBeUndefined()

    reader.recognises = true
    await unlockWithDevice(db, reader)
    expect((await db.residents.get('r-1'))?.name).toBe(CANARY.name)
    db.sealing.lock()
    await unlock(db, PIN)
    expect(db.sealing.state).toBe('open')
  })

  it('a finger opens during a wrong-PIN wait and clears the count; a changed PIN keeps the finger working', async () => {
    const reader = fingerprintReader()
    await enrollDevice(db, PIN, reader)
    await changePin(db, PIN, '135790')
    db.sealing.lock()
    const t0 = new Date()
    for (let i = 0; i < 5; i++) await expect(unlock(db, '000000', t0)).rejects.toBeInstanceOf(WrongPinError)
    await expect(unlock(db, '135790', t0)).rejects.toBeInstanceOf(PinWaitError)
    await unlockWithDevice(db, reader)
    expect(await db.meta.get('pinFailures')).toBeUndefined()
    db.sealing.lock()
    await unlock(db, '135790')
    expect(db.sealing.state).toBe('open')
  })

  it('turned off, or after ten wrong PINs, no finger opens the phone', async () => {
    const reader = fingerprintReader()
    await enrollDevice(db, PIN, reader)
    await forgetDevice(db)
    expect((await readKeyring(db))?.device).toBeNull()
    db.sealing.lock()
    await expect(unlockWithDevice(db, reader)).rejects.toThrow('off on this phone')

    await unlock(db, PIN)
    await enrollDevice(db, PIN, reader)
    db.sealing.lock()
    let at = Date.parse('2026-12-06T08:00:00.000Z')
    for (let i = 1; i <= MAX_PIN_FAILURES; i++) {
      await expect(unlock(db, '000000', new Date(at))).rejects.toBeInstanceOf(WrongPinError)
      at += 3_600_000
    }
    expect((await readKeyring(db))?.device).toBeNull()
    await expect(unlockWithDevice(db, reader)).rejects.toThrow('off on this phone')
    expect(db.sealing.state).toBe('locked')
  })
})

describe('sync on an unlocked phone', () => {
  it('pushes what the leader typed as typed, and seals what the pull brings as it lands', async () => {
    const { db: phone, engine, repos, server, author } = await device()
    await setPin(phone, PIN, recoveryKey)
    const visit = await repos.visits.create(visitFields({ needs: CANARY.needs }), author)
    server.serverPut('residents', { id: 'r-pulled', householdId: 'hh-1', name: '梁秀英', phone: '13700001111', birthYear: 1938, careTags: ['elderly_alone'], movedOutAt: null })
    expect(await engine.sync()).toMatchObject({ status: 'done', pushed: 1 })
    expect(server.records.get(visit.id)?.record.needs).toBe(CANARY.needs)
    const pulled = (await storedRows(phone.name, 'residents')).find((row) => row.id === 'r-pulled')!
    expect(pulled).not.toHaveProperty('name')
    expect(Buffer.from(pulled.sealed as Uint8Array).includes(Buffer.from('梁秀英'))).toBe(false)
    expect((await phone.residents.get('r-pulled'))?.name).toBe('梁秀英')
  })
})

describe('another context of the same phone', () => {
  it('does not sync in clear once a PIN was chosen elsewhere (a tab or the service worker that read no PIN)', async () => {
    const { db: phone, engine, server } = await device()
    const elsewhere = new DoorstepDatabase(phone.name)
    await setPin(elsewhere, PIN, recoveryKey)
    server.serverPut('residents', { id: 'r-late', householdId: 'hh-1', name: '梁秀英', phone: '13700001111', birthYear: 1938, careTags: [], movedOutAt: null })
    expect(phone.sealing.state).toBe('plain')

    expect(await engine.sync()).toEqual({ status: 'locked' })
    expect(await phone.residents.get('r-late')).toBeUndefined()
    elsewhere.close()
  })
})

describe('a sign-in on an unlocked phone', () => {
  it('wraps the data key for the new device’s recovery key, in place of none or the old one', async () => {
    await setPin(db, PIN, null)
    const next = crypto.getRandomValues(new Uint8Array(32))
    await addRecovery(db, next)
    db.sealing.lock()
    await expect(addRecovery(db, recoveryKey)).rejects.toThrow('locked')
    await recover(db, next, '135790')
    expect((await db.residents.get('r-1'))?.name).toBe(CANARY.name)
  })
})
