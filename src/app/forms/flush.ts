/*
 * The open forms' "write the pending draft now", kept apart from useDraftForm (which brings the database
 * and zod with it) so that the first screen can ask for it cheaply. A draft written while the page is
 * already going away may never be stored (Chromium drops an IndexedDB write still under way when a page
 * reloads), so whatever reloads the app on purpose waits for these first.
 */
const writers = new Set<() => Promise<void>>()

/** Registers an open form's draft writer; answers the function that unregisters it. */
export function onFlushDrafts(write: () => Promise<void>): () => void {
  writers.add(write)
  return () => writers.delete(write)
}

/** Writes every open form's pending draft and waits until they are stored. */
export async function flushDrafts(): Promise<void> {
  await Promise.allSettled([...writers].map((write) => write()))
}
