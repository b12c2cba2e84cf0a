import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createRepositories, ValidationError } from '@/app/db'
import { DoorstepDatabase } from '@/app/db/database'
import { seedDemoIfEmpty } from '@/app/db/seed'
import { demoTemplates } from '@/domain/demo'

const published = demoTemplates[0]!
const next = { ...published, version: 2, title: '楼道消防（新版）', publishedAt: '2026-12-03T08:00:00.000Z' }

let db: DoorstepDatabase
let repos: ReturnType<typeof createRepositories>
beforeEach(async () => {
  db = new DoorstepDatabase(`templates-${crypto.randomUUID()}`)
  await seedDemoIfEmpty(db)
  repos = createRepositories(db)
})
afterEach(() => db.delete())

describe('publishing a template version on the device', () => {
  it('stores the version beside the earlier ones, with its template.publish waiting in the outbox', async () => {
    await repos.templates.publish(next)
    expect(await db.templates.get([published.id, 2])).toEqual(next)
    expect(await db.templates.get([published.id, 1])).toEqual(published)
    expect(await db.outbox.toArray()).toMatchObject([{ table: 'templates', recordId: published.id, baseRev: null, change: { kind: 'template.publish', template: next }, record: next }])
  })

  it('writes nothing for a version that is not newer than the newest here, nor for an invalid one', async () => {
    await expect(repos.templates.publish({ ...next, version: 1 })).rejects.toBeInstanceOf(ValidationError)
    await expect(repos.templates.publish({ ...next, items: [] })).rejects.toBeInstanceOf(ValidationError)
    expect(await db.outbox.count()).toBe(0)
    expect(await db.templates.get([published.id, 2])).toBeUndefined()
    expect(await db.templates.get([published.id, 1])).toEqual(published)
  })
})
