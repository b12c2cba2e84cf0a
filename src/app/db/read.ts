import { db } from './database'
import type { LiveQueryOptions } from './live'
import { createQueries } from './queries'

/** The app's reads over its one database. Screens import this, not ./index, unless they write. */
export const queries = createQueries(db)
export { useLiveQuery } from './live'

/** For live summaries over whole tables: their last answer stands while a sync writes them (LiveQueryOptions.hold). */
export const heldWhileSyncing: LiveQueryOptions = { hold: () => queries.syncing() }
