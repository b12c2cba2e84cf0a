import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { readFile, writeFile } from 'node:fs/promises'
import ExcelJS from 'exceljs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyPassword } from '@/server/auth/passwords'
import { runAdmin } from '@/server/cli/admin'
import { openSqliteStorage } from '@/server/storage/sqlite'
import type { Storage } from '@/server/storage/types'
import { png, sha256 } from '../fixtures/images'

const root = fileURLToPath(new URL('../..', import.meta.url))
const now = new Date('2026-11-28T08:00:00.000Z')

describe('admin CLI (npm run admin)', () => {
  let dataDir: string
  let storage: Storage
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'doorstep-cli-'))
    storage = openSqliteStorage({ dataDir })
    await storage.migrate()
  })
  afterAll(async () => {
    await storage.close()
    await rm(dataDir, { recursive: true, force: true })
  })

  /** Runs one command in this process on the test database; `password` answers the prompt. */
  async function admin(args: string[], password?: string) {
    const out: string[] = []
    const err: string[] = []
    const status = await runAdmin(args, {
      open: async () => storage,
      out: (line) => out.push(line),
      err: (line) => err.push(line),
      readPassword: async () => password ?? Promise.reject(new Error('No password given.')),
      now: () => now,
    })
    return { status, stdout: out.join('\n'), stderr: err.join('\n') }
  }

  it('runs as a program: usage and exit 2 without a command, exit 1 and a message on an error', () => {
    const run = (args: string[]) =>
      spawnSync(join(root, 'node_modules/.bin/tsx'), ['src/server/cli/admin.ts', ...args], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, DOORSTEP_DATA_DIR: dataDir, DATABASE_URL: '' },
      })
    const none = run([])
    expect(none.status).toBe(2)
    expect(none.stderr).toContain('user add <username>')
    const unknown = run(['devices', 'nobody'])
    expect(unknown.status).toBe(1)
    expect(unknown.stderr).toContain('No user named "nobody"')
  })

  it('prints its usage and exits 2 for an unknown command', async () => {
    const unknown = await admin(['frobnicate'])
    expect(unknown.status).toBe(2)
    expect(unknown.stderr).toMatch(/Unknown command "frobnicate"[\s\S]*Usage/)
    expect((await admin(['--help'])).status).toBe(0)
  })

  it('seeds the demo data into an empty database, and only into an empty one', async () => {
    expect((await admin(['seed-demo'])).status).toBe(0)
    expect(await storage.findUserByUsername('leader1')).toMatchObject({ role: 'leader' })
    const again = await admin(['seed-demo'])
    expect(again.status).toBe(1)
    expect(again.stderr).toMatch(/not empty/)
  })

  it('adds an account with the password from the prompt, hashed', async () => {
    const added = await admin(['user', 'add', 'zhang', '--name', '张三', '--role', 'leader', '--community', 'c-nanmen', '--buildings', 'b-qiaohu-32'], 'a-long-password')
    expect(added.status, added.stderr).toBe(0)
    const user = await storage.findUserByUsername('zhang')
    expect(user).toMatchObject({ displayName: '张三', role: 'leader', communityId: 'c-nanmen', buildingIds: ['b-qiaohu-32'], disabled: false })
    expect(await verifyPassword('a-long-password', user!.passwordHash)).toBe(true)
    expect((await admin(['user', 'add', 'zhang', '--name', 'x', '--role', 'leader', '--community', 'c-nanmen', '--password', 'another-long-one'])).status).toBe(1)
  })

  it('refuses a bad role, a short password, a missing option and an unknown one', async () => {
    const add = (...args: string[]) => admin(['user', 'add', 'lisi', ...args])
    expect((await add('--name', '李', '--role', 'boss', '--community', 'c-nanmen', '--password', 'long-enough-pw')).status).toBe(2)
    expect((await add('--name', '李', '--role', 'leader', '--community', 'c-nanmen', '--password', 'short')).status).toBe(1)
    expect((await add('--role', 'leader')).status).toBe(2)
    expect((await add('--nmae', '李')).status).toBe(2)
    expect(await storage.findUserByUsername('lisi')).toBeUndefined()
  })

  it('refuses a new username the workspace would refuse too (too short, not ASCII)', async () => {
    for (const name of ['li', '张伟']) {
      expect((await admin(['user', 'add', name, '--role', 'leader', '--community', 'c-nanmen', '--password', 'long-enough-pw'])).status).toBe(2)
      expect(await storage.findUserByUsername(name)).toBeUndefined()
    }
  })

  it('assigns buildings to a leader, and refuses to give office staff any', async () => {
    expect((await admin(['assign', 'zhang', 'b-huanbei-8', 'b-qiaohu-32'])).status).toBe(0)
    expect((await storage.findUserByUsername('zhang'))?.buildingIds.sort()).toEqual(['b-huanbei-8', 'b-qiaohu-32'])
    expect((await admin(['assign', 'zhang', '--none'])).status).toBe(0)
    expect((await storage.findUserByUsername('zhang'))?.buildingIds).toEqual([])
    expect((await admin(['assign', 'office1', 'b-huanbei-8'])).status).toBe(1)
    expect((await admin(['assign', 'zhang'])).status).toBe(2)
    expect((await admin(['assign', 'nobody', 'b-huanbei-8'])).status).toBe(1)
  })

  it('disables and enables an account, lists its devices and revokes one', async () => {
    expect((await admin(['user', 'disable', 'zhang'])).status).toBe(0)
    expect((await storage.findUserByUsername('zhang'))?.disabled).toBe(true)
    expect((await admin(['user', 'enable', 'zhang'])).status).toBe(0)
    expect((await storage.findUserByUsername('zhang'))?.disabled).toBe(false)

    const user = (await storage.findUserByUsername('zhang'))!
    expect((await admin(['devices', 'zhang'])).stdout).toMatch(/never signed in/)
    await storage.createDevice({ id: 'dev-zhang-1', userId: user.id, name: 'Redmi 9A', tokenHash: 'f'.repeat(64), at: '2026-11-27T08:00:00.000Z' })
    const listed = await admin(['devices', 'zhang'])
    expect(listed.status).toBe(0)
    expect(listed.stdout).toMatch(/dev-zhang-1\s+Redmi 9A/)
    expect((await admin(['revoke', 'dev-zhang-1'])).status).toBe(0)
    expect((await storage.listDevices(user.id))[0]?.revokedAt).not.toBeNull()
    expect((await storage.deviceRevocations(user.id)).get('dev-zhang-1')).toBe('sign_out')
    expect((await admin(['revoke', 'dev-zhang-1', '--wipe'])).status).toBe(0)
    expect((await storage.deviceRevocations(user.id)).get('dev-zhang-1')).toBe('wipe')
    expect((await admin(['devices', 'zhang'])).stdout).toMatch(/revoked/)
  })

  it('adds an admin of no community, and refuses one with a community', async () => {
    const added = await admin(['user', 'add', 'root', '--role', 'admin', '--password', 'kept-in-the-safe'])
    expect(added.status, added.stderr).toBe(0)
    expect(await storage.findUserByUsername('root')).toMatchObject({ role: 'admin', communityId: null, displayName: 'root', buildingIds: [] })
    const placed = await admin(['user', 'add', 'root2', '--role', 'admin', '--community', 'c-nanmen', '--password', 'kept-in-the-safe'])
    expect(placed.status).toBe(2)
    expect(placed.stderr).toMatch(/no community/)
    expect(await storage.findUserByUsername('root2')).toBeUndefined()
  })

  it('refuses ids that do not exist, another community\'s building and a weak password, with exit 1 and nothing changed', async () => {
    await storage.putReference('c-other', 'communities', [{ id: 'c-other', name: '北门社区' }])
    await storage.putReference('c-other', 'grids', [{ id: 'g-other', communityId: 'c-other', name: '北门第一网格' }])
    await storage.putReference('c-other', 'buildings', [{ id: 'b-other', gridId: 'g-other', communityId: 'c-other', address: '北门路1号', name: '', floors: 6 }])
    const add = (...args: string[]) => admin(['user', 'add', 'qian', '--role', 'leader', '--password', 'long-enough-pw', ...args])
    const community = await add('--community', 'c-nowhere')
    expect(community.status).toBe(1)
    expect(community.stderr).toMatch(/No community "c-nowhere"/)
    const building = await add('--community', 'c-nanmen', '--buildings', 'b-qiaohu-32,b-nowhere')
    expect(building.status).toBe(1)
    expect(building.stderr).toMatch(/No building "b-nowhere"/)
    expect((await add('--community', 'c-nanmen', '--buildings', 'b-other')).status).toBe(1)
    const weak = await admin(['user', 'add', 'qian', '--role', 'leader', '--community', 'c-nanmen', '--password', '1111111111'])
    expect(weak.status).toBe(1)
    expect(weak.stderr).toMatch(/repeat/)
    expect(await storage.findUserByUsername('qian')).toBeUndefined()

    const before = (await storage.findUserByUsername('zhang'))!.buildingIds
    expect((await admin(['assign', 'zhang', 'b-qiaohu-32', 'b-nowhere'])).status).toBe(1)
    expect((await admin(['assign', 'zhang', 'b-other'])).status).toBe(1)
    expect((await storage.findUserByUsername('zhang'))!.buildingIds).toEqual(before)
    const revoke = await admin(['revoke', 'dev-nowhere'])
    expect(revoke.status).toBe(1)
    expect(revoke.stderr).toMatch(/No device "dev-nowhere"/)
  })

  it('resets a password to a one-time one that must be changed at the next sign-in', async () => {
    const reset = await admin(['user', 'reset-password', 'zhang'])
    expect(reset.status, reset.stderr).toBe(0)
    const password = /One-time password for zhang: (\S+)/.exec(reset.stdout)?.[1]
    const user = (await storage.findUserByUsername('zhang'))!
    expect(await verifyPassword(password ?? '', user.passwordHash)).toBe(true)
    expect(user.mustChangePassword).toBe(true)
    expect((await admin(['user', 'reset-password', 'nobody'])).status).toBe(1)
  })

  it('sweeps the photos no record names that were uploaded more than a day ago', async () => {
    const photo = png(8, 8)
    const meta = { sha256: sha256(photo), type: 'image/png' as const, bytes: photo.length, width: 8, height: 8 }
    await storage.putAttachment(meta, photo, 'u-leader1', '2026-11-27T07:00:00.000Z')
    const recent = png(8, 8, 0x20)
    await storage.putAttachment({ ...meta, sha256: sha256(recent), bytes: recent.length }, recent, 'u-leader1', '2026-11-27T09:00:00.000Z')

    const swept = await admin(['sweep-photos'])
    expect(swept.status).toBe(0)
    expect(swept.stdout).toMatch(/^Removed 1 photo \(0\.0 MB\)/)
    expect(await storage.hasAttachment(meta.sha256)).toBe(false)
    expect(await storage.hasAttachment(sha256(recent))).toBe(true)
    expect((await admin(['sweep-photos', 'now'])).status).toBe(2)
  })

  it('imports a roster with --dry-run first, prints every problem by row and column, and exports it again', async () => {
    const file = join(dataDir, 'roster.csv')
    await writeFile(file, '楼栋,房号,姓名,电话\n南门路117号,101,陈秀英,13800138000\n南门路117号,102,李四,12345\n')
    const refused = await admin(['roster', 'import', file, '--community', 'c-nanmen'])
    expect(refused.status).toBe(1)
    expect(refused.stdout).toContain('第3行 电话：不是手机号或座机号')
    expect(refused.stderr).toMatch(/nothing was imported/)

    await writeFile(file, '楼栋,房号,姓名,电话\n南门路117号,101,陈秀英,13800138000\n新楼1号,1502,李四,13800138001\n')
    const before = await storage.roster('c-nanmen')
    const dry = await admin(['roster', 'import', file, '--community', 'c-nanmen', '--dry-run'])
    expect(dry.status, dry.stderr).toBe(0)
    expect(dry.stdout).toMatch(/楼栋：新增 1，有变化 0，不变 1/)
    expect(await storage.roster('c-nanmen')).toEqual(before)

    const done = await admin(['roster', 'import', file, '--community', 'c-nanmen'])
    expect(done.status, done.stderr).toBe(0)
    expect(done.stdout).toMatch(/居民：新增 2，有变化 0，不变 0，搬走 \d+/)
    expect((await storage.roster('c-nanmen')).buildings.map((b) => b.address)).toContain('新楼1号')

    const out = join(dataDir, 'roster.xlsx')
    expect((await admin(['roster', 'export', '--community', 'c-nanmen', '--out', out])).status).toBe(0)
    const again = await admin(['roster', 'import', out, '--community', 'c-nanmen', '--dry-run'])
    // The buildings the file did not name kept their residents, and the export lists them all.
    const living = (await storage.roster('c-nanmen')).residents.filter((r) => r.movedOutAt === null).length
    expect(living).toBeGreaterThan(2)
    expect(again.stdout).toContain(`居民：新增 0，有变化 0，不变 ${living}，搬走 0`)
    expect((await readFile(out)).subarray(0, 2).toString()).toBe('PK')
  })

  it('refuses an unknown community and a roster command without its arguments', async () => {
    const unknown = await admin(['roster', 'export', '--community', 'c-nowhere', '--out', join(dataDir, 'x.xlsx')])
    expect(unknown.status).toBe(1)
    expect(unknown.stderr).toContain('No community with the id "c-nowhere"')
    expect((await admin(['roster', 'import', '--community', 'c-nanmen'])).status).toBe(2)
    expect((await admin(['roster', 'export', '--community', 'c-nanmen'])).status).toBe(2)
    expect((await admin(['roster', 'import', 'x.csv'])).status).toBe(2)
  })

  it('writes the monthly report as .xlsx, and refuses a bad month or an unknown community', async () => {
    const out = join(dataDir, 'report.xlsx')
    const done = await admin(['report', 'monthly', '--community', 'c-nanmen', '--month', '2026-11', '--out', out])
    expect(done, done.stderr).toMatchObject({ status: 0 })
    const workbook = new ExcelJS.Workbook()
    await workbook.xlsx.readFile(out)
    expect(workbook.worksheets.map((sheet) => sheet.name)).toEqual(['走访', '诉求', '巡查', '覆盖率'])
    expect((await admin(['report', 'monthly', '--community', 'c-nanmen', '--month', '2026-13', '--out', out])).status).toBe(2)
    expect((await admin(['report', 'monthly', '--community', 'c-nanmen', '--out', out])).status).toBe(2)
    const unknown = await admin(['report', 'monthly', '--community', 'c-nowhere', '--month', '2026-11', '--out', out])
    expect(unknown.status).toBe(1)
    expect(unknown.stderr).toContain('No community with the id "c-nowhere"')
  })
})
