import type { PhotoBytes } from '@/app/db/attachments'
import { sha256Hex } from '@/app/photos'
import type { SignatureImage } from './signature-surface'

/** A drawn signature as a photo for the attachments table: its PNG is small enough to be its own thumbnail. */
export async function signaturePhoto({ blob, width, height }: SignatureImage): Promise<PhotoBytes> {
  const data = await blob.arrayBuffer()
  return { sha256: await sha256Hex(data), type: 'image/png', bytes: data.byteLength, width, height, data, thumb: data, thumbType: 'image/png' }
}
