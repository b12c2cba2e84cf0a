import { fitWithin } from '@/domain'

export interface Resized {
  blob: Blob
  width: number
  height: number
}

/**
 * Decodes an image and re-encodes it as JPEG with the long side at most `maxSide`. Works in a worker
 * (OffscreenCanvas) and on the main thread; `createImageBitmap` applies the EXIF orientation, so photos
 * taken with the phone turned come out upright.
 */
export async function resizeToJpeg(source: Blob, maxSide: number, quality: number): Promise<Resized> {
  const bitmap = await createImageBitmap(source, { imageOrientation: 'from-image' })
  try {
    const { width, height } = fitWithin(bitmap.width, bitmap.height, maxSide)
    const canvas = typeof OffscreenCanvas === 'undefined' ? Object.assign(document.createElement('canvas'), { width, height }) : new OffscreenCanvas(width, height)
    const context = canvas.getContext('2d') as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null
    if (!context) throw new Error('no 2d context')
    context.imageSmoothingQuality = 'high'
    context.drawImage(bitmap, 0, 0, width, height)
    return { blob: await encodeJpeg(canvas, quality), width, height }
  } finally {
    bitmap.close()
  }
}

/** Older iOS Safari has no OffscreenCanvas: there the page's own canvas does the work. */
function encodeJpeg(canvas: OffscreenCanvas | HTMLCanvasElement, quality: number): Promise<Blob> {
  if ('convertToBlob' in canvas) return canvas.convertToBlob({ type: 'image/jpeg', quality })
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('encoding failed'))), 'image/jpeg', quality),
  )
}
