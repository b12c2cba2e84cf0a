import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

/**
 * The source modules of the first screen: everything src/app/main.ts imports statically, followed to the
 * end (dynamic `import()` and `import type` are not followed: the first is another chunk, the second is
 * erased). ESLint forbids these modules the imports that would bloat the first screen (eslint.config.ts),
 * so a barrel import is caught where it is written instead of after a build by the budget test.
 */

const SRC = 'src'
const ENTRY = 'src/app/main.ts'
// `import … from 'x'` and `export … from 'x'`, statement-initial; `import type` / `export type` are erased.
const STATIC_IMPORT = /^\s*(import|export)\s+(?!type\s)(?:[^'"]*?\sfrom\s+)?['"]([^'"]+)['"]/gm
const SCRIPT_BLOCK = /<script\b[^>]*>([\s\S]*?)<\/script>/g

function code(file: string): string {
  const text = readFileSync(file, 'utf8')
  return file.endsWith('.vue') ? [...text.matchAll(SCRIPT_BLOCK)].map((m) => m[1]).join('\n') : text
}

/** A project file for an import specifier, or undefined for a package (or a file that is not there). */
function resolveImport(specifier: string, from: string, root: string): string | undefined {
  let base: string
  if (specifier.startsWith('@/')) base = join(root, SRC, specifier.slice(2))
  else if (specifier.startsWith('.')) base = resolve(dirname(from), specifier)
  else return undefined
  const candidates = [base, `${base}.ts`, join(base, 'index.ts')]
  return candidates.find((path) => existsSync(path) && /\.(ts|vue)$/.test(path))
}

/** Each first-screen module, relative to `root` (the repository), with forward slashes. */
export function firstScreenModules(root: string): string[] {
  const seen = new Set<string>()
  const pending = [join(root, ENTRY)]
  while (pending.length > 0) {
    const file = pending.pop()!
    if (seen.has(file)) continue
    seen.add(file)
    for (const [, , specifier] of code(file).matchAll(STATIC_IMPORT)) {
      const target = resolveImport(specifier!, file, root)
      if (target && !seen.has(target)) pending.push(target)
    }
  }
  return [...seen].map((file) => relative(root, file).split('\\').join('/')).sort()
}
