import { describe, expect, it } from 'vitest'
import { aesGcmCipher } from '@/app/lock/cipher'
import {
  deviceRequest,
  fromBase64Url,
  newKeyring,
  PIN_ITERATIONS,
  rewrap,
  unlockWithPin,
  unlockWithPrf,
  unlockWithRecovery,
  wrapForDevice,
  WrongPinError,
} from '@/app/lock/keyring'

const recoveryKey = () => crypto.getRandomValues(new Uint8Array(32))

describe('the keyring', () => {
  it('unwraps the data key for the PIN and for the recovery key, and for nothing else', async () => {
    const recovery = recoveryKey()
    const { keyring, dataKey } = await newKeyring('482916', recovery)
    expect(keyring.iterations).toBeGreaterThanOrEqual(310_000)
    expect(keyring.iterations).toBe(PIN_ITERATIONS)
    expect(await unlockWithPin(keyring, '482916')).toEqual(dataKey)
    expect(await unlockWithRecovery(keyring, recovery)).toEqual(dataKey)
    await expect(unlockWithPin(keyring, '482917')).rejects.toBeInstanceOf(WrongPinError)
    await expect(unlockWithRecovery(keyring, recoveryKey())).rejects.toBeInstanceOf(WrongPinError)
    // The key itself is never stored: neither raw nor as base64.
    const stored = JSON.stringify(keyring)
    expect(stored).not.toContain(btoa(String.fromCharCode(...dataKey)))
  })

  it('has no recovery without the server’s key', async () => {
    const { keyring } = await newKeyring('482916', null)
    expect(keyring.recovery).toBeNull()
    await expect(unlockWithRecovery(keyring, recoveryKey())).rejects.toBeInstanceOf(WrongPinError)
  })

  it('a new PIN wraps the same data key again with a new salt, and the old PIN stops working', async () => {
    const recovery = recoveryKey()
    const { keyring, dataKey } = await newKeyring('482916', recovery)
    const changed = await rewrap(keyring, dataKey, '103857')
    expect(changed.salt).not.toBe(keyring.salt)
    expect(await unlockWithPin(changed, '103857')).toEqual(dataKey)
    await expect(unlockWithPin(changed, '482916')).rejects.toBeInstanceOf(WrongPinError)
    expect(await unlockWithRecovery(changed, recovery)).toEqual(dataKey)
  })

  it('a fingerprint’s PRF output unwraps the data key, no other bytes do, and a new PIN keeps it', async () => {
    const { keyring, dataKey } = await newKeyring('482916', recoveryKey())
    expect(keyring.device).toBeNull()
    const prf = crypto.getRandomValues(new Uint8Array(32))
    const credentialId = crypto.getRandomValues(new Uint8Array(64))
    const salt = crypto.getRandomValues(new Uint8Array(32))
    const withDevice = { ...keyring, device: await wrapForDevice(dataKey, credentialId, salt, prf) }
    expect(deviceRequest(withDevice.device)).toEqual({ credentialId, salt })
    expect(await unlockWithPrf(withDevice, prf)).toEqual(dataKey)
    await expect(unlockWithPrf(withDevice, crypto.getRandomValues(new Uint8Array(32)))).rejects.toBeInstanceOf(WrongPinError)
    await expect(unlockWithPrf(keyring, prf)).rejects.toBeInstanceOf(WrongPinError)
    // Neither the data key nor the PRF output is stored.
    const stored = JSON.stringify(withDevice)
    for (const secret of [dataKey, prf]) expect(stored).not.toContain(btoa(String.fromCharCode(...secret)))

    const changed = await rewrap(withDevice, dataKey, '103857')
    expect(changed.device).toEqual(withDevice.device)
    expect(await unlockWithPrf(changed, prf)).toEqual(dataKey)
  })

  it('reads the recovery key as the server writes it (base64url)', () => {
    const bytes = Uint8Array.from({ length: 32 }, (_, i) => i * 8 + 3)
    const base64url = Buffer.from(bytes).toString('base64url')
    expect(fromBase64Url(base64url)).toEqual(bytes)
  })
})

describe('the row cipher', () => {
  it('is AES-256-GCM as WebCrypto does it, bound to its table', async () => {
    const key = crypto.getRandomValues(new Uint8Array(32))
    const cipher = aesGcmCipher(key)
    const context = new TextEncoder().encode('residents')
    const plain = new TextEncoder().encode('{"name":"谭锦成"}')
    const sealed = cipher.seal(plain, context)
    expect(cipher.open(sealed, context)).toEqual(plain)
    // Two seals of the same text differ (a random IV each).
    expect(cipher.seal(plain, context)).not.toEqual(sealed)
    const webKey = await crypto.subtle.importKey('raw', key, 'AES-GCM', false, ['decrypt'])
    const bytes = sealed.slice()
    const opened = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes.subarray(0, 12), additionalData: context }, webKey, bytes.subarray(12))
    expect(new Uint8Array(opened)).toEqual(plain)
    // Moved to another table, or changed by one bit, it does not open.
    expect(() => cipher.open(sealed, new TextEncoder().encode('visits'))).toThrow()
    const tampered = sealed.slice()
    tampered[20]! ^= 1
    expect(() => cipher.open(tampered, context)).toThrow()
  })
})
