import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3'
import { Sha256 } from '@/domain'
import { BlobStoreUnavailable } from './blob-unavailable'
import type { BlobStore } from './kysely-storage'

/** Where photos go when they go to an S3-compatible store (ServerConfig.s3). */
export interface S3Config {
  /** The store's URL, e.g. https://oss-cn-guangzhou.aliyuncs.com or http://minio.internal:9000. */
  endpoint: string
  bucket: string
  region: string
  accessKeyId: string
  secretAccessKey: string
  /**
   * The bucket in the path (MinIO on premises, whose endpoints have no per-bucket DNS), or in the host name
   * (Aliyun OSS refuses anything else; Tencent COS and Huawei OBS prefer it).
   */
  pathStyle: boolean
}

/** The object key of a photo: two levels of folders by its hash's first bytes, so that no listing is huge. */
export function s3Key(sha256: string): string {
  const hash = Sha256.parse(sha256)
  return `${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}`
}

/** A client for `config`, shared by the blob store and by whoever signs URLs for it (tests/bench/s3.ts). */
export function s3Client(config: S3Config): S3Client {
  return new S3Client({
    endpoint: config.endpoint,
    region: config.region,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    forcePathStyle: config.pathStyle,
    // The SDK's default CRC32 checksums (aws-chunked uploads) are refused by several S3-compatible stores; the
    // server hashes every photo itself anyway, and its name is that hash.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // A store that is down is answered with a retryable 503 at once; the phone tries again later, not us.
    maxAttempts: 2,
    // A store that hangs must not hold uploads open: a 4 MB photo crosses a data centre in far less.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
  })
}

/**
 * Photos as objects named by their hash (s3Key) in one bucket; the database keeps only their metadata.
 * Writing the same bytes again overwrites them with themselves, which is harmless.
 */
export function s3Blobs(config: S3Config, client = s3Client(config)): BlobStore {
  const Bucket = config.bucket
  const failed = (operation: string) => (error: unknown) => {
    throw new BlobStoreUnavailable(operation, { cause: error })
  }
  return {
    async read(sha256) {
      try {
        const object = await client.send(new GetObjectCommand({ Bucket, Key: s3Key(sha256) }))
        return Buffer.from(await object.Body!.transformToByteArray())
      } catch (error) {
        if (error instanceof NoSuchKey) return undefined
        return failed('read a photo')(error)
      }
    },
    async write(sha256, bytes) {
      await client.send(new PutObjectCommand({ Bucket, Key: s3Key(sha256), Body: bytes, ContentLength: bytes.length })).catch(failed('store a photo'))
    },
    async remove(sha256) {
      // S3 answers a delete of a missing key with success.
      await client.send(new DeleteObjectCommand({ Bucket, Key: s3Key(sha256) })).catch(failed('remove a photo'))
    },
  }
}

/**
 * Throws, naming the endpoint and the bucket, when the store cannot be reached or the bucket is not there or
 * not ours: at startup, so that a mistyped variable stops the server instead of failing every photo.
 */
export async function checkBucket(config: S3Config, client = s3Client(config)): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: config.bucket }))
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
    const why = status === 404 ? 'no such bucket' : status === 403 ? 'access denied: check the keys and the bucket policy' : String((error as Error).message || error)
    throw new Error(`Photo store: bucket ${JSON.stringify(config.bucket)} at ${config.endpoint} is not usable (${why})`, { cause: error })
  }
}
