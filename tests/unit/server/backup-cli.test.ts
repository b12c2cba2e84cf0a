import { describe, expect, it } from 'vitest'
import { runAdmin } from '@/server/cli/admin'
import type { Storage } from '@/server/storage/types'

/** `npm run admin -- backup|restore|restored`: how they are called, and PostgreSQL's commands; nothing here touches a file. */

async function admin(args: string[], databaseUrl?: string) {
  const lines: string[] = []
  let opened = false
  const status = await runAdmin(args, {
    open: async () => {
      opened = true
      return {} as Storage
    },
    config: () => ({ dataDir: '/nonexistent/doorstep-data', databaseUrl }),
    confirm: () => Promise.reject(new Error('asked')),
    out: (line) => lines.push(line),
    err: (line) => lines.push(line),
    readPassword: () => Promise.reject(new Error('asked')),
    now: () => new Date('2026-12-01T00:00:00.000Z'),
  })
  return { status, text: lines.join('\n'), opened }
}

describe('admin backup and restore, called wrongly', () => {
  it.each([
    [['backup']],
    [['backup', 'file.sqlite']],
    [['backup', '--out', 'a', 'b']],
    [['backup', '--out', 'a', '--yes']],
    [['backup', '--out']],
    [['backup', '--to', 'a']],
    [['restore']],
    [['restore', '--from', 'a', '--out', 'b']],
    [['restore', 'a']],
    [['restored', 'now']],
  ])('%j exits 2 with the usage, and opens no database for backup or restore', async (args) => {
    const { status, text, opened } = await admin(args)
    expect(status).toBe(2)
    expect(text).toContain('backup --out <file>')
    expect(opened).toBe(args[0] === 'restored')
  })

  it('refuses a backup that is not there, before asking anything', async () => {
    expect(await admin(['restore', '--from', '/nonexistent/backup.sqlite'])).toMatchObject({ status: 1, text: 'Error: No backup at /nonexistent/backup.sqlite.', opened: false })
  })
})

describe('admin backup and restore on PostgreSQL', () => {
  const url = 'postgres://app@127.0.0.1:5432/doorstep'

  it('backup prints the pg_dump command for the file asked for', async () => {
    const { status, text } = await admin(['backup', '--out', 'city.dump'], url)
    expect(status).toBe(1)
    expect(text).toContain('pg_dump --format=custom --file city.dump "$DATABASE_URL"')
  })

  it('restore prints the pg_restore command, then restored for the new epoch', async () => {
    const { status, text } = await admin(['restore', '--from', 'city.dump', '--yes'], url)
    expect(status).toBe(1)
    expect(text).toContain('pg_restore --clean --if-exists --no-owner --dbname "$DATABASE_URL" city.dump')
    expect(text).toContain('npm run admin -- restored')
  })
})
