/**
 * A BlobStore could not be reached or failed (an object store that is down): the request that needed it may
 * be sent again later. The error handler answers it 503 `storage_unavailable`; the database was not changed.
 */
export class BlobStoreUnavailable extends Error {
  override readonly name = 'BlobStoreUnavailable'
  constructor(operation: string, options: { cause: unknown }) {
    super(`The photo store failed to ${operation}`, options)
  }
}
