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

/**
 * Vant's core in one chunk: the helpers, composables, locale, icon, badge and base stylesheet that nearly every
 * Vant component imports. Left alone, Rolldown splits them by which screens use which: on the visits list seven
 * chunks of 0.1–2 KB, each one more link appended in the task that starts the screen, and one more request through
 * the service worker before the screen renders. The components (button, field, cell…) keep chunks of their own:
 * the PIN screens, for one, use no button.
 */
export function vantCoreChunk(): Rolldown.CodeSplittingGroup {
  return {
    name: 'vant',
    test: /node_modules[\\/](@vant[\\/]use|vant[\\/]es[\\/](utils|locale[\\/]index|locale[\\/]lang[\\/]zh-CN|badge|config-provider|icon|style[\\/]base|composables[\\/](use-route|use-scope-id|use-expose|use-id|use-global-z-index)))[\\/.]/,
  }
}

/**
 * What the record lists share (their count, foot, pages, filters, sync states, buildings, labels, the places of
 * their rows and their dates) in one chunk rather than ten of 0.1–1 KB, for the same reason. A screen that uses
 * one of them loads the others too, and the reads they make (db/read.ts, every screen's) come along with them.
 */
export function listPartsChunk(): Rolldown.CodeSplittingGroup {
  return {
    name: 'lists',
    test: /src[\\/](app[\\/](ui[\\/](ListCount|ListEnd|useListPages|useQueryFilters|useSyncStates|SyncStateBadge|useBuildings|format)|features[\\/]households[\\/]places)|domain[\\/]labels)\./,
  }
}
