import { ListObjectsV2Command } from '@aws-sdk/client-s3'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import S3rver from 's3rver'
import { s3Client, type S3Config } from '@/server/storage/s3-blobs'

/** s3rver's fixed credentials: it checks every request's signature against them. */
const S3RVER_KEY = 'S3RVER'

export interface TestS3 {
  /** What DOORSTEP_S3_* would say for this store. */
  config: S3Config
  /** Every object key in the bucket. */
  keys(): Promise<string[]>
  /** Stops answering, as a store that is down (the objects stay on disk). */
  stop(): Promise<void>
  /** Answers again on the same port, with the same objects. */
  start(): Promise<void>
  /** Stops the store and removes its files. */
  close(): Promise<void>
}

/** A local S3-compatible store (s3rver) on a free loopback port, its objects in a temp folder, with one bucket. */
export async function startS3Server(bucket = 'doorstep-photos'): Promise<TestS3> {
  const directory = await mkdtemp(join(tmpdir(), 'doorstep-s3-'))
  let port = 0
  let server: S3rver | undefined
  async function start() {
    server = new S3rver({ address: '127.0.0.1', port, directory, silent: true, configureBuckets: [{ name: bucket }] })
    port = (await server.run()).port
  }
  async function stop() {
    await server?.close()
    server = undefined
  }
  await start()
  const config: S3Config = { endpoint: `http://127.0.0.1:${port}`, bucket, region: 'us-east-1', accessKeyId: S3RVER_KEY, secretAccessKey: S3RVER_KEY, pathStyle: true }
  const client = s3Client(config)
  return {
    config,
    async keys() {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }))
      return (listed.Contents ?? []).map((object) => object.Key!).sort()
    },
    stop,
    start,
    async close() {
      client.destroy()
      await stop()
      await rm(directory, { recursive: true, force: true })
    },
  }
}
