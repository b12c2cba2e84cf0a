import { openPostgresStorage } from './postgres'
import { openSqliteStorage } from './sqlite'
import type { Storage } from './types'

export type { Storage } from './types'

/**
 * The storage the configuration names: PostgreSQL when a database URL is given, else the embedded SQLite
 * file in `dataDir`. The caller runs `migrate()` before use.
 */
export function openStorage(config: { databaseUrl?: string | undefined; dataDir: string }): Storage {
  return config.databaseUrl ? openPostgresStorage({ url: config.databaseUrl }) : openSqliteStorage({ dataDir: config.dataDir })
}
