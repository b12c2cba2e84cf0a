import type { Linter } from 'eslint'
import pluginVue from 'eslint-plugin-vue'
import { defineConfigWithVueTs, vueTsConfigs } from '@vue/eslint-config-typescript'
import { firstScreenModules } from './scripts/first-screen-modules.ts'

/** A group of gitignore-style patterns (`group`) or exact module names (`names`, for barrels) to forbid. */
type Pattern = { group?: string[]; names?: string[]; message: string }

/*
 * The layers (docs/architecture.md), as import rules. Type-only imports are allowed everywhere: they are
 * erased. ESLint keeps one setting of a rule per file (the last block that matches), so each block lists
 * every pattern that applies to its files.
 */
const DOMAIN: Pattern[] = [
  { group: ['@/app', '@/app/*', '@/server', '@/server/*', '../app/*', '../server/*'], message: 'The domain is shared: it imports neither the app nor the server.' },
  { group: ['vue', 'pinia', 'dexie', 'vue-i18n', 'vant', 'fastify', 'kysely', 'node:*'], message: 'The domain is pure: zod and plain TypeScript only.' },
]
const APP: Pattern[] = [{ group: ['@/server', '@/server/*'], message: 'The app talks to the server over HTTP only.' }]
const SERVER: Pattern[] = [{ group: ['@/app', '@/app/*'], message: 'The server shares only src/domain with the app.' }]
const UI: Pattern[] = [
  { group: ['@/app/stores', '@/app/stores/*', '@/app/features/*', '../stores/*', '../features/*'], message: 'ui/ holds plain components: props in, events out; no store, no feature.' },
]
// The first screen (everything main.ts imports statically) has a byte budget, which a barrel breaks only
// after the fact (tests/unit/build/bundle-budget.test.ts): caught here where it is written.
const FIRST_SCREEN: Pattern[] = [
  { names: ['@/domain', '@/app/db', './db', '../db'], message: 'First screen: import a schema-free module (e.g. @/domain/follow-up, @/app/db/read), not the barrel (it brings zod).' },
  { group: ['**/db/read', '**/db/queries'], message: "First screen: every screen's reads (queries.ts) load with the lazy parts and screens that show them." },
  { names: ['@/app/i18n/common', './common'], message: 'First screen: the words the other screens share load with them (loadMessages), not with home.' },
  { group: ['zod', 'zod/*', 'vant', 'vant/*'], message: 'First screen: zod and Vant load with the screens that need them.' },
]

function forbid(rules: Pattern[]) {
  const paths = rules.flatMap(({ names, message }) => (names ?? []).map((name) => ({ name, message, allowTypeImports: true })))
  const patterns = rules.flatMap(({ group, message }) => (group ? [{ group, message, allowTypeImports: true }] : []))
  const entry: Linter.RuleEntry = ['error', { paths, patterns }]
  return { '@typescript-eslint/no-restricted-imports': entry }
}

const firstScreen = firstScreenModules(import.meta.dirname)
const UI_FILES = 'src/app/ui/**'

export default defineConfigWithVueTs(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**'] },
  pluginVue.configs['flat/recommended'],
  vueTsConfigs.recommended,
  {
    rules: {
      // Prettier-style formatting is not enforced; these only fight with readable one-line templates.
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  { files: ['src/domain/**'], rules: forbid(DOMAIN) },
  { files: ['src/server/**'], rules: forbid(SERVER) },
  { files: ['src/app/**'], rules: forbid(APP) },
  { files: [UI_FILES], rules: forbid([...APP, ...UI]) },
  { files: firstScreen, ignores: [UI_FILES], rules: forbid([...APP, ...FIRST_SCREEN]) },
  { files: firstScreen.filter((file) => file.startsWith('src/app/ui/')), rules: forbid([...APP, ...UI, ...FIRST_SCREEN]) },
)
