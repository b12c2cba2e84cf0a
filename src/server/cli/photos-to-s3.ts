import { HeadObjectCommand, NotFound } from '@aws-sdk/client-s3'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { readConfig } from '../config'
import { openStorage } from '../storage'
import { s3Blobs, s3Client, s3Key, type S3Config } from '../storage/s3-blobs'
import type { Storage } from '../storage/types'

/**
 * `npm run photos-to-s3 [-- --drop]`: copies the photos an existing deployment keeps (files beside the SQLite
 * database, or PostgreSQL's attachments table) into the bucket DOORSTEP_S3_* names, skipping those already
 * there, so that it can run again and again: before the servers restart with the variables, and once more
 * after, for what was uploaded meanwhile. With --drop, PostgreSQL's copy of each photo is emptied once it is in
 * the bucket (SQLite's files stay: remove DOORSTEP_DATA_DIR/attachments by hand once all is well).
 */

const PAGE = 500

export interface PhotoCopy {
  copied: number
  /** Already in the bucket. */
  present: number
  /** Rows whose bytes the database does not have either: nothing to copy. */
  missing: string[]
}

/** Copies every photo of `source` (opened without the object store) into the bucket of `target`. */
export async function copyPhotosToS3(source: Storage, target: S3Config, { drop = false, progress }: { drop?: boolean; progress?: (done: PhotoCopy) => void } = {}): Promise<PhotoCopy> {
  const client = s3Client(target)
  const blobs = s3Blobs(target, client)
  const done: PhotoCopy = { copied: 0, present: 0, missing: [] }
  try {
    let after = ''
    for (;;) {
      const page = await source.attachmentHashes(after, PAGE)
      if (!page.length) return done
      for (const sha256 of page) {
        if (await inBucket(client, target.bucket, sha256)) {
          done.present++
          continue
        }
        const found = await source.getAttachment(sha256)
        if (!found) {
          done.missing.push(sha256)
          continue
        }
        await blobs.write(sha256, found.bytes)
        done.copied++
      }
      // Only what is in the bucket now: a photo whose bytes were missing keeps its row as it was.
      if (drop) await source.dropInlineContent(page.filter((sha256) => !done.missing.includes(sha256)))
      progress?.(done)
      after = page.at(-1)!
    }
  } finally {
    client.destroy()
  }
}

async function inBucket(client: ReturnType<typeof s3Client>, Bucket: string, sha256: string): Promise<boolean> {
  try {
    await client.send(new HeadObjectCommand({ Bucket, Key: s3Key(sha256) }))
    return true
  } catch (error) {
    if (error instanceof NotFound) return false
    throw error
  }
}

// Run as a program (`npm run photos-to-s3`), not when a test imports copyPhotosToS3.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { drop: { type: 'boolean', default: false } } })
  const config = readConfig()
  if (!config.s3) throw new Error('Set DOORSTEP_S3_ENDPOINT, DOORSTEP_S3_BUCKET, DOORSTEP_S3_ACCESS_KEY_ID and DOORSTEP_S3_SECRET_ACCESS_KEY: they name the bucket to copy into.')
  // The photos where the database keeps them without the variables.
  const source = openStorage({ ...config, s3: undefined })
  try {
    await source.migrate()
    const done = await copyPhotosToS3(source, config.s3, {
      drop: values.drop,
      progress: ({ copied, present }) => console.log(`${copied} copied, ${present} already in the bucket…`),
    })
    console.log(`Done: ${done.copied} photos copied to ${config.s3.bucket}, ${done.present} were there already${values.drop ? ', the database’s copies emptied' : ''}.`)
    if (done.missing.length) console.log(`${done.missing.length} photos have a row but no bytes here, and were left as they are: ${done.missing.join(', ')}`)
  } finally {
    await source.close()
  }
}
