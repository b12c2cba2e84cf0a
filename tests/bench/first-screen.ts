import { readFile } from 'node:fs/promises'
import { join, posix } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build, loadConfigFromFile, parseAst, type PluginOption, type UserConfig } from 'vite'

/*
 * What the first screen costs to download: index.html, and every script and stylesheet it names (module
 * scripts, modulepreload and stylesheet links), plus every chunk those scripts import statically, followed
 * to the end. Dynamic imports (other screens, demo data, Vant's locale) are not on the first screen.
 * Bytes are counted as a server sends them gzipped (zlib's default level, as Vite reports gzip sizes).
 * The byte-budget test and the initial-load benchmark both count with this file.
 */

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** The budget the issue sets for the first screen: gzip bytes (1 KB = 1000 bytes, as Vite prints them). */
export const FIRST_SCREEN_BUDGET = 110_000
/** The other bound: the first screen's gzip bytes at most this many times the framework floor's. */
export const FLOOR_TIMES_BUDGET = 1.5

export interface CountedFile {
  /** Path inside the build, e.g. `assets/index-abc123.js`. */
  path: string
  bytes: number
  gzip: number
}

export interface FirstScreen {
  files: CountedFile[]
  bytes: number
  gzip: number
}

const TAG = /<(script|link|meta)\b([^>]*)>/gi
const ATTRIBUTE = /([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/g

function attributes(source: string): Map<string, string> {
  const found = new Map<string, string>()
  for (const [, name, a, b, c] of source.matchAll(ATTRIBUTE)) found.set(name!.toLowerCase(), a ?? b ?? c ?? '')
  return found
}

/** The local file a tag of index.html has the first screen load, if any. */
function loadedBy(tag: string, a: Map<string, string>): string | undefined {
  if (tag === 'script') return a.get('src')
  // The app's entry, which the shell's script runs after the first paint (scripts/vite-entry.ts).
  if (tag === 'meta') return a.get('name') === 'app-entry' ? a.get('content') : undefined
  const rel = (a.get('rel') ?? '').toLowerCase().split(/\s+/)
  return rel.includes('stylesheet') || rel.includes('modulepreload') ? a.get('href') : undefined
}

/** The local files index.html loads for the first screen: scripts, modulepreloads, stylesheets and the app's entry. */
export function htmlAssets(html: string): string[] {
  const found: string[] = []
  for (const [, tag, attrs] of html.matchAll(TAG)) {
    const url = loadedBy(tag!.toLowerCase(), attributes(attrs!))
    if (url && !/^[a-z]+:|^\/\//i.test(url)) found.push(url)
  }
  return found
}

interface AstNode {
  type: string
  source?: { value: string } | null
}

/** Specifiers of a chunk's static imports and re-exports (`import … from`, `export … from`). */
export function staticImports(code: string): string[] {
  const program = parseAst(code, { lang: 'js', sourceType: 'module' }) as unknown as { body: AstNode[] }
  return program.body
    .filter((n) => ['ImportDeclaration', 'ExportNamedDeclaration', 'ExportAllDeclaration'].includes(n.type) && n.source)
    .map((n) => n.source!.value)
}

/** A URL from the page (`/assets/x.js`) or a specifier inside a chunk (`./x.js`) → a path inside the build. */
function buildPath(url: string, from: string): string {
  const path = url.split(/[?#]/)[0]!
  return path.startsWith('/') ? path.slice(1) : posix.join(posix.dirname(from), path)
}

/** Counts the first screen of the build in `distDir`. */
export async function firstScreen(distDir: string): Promise<FirstScreen> {
  const files: CountedFile[] = []
  const seen = new Set<string>()
  async function count(path: string) {
    if (seen.has(path)) return
    seen.add(path)
    const content = await readFile(join(distDir, path))
    files.push({ path, bytes: content.length, gzip: gzipSync(content).length })
    if (path.endsWith('.html')) for (const url of htmlAssets(content.toString('utf8'))) await count(buildPath(url, path))
    else if (/\.m?js$/.test(path)) {
      for (const specifier of staticImports(content.toString('utf8'))) {
        // Bare specifiers cannot occur in a browser build; anything non-relative is somebody else's server.
        if (specifier.startsWith('.') || specifier.startsWith('/')) await count(buildPath(specifier, path))
      }
    }
  }
  await count('index.html')
  return { files, bytes: sum(files.map((f) => f.bytes)), gzip: sum(files.map((f) => f.gzip)) }
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0)
}

async function projectConfig(): Promise<UserConfig> {
  const loaded = await loadConfigFromFile({ command: 'build', mode: 'production' }, join(ROOT, 'vite.config.ts'), ROOT, 'silent')
  if (!loaded) throw new Error('vite.config.ts not found')
  return loaded.config
}

/**
 * Vite and the Vue plugin read NODE_ENV to choose a production build; a test runner sets it to `test`,
 * which would count development code.
 */
async function inProduction<T>(run: () => Promise<T>): Promise<T> {
  const before = process.env.NODE_ENV
  process.env.NODE_ENV = 'production'
  try {
    return await run()
  } finally {
    if (before === undefined) delete process.env.NODE_ENV
    else process.env.NODE_ENV = before
  }
}

/** Builds the app, exactly as `npm run build` does, into `outDir`. */
export async function buildApp(outDir: string): Promise<void> {
  await inProduction(() =>
    build({ configFile: join(ROOT, 'vite.config.ts'), root: ROOT, logLevel: 'silent', build: { outDir, emptyOutDir: true } }),
  )
}

/** `plugins` without those whose name starts with one of `prefixes`, at any depth (Vite allows nested arrays). */
function withoutPlugins(plugins: PluginOption[] | undefined, prefixes: string[]): PluginOption[] {
  return (plugins ?? []).flatMap((p): PluginOption[] => {
    if (Array.isArray(p)) return withoutPlugins(p, prefixes)
    if (p && typeof p === 'object' && 'name' in p && prefixes.some((prefix) => p.name.startsWith(prefix))) return []
    return [p]
  })
}

/**
 * Builds the page at `pageDir` (an index.html and its script) with the app's Vite config minus the app
 * itself: same plugins, flags, target and tree-shaking, but no service worker or web manifest, and its script
 * left as a module script (the app's shell, which runs the entry after its first paint, is not on the page).
 */
export async function buildPage(pageDir: string, outDir: string): Promise<void> {
  await inProduction(async () => {
    const config = await projectConfig()
    await build({
      ...config,
      configFile: false,
      root: pageDir,
      logLevel: 'silent',
      plugins: withoutPlugins(config.plugins, ['vite-plugin-pwa', 'doorstep:entry-after-first-paint']),
      build: { ...config.build, outDir, emptyOutDir: true },
    })
  })
}

/** The framework floor: vue, pinia, dexie, vue-router and workbox-window alone, each in use (see floor/). */
export const FLOOR_DIR = fileURLToPath(new URL('floor', import.meta.url))
