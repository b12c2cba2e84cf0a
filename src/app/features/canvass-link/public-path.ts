/*
 * The pages an owner opens from a one-time link (src/domain/canvass-links.ts), on their own phone and with no
 * account. main.ts starts them with public-main.ts instead of the leader's app.
 */

/** The path of the answer page, before its token. */
export const ANSWER_PATH = '/answer/'

/** Whether `path` is a page an owner opens from a link. */
export function isPublicPage(path: string): boolean {
  return path.startsWith(ANSWER_PATH)
}

