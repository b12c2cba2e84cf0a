import SignaturePad from 'signature_pad'
import { PHOTO_MAX_SIDE } from '@/domain'
import type { PhotoBytes } from '@/app/db/attachments'
import { sha256Hex } from '@/app/photos'

export interface SignatureImage {
  blob: Blob
  width: number
  height: number
}

/** A canvas to sign on with a finger: what the answer sheet needs of signature_pad. */
export interface SignatureSurface {
  isEmpty(): boolean
  clear(): void
  /** The signature as an opaque PNG, at the canvas's pixel size. */
  png(): Promise<SignatureImage>
  destroy(): void
}

export function signatureSurface(canvas: HTMLCanvasElement): SignatureSurface {
  // Sharp on a dense screen, within the largest photo the server takes.
  const ratio = Math.min(Math.max(window.devicePixelRatio || 1, 1), PHOTO_MAX_SIDE / Math.max(canvas.offsetWidth, 1))
  canvas.width = canvas.offsetWidth * ratio
  canvas.height = canvas.offsetHeight * ratio
  canvas.getContext('2d')?.scale(ratio, ratio)
  // White, not transparent: thumbnails and the office's exports are JPEGs, where transparent turns black.
  const pad = new SignaturePad(canvas, { backgroundColor: 'rgb(255,255,255)', minWidth: 1, maxWidth: 3 })
  return {
    isEmpty: () => pad.isEmpty(),
    clear: () => pad.clear(),
    png: () =>
      new Promise((resolve, reject) =>
        canvas.toBlob((blob) => (blob ? resolve({ blob, width: canvas.width, height: canvas.height }) : reject(new Error('signature not encoded'))), 'image/png'),
      ),
    destroy: () => pad.off(),
  }
}

/** A drawn signature as a photo for the attachments table: its PNG is small enough to be its own thumbnail. */
export async function signaturePhoto({ blob, width, height }: SignatureImage): Promise<PhotoBytes> {
  const data = await blob.arrayBuffer()
  return { sha256: await sha256Hex(data), type: 'image/png', bytes: data.byteLength, width, height, data, thumb: data, thumbType: 'image/png' }
}
