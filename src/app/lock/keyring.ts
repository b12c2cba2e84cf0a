/**
 * The data key and what unlocks it. Rows are sealed under one random 256-bit data key (./cipher.ts). The
 * phone keeps it only wrapped (AES-GCM, WebCrypto): by a key derived from the leader's PIN, by the device's
 * recovery key, which only the server keeps and hands back for the account's password (a forgotten PIN), and,
 * where the leader turned it on, by the output of the phone's fingerprint or face authenticator (WebAuthn PRF).
 * Changing the PIN wraps the same data key again; nothing sealed is touched.
 */
export interface Keyring {
  v: 1
  /** PBKDF2-SHA-256 salt, base64. */
  salt: string
  iterations: number
  /** The data key wrapped by the PIN's key: IV and ciphertext, base64. */
  pin: string
  /** The data key wrapped by the server's recovery key, or null when the phone did not have it (offline upgrade). */
  recovery: string | null
  /** The data key wrapped by a platform authenticator's PRF output, or null when fingerprint or face is off. */
  device: DeviceWrap | null
}

/** What the authenticator needs to give the same PRF output again, and what that output unwraps. */
export interface DeviceWrap {
  /** The WebAuthn credential's id, base64. */
  credentialId: string
  /** The PRF input (`eval.first`), base64. */
  salt: string
  /** The data key wrapped by the PRF output: IV and ciphertext, base64. */
  key: string
}

/** At least OWASP's 310,000 for PBKDF2-SHA-256: about a third of a second on a cheap phone. */
export const PIN_ITERATIONS = 310_000
/** Bytes WebCrypto takes: backed by an ArrayBuffer. */
export type Bytes = Uint8Array<ArrayBuffer>

const KEY_BYTES = 32
const IV_BYTES = 12
/** Bound into every wrap, so that no other AES-GCM blob of this app unwraps as a data key. */
const WRAP_CONTEXT = new TextEncoder().encode('doorstep data key')

export class WrongPinError extends Error {
  override readonly name = 'WrongPinError'
  constructor() {
    super('wrong PIN')
  }
}

const toBase64 = (bytes: Bytes) => btoa(String.fromCharCode(...bytes))
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0))
/** The recovery key as the server sends it: base64url. */
export const fromBase64Url = (text: string) => fromBase64(text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '='))

async function pinKey(pin: string, salt: Bytes, iterations: number): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey('raw', new TextEncoder().encode(pin), 'PBKDF2', false, ['deriveKey'])
  return crypto.subtle.deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, material, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
}

const rawKey = (bytes: Bytes) => crypto.subtle.importKey('raw', bytes, 'AES-GCM', false, ['encrypt', 'decrypt'])

async function wrap(key: CryptoKey, dataKey: Bytes): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES))
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: WRAP_CONTEXT }, key, dataKey))
  const out = new Uint8Array(IV_BYTES + sealed.length)
  out.set(iv)
  out.set(sealed, IV_BYTES)
  return toBase64(out)
}

/** The data key, or WrongPinError when `key` is not the one that wrapped it (AES-GCM's tag does not match). */
async function unwrap(key: CryptoKey, wrapped: string): Promise<Bytes> {
  const bytes = fromBase64(wrapped)
  try {
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes.subarray(0, IV_BYTES), additionalData: WRAP_CONTEXT }, key, bytes.subarray(IV_BYTES))
    return new Uint8Array(plain)
  } catch {
    throw new WrongPinError()
  }
}

async function wrapForPin(pin: string, dataKey: Bytes): Promise<Pick<Keyring, 'salt' | 'iterations' | 'pin'>> {
  const salt = crypto.getRandomValues(new Uint8Array(16))
  return { salt: toBase64(salt), iterations: PIN_ITERATIONS, pin: await wrap(await pinKey(pin, salt, PIN_ITERATIONS), dataKey) }
}

/** A new random data key, wrapped for the PIN and, when the phone has it, for the recovery key. */
export async function newKeyring(pin: string, recoveryKey: Bytes | null): Promise<{ keyring: Keyring; dataKey: Bytes }> {
  const dataKey = crypto.getRandomValues(new Uint8Array(KEY_BYTES))
  const recovery = recoveryKey ? await wrap(await rawKey(recoveryKey), dataKey) : null
  return { keyring: { v: 1, ...(await wrapForPin(pin, dataKey)), recovery, device: null }, dataKey }
}

export async function unlockWithPin(keyring: Keyring, pin: string): Promise<Bytes> {
  return unwrap(await pinKey(pin, fromBase64(keyring.salt), keyring.iterations), keyring.pin)
}

/** For a forgotten PIN: WrongPinError when the keyring has no recovery wrap or the key is not this device's. */
export async function unlockWithRecovery(keyring: Keyring, recoveryKey: Bytes): Promise<Bytes> {
  if (!keyring.recovery) throw new WrongPinError()
  return unwrap(await rawKey(recoveryKey), keyring.recovery)
}

/** The keyring with the data key wrapped for `recoveryKey` in place of any earlier recovery wrap. */
export async function withRecovery(keyring: Keyring, dataKey: Bytes, recoveryKey: Bytes): Promise<Keyring> {
  return { ...keyring, recovery: await wrap(await rawKey(recoveryKey), dataKey) }
}

/** The same data key under a new PIN (and a new salt); the recovery and device wraps are kept. */
export async function rewrap(keyring: Keyring, dataKey: Bytes, pin: string): Promise<Keyring> {
  return { ...keyring, ...(await wrapForPin(pin, dataKey)) }
}

/** The data key wrapped by the PRF output (32 bytes) of credential `credentialId` for `salt`. */
export async function wrapForDevice(dataKey: Bytes, credentialId: Bytes, salt: Bytes, prf: Bytes): Promise<DeviceWrap> {
  return { credentialId: toBase64(credentialId), salt: toBase64(salt), key: await wrap(await rawKey(prf), dataKey) }
}

/** The credential and salt to ask the authenticator with. */
export function deviceRequest(device: DeviceWrap): { credentialId: Bytes; salt: Bytes } {
  return { credentialId: fromBase64(device.credentialId), salt: fromBase64(device.salt) }
}

/** WrongPinError when the keyring has no device wrap or `prf` is not the output that made it. */
export async function unlockWithPrf(keyring: Keyring, prf: Bytes): Promise<Bytes> {
  if (!keyring.device) throw new WrongPinError()
  return unwrap(await rawKey(prf), keyring.device.key)
}
