import { db } from './database'
import { createQueries } from './queries'

/** The app's reads over its one database. Screens import this, not ./index, unless they write. */
export const queries = createQueries(db)
export { useLiveQuery } from './live'
