import { pipeline, Transform, type Readable } from 'node:stream'
import { createGunzip } from 'node:zlib'
import type { preParsingAsyncHookHandler } from 'fastify'
import { HttpError } from './errors'

type Inflated = Transform & { receivedEncodedLength: number }

/**
 * A `preParsing` hook for a route whose body may come gzip-compressed (`Content-Encoding: gzip`: a phone's push,
 * whose JSON shrinks about fourfold, on a signal where the upload is the wait). The body is inflated as it
 * arrives and stopped at `limit` inflated bytes: Fastify checks its body limit on what this gives, but would
 * go on inflating the rest, and a small body can unpack to gigabytes.
 */
export function gzipBody(limit: number): preParsingAsyncHookHandler {
  return async (request, _reply, payload) => {
    const encoding = request.headers['content-encoding']?.trim().toLowerCase()
    if (!encoding || encoding === 'identity') return payload
    if (encoding !== 'gzip') throw new HttpError(415, 'unsupported_media_type', `A body is sent plain or gzip-compressed, not ${encoding}.`)
    let inflatedBytes = 0
    const inflated = new Transform({
      transform(chunk: Buffer, _encoding, next) {
        inflatedBytes += chunk.length
        if (inflatedBytes > limit) next(new HttpError(413, 'payload_too_large', `The body unpacks to more than ${limit} bytes; send smaller batches.`))
        else next(null, chunk)
      },
    }) as Inflated
    // Fastify compares what came over the wire, not what it unpacked to, with Content-Length.
    inflated.receivedEncodedLength = 0
    payload.on('data', (chunk: Buffer) => (inflated.receivedEncodedLength += chunk.length))
    const gunzip = createGunzip()
    // Before pipeline's own listener: the caller learns the body was not gzip, not that the server failed.
    gunzip.once('error', () => inflated.destroy(new HttpError(400, 'bad_request', 'The body is not valid gzip.')))
    pipeline(payload as Readable, gunzip, inflated, () => {
      // Errors reach Fastify through `inflated`, which it reads.
    })
    return inflated
  }
}
