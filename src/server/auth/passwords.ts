import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'
import { passwordProblem } from '@/domain/passwords'

/**
 * Password hashes: scrypt from node:crypto, stored as `scrypt$N$r$p$salt$hash` (base64url) so that the cost
 * can be raised later without breaking the hashes already stored — verification reads the cost from the hash.
 */

const COST = { N: 16384, r: 8, p: 1 } as const
const KEY_BYTES = 32
const SALT_BYTES = 16

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem must cover 128·N·r bytes, which Node's 32 MiB default does not for every cost we might read back.
    scrypt(password.normalize('NFKC'), salt, KEY_BYTES, { ...options, maxmem: 256 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    )
  })
}

/** A new scrypt hash of `password`, with a random salt. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES)
  const key = await derive(password, salt, COST)
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64url'), key.toString('base64url')].join('$')
}

/** A hash of a random password: verifying against it costs the same as a real one and never matches. */
let decoy: Promise<string> | undefined

/**
 * Whether `password` matches `stored`, compared in constant time. With no stored hash (an unknown user) it
 * still spends the time of one scrypt, so that response times do not tell which usernames exist.
 */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const parts = (stored ?? (await (decoy ??= hashPassword(randomBytes(16).toString('hex'))))).split('$')
  const [scheme, n, r, p, salt, key] = parts
  if (parts.length !== 6 || scheme !== 'scrypt' || !salt || !key) return false
  const expected = Buffer.from(key, 'base64url')
  const actual = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) })
  return stored !== undefined && actual.length === expected.length && timingSafeEqual(actual, expected)
}

/** Letters and digits that cannot be mistaken for each other when read aloud or copied from paper (no 0/o, 1/l/i). */
const READABLE = 'abcdefghjkmnpqrstuvwxyz23456789'

/**
 * A password the server makes for a new account or a reset, handed over once by the office: three groups of
 * four readable characters (about 59 bits), e.g. `k7mp-2xqa-9rtw`. The account must change it at sign-in.
 */
export function oneTimePassword(): string {
  for (;;) {
    // 256 is not a multiple of 31: bytes from 248 up are dropped, so that every character is equally likely.
    const chars = [...randomBytes(32)].filter((b) => b < 248).map((b) => READABLE[b % READABLE.length])
    if (chars.length < 12) continue
    const password = [0, 4, 8].map((i) => chars.slice(i, i + 4).join('')).join('-')
    if (passwordProblem(password) === null) return password
  }
}
