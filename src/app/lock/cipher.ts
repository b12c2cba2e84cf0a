import { gcm } from '@noble/ciphers/aes.js'
import type { Cipher } from '@/app/db/sealing'

const IV_BYTES = 12

/**
 * AES-256-GCM with a random 96-bit IV per row, laid out as WebCrypto lays it out (IV, then ciphertext and tag).
 * It is @noble/ciphers' and not WebCrypto's because it must be synchronous: an IndexedDB transaction commits
 * as soon as its code awaits anything but IndexedDB, and a repository reads, seals and writes in one.
 * Loaded with the unlock screen, not with the first screen.
 */
export function aesGcmCipher(dataKey: Uint8Array): Cipher {
  return {
    seal(plain, context) {
      const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES))
      const sealed = gcm(dataKey, iv, context).encrypt(plain)
      const out = new Uint8Array(IV_BYTES + sealed.length)
      out.set(iv)
      out.set(sealed, IV_BYTES)
      return out
    },
    open(sealed, context) {
      return gcm(dataKey, sealed.subarray(0, IV_BYTES), context).decrypt(sealed.subarray(IV_BYTES))
    },
  }
}
