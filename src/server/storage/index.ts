import { openPostgresStorage } from './postgres'
import { s3Blobs, type S3Config } from './s3-blobs'
import { openSqliteStorage } from './sqlite'
import type { Storage } from './types'

export type { Storage } from './types'

/**
 * The storage the configuration names: PostgreSQL when a database URL is given, else the embedded SQLite
 * file in `dataDir`; photos in the object store when `s3` is set. The caller runs `migrate()` before use.
 */
export function openStorage(config: { databaseUrl?: string | undefined; dataDir: string; s3?: S3Config | undefined }): Storage {
  const blobs = config.s3 && s3Blobs(config.s3)
  return config.databaseUrl ? openPostgresStorage({ url: config.databaseUrl, blobs }) : openSqliteStorage({ dataDir: config.dataDir, blobs })
}
