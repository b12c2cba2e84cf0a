import { ESLint } from 'eslint'
import { beforeAll, describe, expect, it } from 'vitest'
import { firstScreenModules } from '../../../scripts/first-screen-modules'
import { ROOT } from '../../bench/first-screen'

/*
 * The import rules of the layers (eslint.config.ts), checked on code written into real paths of the tree:
 * each rule must fire where the layer forbids the import and stay silent where it is allowed.
 */

const eslint = new ESLint({ cwd: ROOT })

// Loading the config (TypeScript, through jiti) takes seconds on a busy machine: once, outside the tests' time.
beforeAll(() => eslint.calculateConfigForFile(`${ROOT}/src/domain/ids.ts`), 60_000)

/** The restricted-import messages ESLint reports for `code` as if it stood at `path`. */
async function restricted(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}/${path}` })
  return result!.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message)
}

describe('the layers', () => {
  it('keep the domain free of the app, the server, Vue and Node', async () => {
    expect(await restricted('src/domain/ids.ts', "import { ref } from 'vue'\nexport const r = ref(1)\n")).toHaveLength(1)
    expect(await restricted('src/domain/ids.ts', "import { db } from '@/app/db/database'\nexport const d = db\n")).toHaveLength(1)
    expect(await restricted('src/domain/ids.ts', "import { randomUUID } from 'node:crypto'\nexport const u = randomUUID\n")).toHaveLength(1)
    expect(await restricted('src/domain/ids.ts', "import { z } from 'zod'\nexport const s = z.string()\n")).toEqual([])
  })

  it('keep ui/ components free of stores and features', async () => {
    const store = "<script setup lang=\"ts\">\nimport { useSync } from '@/app/stores/sync'\nuseSync()\n</script>\n"
    expect(await restricted('src/app/ui/Example.vue', store)).toHaveLength(1)
    expect(await restricted('src/app/features/visits/Example.vue', store)).toEqual([])
  })

  it('keep the app and the server apart', async () => {
    expect(await restricted('src/app/sync/example.ts', "import { buildServer } from '@/server/app'\nexport const b = buildServer\n")).toHaveLength(1)
    expect(await restricted('src/server/example.ts', "import { db } from '@/app/db/database'\nexport const d = db\n")).toHaveLength(1)
  })

  it('forbid the first screen the barrels and zod, but allow them on lazy screens and as types', async () => {
    const barrel = "<script setup lang=\"ts\">\nimport { localDay } from '@/domain'\nlocalDay(new Date())\n</script>\n"
    expect(await restricted('src/app/features/home/HomeView.vue', barrel)).toHaveLength(1)
    expect(await restricted('src/app/features/visits/VisitList.vue', barrel)).toEqual([])
    const typeOnly = "<script setup lang=\"ts\">\nimport type { Visit } from '@/domain'\ndefineProps<{ visit: Visit }>()\n</script>\n"
    expect(await restricted('src/app/features/home/HomeView.vue', typeOnly)).toEqual([])
  })

  it("forbid the first screen every screen's reads and the other screens' shared words, but allow them on lazy screens", async () => {
    const reads = "<script setup lang=\"ts\">\nimport { queries } from '@/app/db/read'\nvoid queries.drafts()\n</script>\n"
    expect(await restricted('src/app/features/home/HomeView.vue', reads)).toHaveLength(1)
    expect(await restricted('src/app/features/home/HomeDrafts.vue', reads)).toEqual([])
    expect(await restricted('src/app/main.ts', "import { queries } from './db/read'\nvoid queries\n")).toHaveLength(1)
    const words = "import common from './common'\nexport const c = common\n"
    expect(await restricted('src/app/i18n/index.ts', words)).toHaveLength(1)
    expect(await restricted('src/app/features/canvass-link/public-main.ts', "import common from '@/app/i18n/common'\nexport const c = common\n")).toEqual([])
  })
})

describe('the first screen modules', () => {
  it('are what main.ts imports statically, followed through, and not the lazy screens', () => {
    const modules = firstScreenModules(ROOT)
    expect(modules).toEqual(expect.arrayContaining(['src/app/main.ts', 'src/app/App.vue', 'src/app/router.ts', 'src/app/features/home/HomeView.vue', 'src/app/ui/AppTabBar.vue']))
    // Reached only through import() (a route, the sync engine) or `import type`.
    expect(modules).not.toContain('src/app/features/visits/VisitList.vue')
    expect(modules).not.toContain('src/app/sync/engine.ts')
    expect(modules).not.toContain('src/domain/index.ts')
  })
})
