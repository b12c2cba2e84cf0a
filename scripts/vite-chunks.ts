import type { Rolldown } from 'vite'

/**
 * One chunk for every module the entry imports statically, that is everything the first screen runs.
 *
 * Left alone, Rolldown moves modules that the first screen shares with lazy screens (Vue's reactivity,
 * the page frame, the database) into separate common chunks, although the entry always loads them first
 * (rolldown/rolldown#10731). Each split costs a request on a weak signal and a few hundred bytes of
 * imports and exports; together about 3 KB gzip and four requests.
 */
export function firstScreenChunk(): Rolldown.CodeSplittingGroup {
  // Per chunking pass (a watch rebuild starts a new one), the modules known to be on the first screen.
  const known = new WeakMap<Rolldown.ChunkingContext, Set<string>>()

  /** Whether a chain of static imports leads from an entry to `id` (walked backwards, through importers). */
  function reachable(id: string, context: Rolldown.ChunkingContext, visited = new Set<string>()): boolean {
    let onFirstScreen = known.get(context)
    if (!onFirstScreen) known.set(context, (onFirstScreen = new Set()))
    if (onFirstScreen.has(id)) return true
    if (visited.has(id)) return false
    visited.add(id)
    const info = context.getModuleInfo(id)
    // Only positive answers are remembered: a negative one may be an artefact of a cycle cut short.
    if (info && (info.isEntry || info.importers.some((importer) => reachable(importer, context, visited)))) {
      onFirstScreen.add(id)
      return true
    }
    return false
  }

  return { debugName: 'first-screen', name: (id, context) => (reachable(id, context) ? 'index' : null) }
}
