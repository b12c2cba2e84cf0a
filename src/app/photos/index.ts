import type { PhotoBytes } from '@/app/db/attachments'
import { compressPhoto, type Compressed } from './compress'

/** Not every phone can draw in a worker (older iOS Safari has no OffscreenCanvas there). */
export const canCompressInWorker = typeof Worker !== 'undefined' && typeof OffscreenCanvas !== 'undefined'

let worker: Worker | undefined
let nextId = 0
const waiting = new Map<number, { resolve: (c: Compressed) => void; reject: (e: Error) => void }>()

function inWorker(file: Blob): Promise<Compressed> {
  if (!worker) {
    worker = new Worker(new URL('./photo.worker.ts', import.meta.url), { type: 'module' })
    worker.onmessage = (event: MessageEvent<{ id: number; result?: Compressed; error?: string }>) => {
      const job = waiting.get(event.data.id)
      waiting.delete(event.data.id)
      if (event.data.result) job?.resolve(event.data.result)
      else job?.reject(new Error(event.data.error ?? 'photo compression failed'))
    }
  }
  const id = nextId++
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject })
    worker!.postMessage({ id, file })
  })
}

export async function sha256Hex(data: ArrayBuffer): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', data)
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')
}

/** A photo from the camera or gallery, compressed and hashed, ready for the attachments table. */
export async function processPhoto(file: Blob): Promise<PhotoBytes> {
  const { photo, thumb } = canCompressInWorker ? await inWorker(file) : await compressPhoto(file)
  const data = await photo.blob.arrayBuffer()
  return {
    sha256: await sha256Hex(data),
    type: 'image/jpeg',
    bytes: data.byteLength,
    width: photo.width,
    height: photo.height,
    data,
    thumb: await thumb.blob.arrayBuffer(),
    thumbType: 'image/jpeg',
  }
}
