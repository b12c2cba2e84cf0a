import { describe, expect, it } from 'vitest'
import { createI18n } from 'vue-i18n'
import { allMessages } from '@/app/i18n'
import { compileMessage, MessageSyntaxError, precompileModule } from '../../../scripts/vite-i18n'

type Tree = { [key: string]: string | Tree }

/** Every message of a catalog as [dotted key, source text]. */
function leaves(tree: Tree, prefix = ''): [string, string][] {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === 'string' ? [[`${prefix}${key}`, value] as [string, string]] : leaves(value, `${prefix}${key}.`),
  )
}

/** The same catalog with each message replaced by its build-time AST. */
function precompiled(tree: Tree): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(tree).map(([key, value]) => [key, typeof value === 'string' ? JSON.parse(compileMessage(value)) : precompiled(value)]),
  )
}

type Translate = (key: string, named: Record<string, string>) => string

/** vue-i18n's `t` over one locale's catalog (typed loosely: the catalogs here are built at run time). */
function translator(locale: string, catalog: Record<string, unknown>): Translate {
  const create = createI18n as unknown as (options: object) => { global: { t: Translate } }
  return create({ legacy: false, locale, messages: { [locale]: catalog } }).global.t
}

const messages = await allMessages()

describe('messages precompiled at build time', () => {
  it.each(['zh-CN', 'en'] as const)('render in %s exactly as vue-i18n compiles them at run time', (locale) => {
    const catalog = messages[locale] as unknown as Tree
    const runtime = translator(locale, catalog)
    const built = translator(locale, precompiled(catalog))
    const all = leaves(catalog)
    expect(all.length).toBeGreaterThan(50)
    for (const [key, source] of all) {
      const named = Object.fromEntries([...source.matchAll(/\{(\w+)\}/g)].map(([, name]) => [name, `<${name}>`]))
      expect(built(key, named), key).toBe(runtime(key, named))
    }
  })

  it('replaces the strings inside defineMessages and nothing else', () => {
    const source = `import { defineMessages } from './define'\nconst other = 'left alone'\n` +
      `export default defineMessages({ 'zh-CN': { photo: { alt: '第 {n} 张照片' } }, en: { photo: { alt: \`Photo {n}\` } } })`
    const out = precompileModule(source, 'messages.ts')!.code
    expect(out).toContain(`const other = 'left alone'`)
    expect(out).toContain(`'zh-CN': { photo: { alt: ${compileMessage('第 {n} 张照片')} } }`)
    expect(out).toContain(`en: { photo: { alt: ${compileMessage('Photo {n}')} } }`)
  })

  it('fails the build on a message that is not a literal string, or is not valid message syntax', () => {
    const wrap = (value: string) => `export default defineMessages({ 'zh-CN': { a: ${value} }, en: { a: 'x' } })`
    expect(() => precompileModule(wrap('`${name}`'), 'm.ts')).toThrow(MessageSyntaxError)
    expect(() => precompileModule(wrap('someVariable'), 'm.ts')).toThrow(MessageSyntaxError)
    expect(() => precompileModule(wrap(`'未闭合 {n'`), 'm.ts')).toThrow(MessageSyntaxError)
  })

  it('leaves modules without defineMessages untouched', () => {
    expect(precompileModule(`export const a = 'x'`, 'a.ts')).toBeNull()
  })
})
