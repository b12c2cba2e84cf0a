/// <reference lib="webworker" />
import { compressPhoto } from './compress'

/** Compresses photos off the main thread, so the form stays responsive on a slow phone. */
self.onmessage = async (event: MessageEvent<{ id: number; file: Blob }>) => {
  const { id, file } = event.data
  try {
    const result = await compressPhoto(file)
    self.postMessage({ id, result })
  } catch (error) {
    self.postMessage({ id, error: String(error) })
  }
}
