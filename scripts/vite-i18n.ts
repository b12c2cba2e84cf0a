import { baseCompile } from '@intlify/message-compiler'
import { parseAst, type Plugin } from 'vite'
import { MagicString } from 'vue/compiler-sfc'

/*
 * Two build steps that keep vue-i18n small on the first screen.
 *
 * 1. Messages are compiled at build time, so the app ships vue-i18n without its message compiler (about 6 KB
 * gzip off the first screen) and never compiles a message in the browser. Each string inside a
 * `defineMessages({...})` call becomes the message's AST, the same form vue-i18n's own compiler makes at
 * run time; vue-i18n renders it with no `new Function`, which the CSP forbids anyway.
 *
 * The catch: every message must be a literal string in a `defineMessages` call, because the build drops the
 * compiler (`__INTLIFY_DROP_MESSAGE_COMPILER__` in vite.config.ts) and a string met at run time would not
 * render. Anything else in such a call fails the build rather than the screen. Unit and component tests
 * run the plain strings through the full vue-i18n, which compiles them itself.
 *
 * 2. vue-i18n 11 finds the current component with `'currentInstance' in Vue` on its `import * as Vue`. An
 * `in` test on a namespace makes the bundler keep every export of Vue (Transition, KeepAlive, Suspense,
 * Teleport, hydration …): about 13 KB gzip on the first screen. Vue 3.5 has no such export, so the test
 * is always false and vue-i18n calls `getCurrentInstance()`; the patch calls it directly. (Reported
 * upstream as intlify/vue-i18n#2573.)
 */

interface Node {
  type: string
  start: number
  end: number
  [key: string]: unknown
}

export class MessageSyntaxError extends Error {
  override readonly name = 'MessageSyntaxError'
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message)
  }
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as Node).type === 'string'
}

/** Every `defineMessages(...)` call in the module, wherever it stands. */
function defineMessagesCalls(node: unknown, found: Node[] = []): Node[] {
  if (Array.isArray(node)) for (const child of node) defineMessagesCalls(child, found)
  else if (isNode(node)) {
    const callee = node.callee as Node | undefined
    if (node.type === 'CallExpression' && callee?.type === 'Identifier' && callee.name === 'defineMessages') found.push(node)
    else for (const key in node) if (key !== 'type') defineMessagesCalls(node[key], found)
  }
  return found
}

/** One message in vue-i18n's syntax → its AST as a JavaScript literal (minified keys, no source locations). */
export function compileMessage(source: string, position = 0): string {
  const { ast } = baseCompile(source, {
    jit: true,
    location: false,
    minify: true,
    onError: (error) => {
      throw new MessageSyntaxError(`message ${JSON.stringify(source)}: ${error.message}`, position)
    },
  })
  return JSON.stringify(ast)
}

function compileObject(object: Node, out: MagicString) {
  for (const property of object.properties as Node[]) {
    if (property.type !== 'Property') throw new MessageSyntaxError('messages must be plain properties (no spread)', property.start)
    const value = property.value as Node
    if (value.type === 'ObjectExpression') compileObject(value, out)
    else if (value.type === 'Literal' && typeof value.value === 'string') out.overwrite(value.start, value.end, compileMessage(value.value, value.start))
    else if (value.type === 'TemplateLiteral' && (value.expressions as Node[]).length === 0) {
      const [quasi] = value.quasis as { value: { cooked: string } }[]
      out.overwrite(value.start, value.end, compileMessage(quasi!.value.cooked, value.start))
    } else throw new MessageSyntaxError('a message must be a literal string', value.start)
  }
}

/** The module with each `defineMessages` call's strings replaced by their compiled ASTs, or null if it has none. */
export function precompileModule(code: string, id: string): { code: string; map: ReturnType<MagicString['generateMap']> } | null {
  if (!code.includes('defineMessages(')) return null
  const calls = defineMessagesCalls(parseAst(code, { lang: 'ts' }, id))
  if (calls.length === 0) return null
  const out = new MagicString(code)
  for (const call of calls) {
    const [argument] = call.arguments as Node[]
    if (argument?.type !== 'ObjectExpression') throw new MessageSyntaxError('defineMessages takes an object literal', call.start)
    compileObject(argument, out)
  }
  return { code: out.toString(), map: out.generateMap({ hires: true, source: id }) }
}

/** Vite plugin: precompiles the messages of every `src/**.ts` module that calls `defineMessages`. */
export function precompileMessages(): Plugin {
  return {
    name: 'doorstep:precompile-messages',
    enforce: 'pre',
    transform: {
      filter: { id: /\/src\/.*\.ts$/, code: 'defineMessages(' },
      handler(code, id) {
        try {
          return precompileModule(code, id)
        } catch (error) {
          if (error instanceof MessageSyntaxError) this.error(error.message, error.position)
          throw error
        }
      },
    },
  }
}

const NAMESPACE_PROBE = /if \(key in Vue\) \{\s*return Vue\[key\];\s*\}\s*else \{\s*(return Vue\.getCurrentInstance\(\);)\s*\}/

/** Vite plugin: lets the bundler tree-shake Vue under vue-i18n (see 2. above). */
export function vueI18nTreeShaking(): Plugin {
  return {
    name: 'doorstep:vue-i18n-tree-shaking',
    apply: 'build',
    transform: {
      filter: { id: /[\\/]vue-i18n[\\/]dist[\\/][^\\/]+\.m?js$/ },
      handler(code) {
        if (!code.includes('import * as Vue')) return null
        const match = NAMESPACE_PROBE.exec(code)
        if (!match) {
          // A vue-i18n update may have fixed it, or moved it: the byte-budget test tells which.
          this.warn('vue-i18n no longer has the namespace probe this plugin removes')
          return null
        }
        const out = new MagicString(code)
        out.overwrite(match.index, match.index + match[0].length, match[1]!)
        return { code: out.toString(), map: out.generateMap({ hires: true }) }
      },
    },
  }
}
