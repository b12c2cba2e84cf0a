import type { Page } from 'playwright-core'
import { uuidv7, type Campaign, type Inspection, type IssueReport, type RecordMeta, type Visit } from '@/domain'
import { inspectionFields, issueFields, visitFields } from '../fixtures'

/*
 * Records written straight into the phone's IndexedDB, as a long spell of work (or a sync) would leave them:
 * typing sixty visits through the screens would take minutes. The app must have opened its database once
 * (it seeds the demo buildings then); reload the page after seeding, since the app's live queries only see
 * writes made through Dexie.
 */

function meta(at: string): RecordMeta {
  return { id: uuidv7(Date.parse(at)), createdAt: at, updatedAt: at, createdBy: 'u-leader1', deviceId: 'd-e2e', rev: null, deletedAt: null, conflicts: [] }
}

/** `count` visits a minute apart, newest last; `needs` and `outcome` may be long. */
export function visits(count: number, fields: Partial<Visit> = {}): Visit[] {
  return Array.from({ length: count }, (_, i) => {
    const at = new Date(Date.parse('2026-11-01T01:00:00.000Z') + i * 60_000).toISOString()
    return { ...meta(at), ...visitFields({ visitedAt: at, needs: `第 ${i + 1} 户：想了解养老金年审`, ...fields }) }
  })
}

export function issues(count: number, fields: Partial<IssueReport> = {}): IssueReport[] {
  return Array.from({ length: count }, (_, i) => {
    const at = new Date(Date.parse('2026-11-01T01:00:00.000Z') + i * 60_000).toISOString()
    return { ...meta(at), ...issueFields({ location: `${(i % 7) + 1}楼楼道 第 ${i + 1} 处`, ...fields }), status: 'submitted', assignee: null, events: [], ...fields }
  })
}

export function inspections(count: number, fields: Partial<Inspection> = {}): Inspection[] {
  return Array.from({ length: count }, (_, i) => {
    const at = new Date(Date.parse('2026-11-01T01:00:00.000Z') + i * 60_000).toISOString()
    return { ...meta(at), ...inspectionFields({ startedAt: at, ...fields }) }
  })
}

/** Writes records (and `meta` entries, e.g. who the phone's user is) into their tables in one transaction. */
export async function seedRecords(
  page: Page,
  records: { visits?: Visit[]; issues?: IssueReport[]; inspections?: Inspection[]; campaigns?: Campaign[]; meta?: Array<{ key: string; value: string }> },
): Promise<void> {
  await page.evaluate(async (tables) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open('doorstep')
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
    const names = Object.keys(tables)
    const tx = db.transaction(names, 'readwrite')
    for (const name of names) for (const row of tables[name]!) tx.objectStore(name).put(row)
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve
      tx.onerror = () => reject(tx.error)
    })
    db.close()
  }, records as Record<string, unknown[]>)
}
