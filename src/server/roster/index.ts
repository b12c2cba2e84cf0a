import { z } from 'zod'
import { planRoster, readRoster, rosterFileProblem, rosterRows, uuidv7, type RosterPreview } from '@/domain'
import type { Storage } from '../storage/types'
import { parseRosterFile } from './parse'
import { writeRosterXlsx } from './write'

/*
 * The roster's steps, shared by the routes and the admin CLI: bytes → rows (parse.ts) → checked entries
 * (src/domain/roster.ts) → what would change (preview), or the change itself (import, one transaction).
 */

type Checked = ReturnType<typeof readRoster>

async function check(bytes: Buffer, now: Date): Promise<Checked> {
  const parsed = await parseRosterFile(bytes)
  if (!parsed.ok) return { rows: 0, entries: [], problems: [rosterFileProblem(parsed.fault)] }
  return readRoster(parsed.sheet, now.getUTCFullYear())
}

/** The preview of checked rows: what the rows without a problem would change, beside every problem. */
async function preview(storage: Storage, communityId: string, { rows, entries, problems }: Checked, now: Date): Promise<RosterPreview> {
  const state = await storage.roster(communityId)
  const { counts } = planRoster(communityId, state, entries, { at: now.toISOString(), newId: () => uuidv7(now.getTime()) })
  return { rows, ...counts, problems }
}

/** What importing the file would change, and every problem in it; writes nothing. */
export async function previewRoster(storage: Storage, communityId: string, bytes: Buffer, now: Date): Promise<RosterPreview> {
  return preview(storage, communityId, await check(bytes, now), now)
}

/**
 * Imports the file when it has no problem at all (`imported: true`, with what changed); otherwise writes
 * nothing and says why (the same preview as previewRoster).
 */
export async function importRoster(
  storage: Storage,
  communityId: string,
  bytes: Buffer,
  now: Date,
): Promise<{ imported: boolean; preview: RosterPreview }> {
  const checked = await check(bytes, now)
  if (checked.problems.length) return { imported: false, preview: await preview(storage, communityId, checked, now) }
  try {
    const counts = await storage.importRoster(communityId, checked.entries, now.toISOString())
    return { imported: true, preview: { rows: checked.rows, ...counts, problems: [] } }
  } catch (error) {
    // A record the stored roster's schemas refuse (the rules here drifted from them): nothing was written.
    if (!(error instanceof z.ZodError)) throw error
    const problem = { row: null, column: null, code: 'invalid_record', message: '这份花名册导入后的数据不对，一行也没有导入：请把文件发给系统管理员看看' }
    return { imported: false, preview: await preview(storage, communityId, { ...checked, problems: [problem] }, now) }
  }
}

/** The community's roster as an .xlsx file, in the import's format, and how many rows (residents) it has. */
export async function exportRoster(storage: Storage, communityId: string): Promise<{ file: Buffer; rows: number }> {
  const rows = rosterRows(await storage.roster(communityId))
  return { file: await writeRosterXlsx(rows), rows: rows.length }
}
