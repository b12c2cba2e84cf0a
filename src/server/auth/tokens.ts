import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * Device tokens are opaque: 32 random bytes, base64url. The server keeps only their SHA-256 (hex), so a
 * copy of the database does not hand out working tokens; a fast hash is enough because the token has
 * 256 bits of entropy, unlike a password.
 */

/** A new device token and the hash to store for it. */
export function newToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url')
  return { token, hash: hashToken(token) }
}

/** The stored form of a token: SHA-256, lowercase hex. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/** Compares two token hashes without leaking, through timing, how much of them matched. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}
