import { z } from 'zod'

/*
 * The community roster as offices keep it in Excel: one row per resident (a household's row repeats its
 * building, entrance and room). The server parses an upload (.xlsx, or .csv in UTF-8 or GBK) into rows of
 * text cells, and the rules here check them and say what an import would change.
 *
 *   POST /communities/:id/roster/preview   body: the file's bytes  → RosterPreview (200, also with problems)
 *   POST /communities/:id/roster/import    body: the file's bytes  → RosterPreview (200, written in one
 *        transaction), or 422 `invalid_roster` { error, message, preview } with nothing written
 *   GET  /communities/:id/roster.xlsx      the roster as it is now, in the same format
 *   GET  /roster/template.xlsx             the headers and one example row
 */

/** One reason a row (or the whole file, `row` null) cannot be imported; the message is for the office, in Chinese. */
export const RosterProblem = z.object({
  /** The spreadsheet's own row number (the header row is 1); null for the file as a whole. */
  row: z.number().int().positive().nullable(),
  /** The column's header as the file writes it; null when the problem is not one cell's. */
  column: z.string().nullable(),
  code: z.string(),
  message: z.string(),
})
export type RosterProblem = z.infer<typeof RosterProblem>

const Counts = z.object({ added: z.number().int().nonnegative(), changed: z.number().int().nonnegative(), unchanged: z.number().int().nonnegative() })

export const RosterPreview = z.object({
  /** The rows read (residents), not counting the header. */
  rows: z.number().int().nonnegative(),
  buildings: Counts,
  households: Counts,
  residents: Counts.extend({ movedOut: z.number().int().nonnegative() }),
  /** Every problem found; an import is refused while there is any. */
  problems: z.array(RosterProblem),
})
export type RosterPreview = z.infer<typeof RosterPreview>
