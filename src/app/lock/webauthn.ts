import type { Bytes } from './keyring'
import type { PlatformAuthenticator } from './lock'

/*
 * The phone's fingerprint or face, through WebAuthn: a platform credential whose PRF extension gives 32 bytes
 * that only this phone's authenticator, after checking the leader, can give again for the same salt. No
 * server takes part: the challenge is random and nothing is verified but the PRF output itself, which either
 * unwraps the data key (AES-GCM's tag) or does not.
 */

/** The browser gave no PRF output: this phone cannot unlock the app with a finger or face. */
export class NoPrfError extends Error {
  override readonly name = 'NoPrfError'
  constructor() {
    super('the authenticator gives no PRF output')
  }
}

/**
 * What a failed WebAuthn call tells the leader: the phone cannot (no PRF), or the finger or face was not
 * confirmed (cancelled, not recognised, timed out: browsers answer all three alike, on purpose); null for a bug.
 */
export function refusal(error: unknown): 'unsupported' | 'notConfirmed' | null {
  if (error instanceof NoPrfError) return 'unsupported'
  if (error instanceof DOMException && (error.name === 'NotAllowedError' || error.name === 'AbortError')) return 'notConfirmed'
  return null
}

/** Whether the phone has a fingerprint or face authenticator the browser can use. */
export async function isSupported(): Promise<boolean> {
  if (typeof PublicKeyCredential === 'undefined' || !navigator.credentials) return false
  return PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable().catch(() => false)
}

const challenge = () => crypto.getRandomValues(new Uint8Array(32))

function prfOutput(credential: Credential | null): Bytes | null {
  const first = (credential as PublicKeyCredential | null)?.getClientExtensionResults().prf?.results?.first
  return first ? new Uint8Array(ArrayBuffer.isView(first) ? first.buffer.slice(first.byteOffset, first.byteOffset + first.byteLength) : first) : null
}

async function evaluate(credentialId: Bytes, salt: Bytes): Promise<Bytes> {
  const credential = await navigator.credentials.get({
    publicKey: {
      challenge: challenge(),
      rpId: location.hostname,
      allowCredentials: [{ type: 'public-key', id: credentialId }],
      userVerification: 'required',
      extensions: { prf: { eval: { first: salt } } },
    },
  })
  const prf = prfOutput(credential)
  if (!prf) throw new NoPrfError()
  return prf
}

async function create(salt: Bytes): Promise<{ credentialId: Bytes; prf: Bytes }> {
  const credential = (await navigator.credentials.create({
    publicKey: {
      rp: { id: location.hostname, name: '楼长助手' },
      // Random: the credential only has to open this phone's keyring, not name the leader to anyone.
      user: { id: crypto.getRandomValues(new Uint8Array(16)), name: '楼长助手', displayName: '楼长助手' },
      challenge: challenge(),
      pubKeyCredParams: [
        { type: 'public-key', alg: -7 },
        { type: 'public-key', alg: -257 },
      ],
      authenticatorSelection: { authenticatorAttachment: 'platform', userVerification: 'required', residentKey: 'discouraged' },
      extensions: { prf: { eval: { first: salt } } },
    },
  })) as PublicKeyCredential | null
  if (!credential) throw new NoPrfError()
  const credentialId = new Uint8Array(credential.rawId)
  // Some browsers make the credential with PRF on but evaluate it only on a get(): a second touch.
  const prf = prfOutput(credential) ?? (credential.getClientExtensionResults().prf?.enabled ? await evaluate(credentialId, salt) : null)
  if (!prf) throw new NoPrfError()
  return { credentialId, prf }
}

/** The browser's platform authenticator. */
export const platformAuthenticator: PlatformAuthenticator = { create, evaluate }
